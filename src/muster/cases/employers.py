"""Reservation lists: an employer names its staff, the whole list is checked like a registry
import (every problem located, nothing applied if any), then an exemption claim is filed for
each listed person with an open call-up. Automatic verification decides each claim: where the
registry shows the person works for an employer whose accreditation the decree exempts, the
claim is upheld at once; otherwise it waits for the regional board."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, select

from muster.cases import grounds as claim_grounds
from muster.cases import service as cases
from muster.errors import InputFileError, MusterError, Problem
from muster.policy.evaluate import Context, Trace, evaluate
from muster.policy.versions import Version
from muster.registry.models import Employer, Person
from muster.selection.models import CallUp

COLUMNS = ("national_id", "note")
EMPLOYER_FIELDS = ("employer_accreditation", "employer_sector", "employer_critical")


class ReserveResult(BaseModel):
    """What a reservation list did (or, in a dry run, would do)."""

    employer: str
    listed: int
    filed: int
    upheld: int
    pending: int
    not_called: int
    already_pending: int
    ground: str | None
    claims: list[int]
    dry_run: bool


@dataclass
class _Row:
    line: int
    national_id: str


@dataclass
class _Listed:
    rows: list[_Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _read(path: Path) -> _Listed:
    """The list's rows with their physical lines; ``#`` lines and blank lines are skipped."""
    file = str(path)
    if not path.is_file():
        raise MusterError(f"{path}: no such file")
    listed = _Listed()
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            lines = [(n, text) for n, text in enumerate(f, start=1)]
    except UnicodeDecodeError as exc:
        raise MusterError(f"{file}: is not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    content = [(n, t) for n, t in lines if t.strip() and not t.lstrip().startswith("#")]
    if not content:
        listed.problems.append(Problem(1, 0, "", "no header; expected: national_id[,note]", file))
        return listed
    header_line, header_text = content[0]
    header = [h.strip() for h in next(csv.reader([header_text]))]
    if not header or header[0] != "national_id" or any(h not in COLUMNS for h in header):
        listed.problems.append(
            Problem(
                header_line,
                0,
                "",
                f"header is {','.join(header)!r}; expected: national_id (optionally ,note)",
                file,
            )
        )
        return listed
    for number, text in content[1:]:
        values = next(csv.reader([text]), [])
        if len(values) > len(header):
            listed.problems.append(
                Problem(
                    number,
                    0,
                    "",
                    f"{len(values)} fields; expected at most {len(header)} ({','.join(header)})",
                    file,
                )
            )
            continue
        national_id = values[0].strip() if values else ""
        if not national_id:
            listed.problems.append(
                Problem(number, 0, "national_id", "is empty (expected a national id)", file)
            )
            continue
        listed.rows.append(_Row(number, national_id))
    return listed


def exempting_rule(version: Version, employer: Any, day: date) -> str | None:
    """The first exemption in force whose condition reads only the employer's fields and
    holds for this employer: the ground its staff are exempt on, if any."""
    values = {
        "employer_accreditation": getattr(employer, "accreditation", None),
        "employer_sector": getattr(employer, "sector", None),
        "employer_critical": bool(getattr(employer, "critical", False)),
    }
    ctx = Context(as_of=day, params=version.params_on(day))
    for rule in version.rules:
        fields = rule.condition.fields
        if rule.kind != "exemption" or not rule.in_force(day) or not fields:
            continue
        if not fields <= set(EMPLOYER_FIELDS):
            continue
        if evaluate(rule.condition.node, values, ctx, Trace()) is True:
            return rule.id
    return None


def reserve(
    engine: Engine,
    *,
    path: Path,
    employer: str,
    day: date,
    actor: str,
    dry_run: bool = False,
    ground: str | None = None,
) -> ReserveResult:
    """Check an employer's reservation list as a whole, then file an exemption claim for
    each listed person with an open call-up. Any problem: ``InputFileError`` with every one
    located, and nothing filed."""
    file = str(path)
    listed = _read(path)
    with engine.connect() as conn:
        boss = conn.execute(select(Employer).where(Employer.code == employer)).first()
        if boss is None:
            raise MusterError(
                f"--employer: {employer!r} is not an employer in the registry "
                "(expected an employer code, e.g. as listed in the employers table)"
            )
        ids = sorted({r.national_id for r in listed.rows})
        people = {
            row.national_id: row
            for chunk in (ids[i : i + 1000] for i in range(0, len(ids), 1000))
            for row in conn.execute(
                select(Person.id, Person.national_id, Person.employer_id).where(
                    Person.national_id.in_(chunk)
                )
            )
        }
        person_ids = [int(p.id) for p in people.values()]
        open_callups: dict[int, tuple[str, int]] = {}
        for chunk in (person_ids[i : i + 1000] for i in range(0, len(person_ids), 1000)):
            for c in conn.execute(
                select(CallUp.person_id, CallUp.status, CallUp.campaign_id)
                .where(CallUp.person_id.in_(chunk), CallUp.status.in_(cases.OPEN_CALLUP))
                .order_by(CallUp.id)
            ):
                open_callups[int(c.person_id)] = (str(c.status), int(c.campaign_id))
    problems = list(listed.problems)
    first_seen: dict[str, int] = {}
    for row in listed.rows:
        shown = row.national_id.replace('"', '\\"')
        if row.national_id in first_seen:
            problems.append(
                Problem(
                    row.line,
                    0,
                    "national_id",
                    f'"{shown}" is listed twice (first on line {first_seen[row.national_id]})',
                    file,
                )
            )
            continue
        first_seen[row.national_id] = row.line
        person = people.get(row.national_id)
        if person is None:
            problems.append(
                Problem(row.line, 0, "national_id", f'"{shown}" is not in the registry', file)
            )
        elif person.employer_id is not None and person.employer_id != employer:
            problems.append(
                Problem(
                    row.line,
                    0,
                    "national_id",
                    f'"{shown}" works for {person.employer_id}, not {employer}',
                    file,
                )
            )
    if problems:
        raise InputFileError(file, problems, consequence="no claim was filed")
    grounds: dict[int, str] = {}

    def ground_for(campaign_id: int) -> str:
        if campaign_id not in grounds:
            version = claim_grounds.version_for(engine, campaign_id=campaign_id, day=day)
            chosen = ground or exempting_rule(version, boss, day)
            if chosen is None:
                raise MusterError(
                    f"--employer: {employer}'s accreditation ({boss.accreditation or 'none'}) "
                    f"makes no exemption of {version.ref} apply; name the ground with --ground"
                )
            claim_grounds.check_ground(version, "exemption", chosen)
            grounds[campaign_id] = chosen
        return grounds[campaign_id]

    called = [
        (row, open_callups[int(people[row.national_id].id)])
        for row in listed.rows
        if int(people[row.national_id].id) in open_callups
    ]
    to_file = [(row, campaign) for row, (status, campaign) in called if status != "claim_pending"]
    for _, campaign in to_file:
        ground_for(campaign)
    claims: list[int] = []
    upheld = pending = 0
    if not dry_run:
        for row, campaign in to_file:
            claim = cases.file_claim(
                engine,
                national_id=row.national_id,
                kind="exemption",
                ground=ground_for(campaign),
                filed_by="employer",
                filer=employer,
                campaign_id=campaign,
                evidence=f"reservation list {path.name}, line {row.line}",
                today=day,
                actor=actor,
            )
            claims.append(claim.id)
            upheld += claim.status == "upheld"
            pending += claim.status == "pending"
    return ReserveResult(
        employer=employer,
        listed=len(listed.rows),
        filed=len(to_file),
        upheld=upheld,
        pending=pending,
        not_called=len(listed.rows) - len(called),
        already_pending=len(called) - len(to_file),
        ground=next(iter(grounds.values()), ground),
        claims=claims,
        dry_run=dry_run,
    )
