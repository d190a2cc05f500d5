"""Screening services: store decrees, screen the registry, explain one decision, measure impact;
the readers of stored decisions (``decisions.py``) are offered here too.

A decree version, once in force (its date has come), is immutable: loading a file that changes
it is refused; amendments are new versions. Screening evaluates the version in force on the
as-of date over the whole registry in chunks (or only the persons changed since the last
screen) and keeps each person's latest decision with every ground that held.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from muster.db.clock import Progress, now, quiet
from muster.db.engine import connected
from muster.errors import MusterError, NotFoundError
from muster.policy import decree as policy
from muster.policy.diff import Change, diff
from muster.policy.engine import decide_frame
from muster.policy.engine import explain as explain_one
from muster.policy.schemas import Explanation
from muster.registry import reading
from muster.screening import grants, screens
from muster.screening.decisions import (
    COLUMNS,
    current_decisions,
    decide_now,
    decided_frames,
    decided_frames_at,
    eligible_ids,
    explain_now,
    latest_screen,
    pool_by_region,
    redecide,
    sample_person,
)
from muster.screening.grants import end as end_grants
from muster.screening.grants import grant
from muster.screening.grants import renew_until as renew_grant
from muster.screening.models import Decision, DecreeRecord, DecreeVersionRecord, Grant, Screen
from muster.screening.schemas import (
    DecreeLoaded,
    DecreeVersionRead,
    ImpactResult,
    ScreenResult,
)


def forget_decisions(engine: Engine) -> None:
    """Drop every screen, decision and grant (before the registry they describe is replaced)."""
    with engine.begin() as conn:
        conn.execute(delete(Grant))
        conn.execute(delete(Decision))
        conn.execute(delete(Screen))


def load_decree(
    engine: Engine, path: Path, *, actor: str, today: date | None = None
) -> DecreeLoaded:
    """Check and store a decree file; versions already in force must not change."""
    decree = policy.load(path)
    today = today or date.today()
    hashes = decree.content_hashes()
    stamp = now()
    with engine.begin() as conn:
        stored = {
            r.number: r
            for r in conn.execute(
                select(DecreeVersionRecord).where(DecreeVersionRecord.decree_id == decree.id)
            )
        }
        problems = []
        for number, record in stored.items():
            if number not in hashes:
                problems.append(f"version {number} was loaded before and cannot be removed")
            elif hashes[number] != record.content_sha256 and record.effective_from <= today:
                problems.append(
                    f"version {number} is in force since {record.effective_from} and cannot "
                    "change; put the amendment in a new version"
                )
        if problems:
            raise MusterError(f"{path}: " + "; ".join(problems) + "; nothing was loaded")
        values = dict(
            title=decree.title,
            legal_source=decree.legal_source,
            text=decree.text,
            sha256=decree.sha256,
            loaded_at=stamp,
            actor=actor,
        )
        if conn.scalar(
            select(func.count()).select_from(DecreeRecord).where(DecreeRecord.id == decree.id)
        ):
            conn.execute(update(DecreeRecord).where(DecreeRecord.id == decree.id).values(**values))
        else:
            conn.execute(insert(DecreeRecord).values(id=decree.id, **values))
        added, same, replaced = [], [], []
        for v in decree.versions:
            row = dict(
                effective_from=v.effective_from,
                target=v.target,
                title=v.note,
                content_sha256=hashes[v.number],
                rules=",".join(r.id for r in v.rules),
                loaded_at=stamp,
            )
            if v.number not in stored:
                conn.execute(
                    insert(DecreeVersionRecord).values(decree_id=decree.id, number=v.number, **row)
                )
                added.append(v.number)
            elif stored[v.number].content_sha256 == hashes[v.number]:
                same.append(v.number)
            else:
                conn.execute(
                    update(DecreeVersionRecord)
                    .where(
                        DecreeVersionRecord.decree_id == decree.id,
                        DecreeVersionRecord.number == v.number,
                    )
                    .values(**row)
                )
                replaced.append(v.number)
    return DecreeLoaded(
        decree=decree.id, versions_added=added, versions_unchanged=same, versions_replaced=replaced
    )


def stored_decree(engine: Engine | Connection, decree_id: str | None = None) -> policy.Decree:
    """A stored decree, parsed; with no id, the only one stored."""
    sha256: str | None
    with connected(engine) as conn:
        if decree_id is None:
            rows = conn.execute(
                select(DecreeRecord.id, DecreeRecord.sha256).order_by(DecreeRecord.id)
            ).all()
            if len(rows) != 1:
                raise MusterError(
                    "no decree is loaded; load one with `muster decree load FILE`"
                    if not rows
                    else "several decrees are loaded ("
                    + ", ".join(r[0] for r in rows)
                    + "); name one with --decree"
                )
            decree_id, sha256 = rows[0]
        else:
            sha256 = conn.scalar(select(DecreeRecord.sha256).where(DecreeRecord.id == decree_id))
        if sha256 is None:
            raise NotFoundError(f"no decree {decree_id!r} is loaded; see `muster decree list`")
        parsed = _PARSED.get((decree_id, sha256))
        if parsed is not None:
            return parsed
        row = conn.execute(
            select(DecreeRecord.text, DecreeRecord.sha256).where(DecreeRecord.id == decree_id)
        ).first()
    if row is None:
        raise NotFoundError(f"no decree {decree_id!r} is loaded; see `muster decree list`")
    return _parsed(decree_id, row[1], row[0])


# Parsed decrees by id and content hash: a look-up reads the hash, not the whole text.
_PARSED: dict[tuple[str, str], policy.Decree] = {}


def _parsed(decree_id: str, sha256: str, text: str) -> policy.Decree:
    """Parse a stored decree once per content (explanations are asked for one by one)."""
    decree, problems = policy.check_text(text, f"{decree_id} (stored, {sha256[:12]})")
    if decree is None:
        raise MusterError("; ".join(map(str, problems)))
    if len(_PARSED) >= 32:
        _PARSED.clear()
    _PARSED[(decree_id, sha256)] = decree
    return decree


def list_versions(engine: Engine, *, today: date | None = None) -> list[DecreeVersionRead]:
    today = today or date.today()
    with engine.connect() as conn:
        rows = conn.execute(
            select(DecreeVersionRecord).order_by(
                DecreeVersionRecord.decree_id, DecreeVersionRecord.number
            )
        ).all()
    return [
        DecreeVersionRead(
            decree=r.decree_id,
            number=r.number,
            effective_from=r.effective_from,
            target=r.target,
            title=r.title,
            in_force=r.effective_from <= today,
        )
        for r in rows
    ]


def version_ref(engine: Engine | Connection, ref: str) -> policy.Version:
    """A stored decree version by reference, ``decree@N``."""
    decree_id, _, number = ref.partition("@")
    if not number.isdigit():
        raise MusterError(
            f"{ref!r} is not a version reference (expected DECREE@N, e.g. "
            "partial-mobilization-2022@2)"
        )
    return stored_decree(engine, decree_id).version(int(number))


def diff_versions(engine: Engine, old: str, new: str) -> list[Change]:
    return diff(version_ref(engine, old), version_ref(engine, new))


def screen(
    engine: Engine,
    *,
    decree_id: str | None = None,
    as_of: date | None = None,
    changed_only: bool = False,
    actor: str,
    progress: Progress = quiet,
) -> ScreenResult:
    """Decide every person and store the decisions; with ``changed_only``, decide again only
    those the registry changes and the amendment since the last screen can move, and carry
    the rest over (``screens.py``)."""
    return screens.screen(
        engine,
        decree=stored_decree(engine, decree_id),
        as_of=as_of or date.today(),
        changed_only=changed_only,
        actor=actor,
        progress=progress,
    )


def explain(
    engine: Engine | Connection,
    *,
    national_id: str,
    decree_id: str | None = None,
    as_of: date | None = None,
) -> Explanation:
    """One person's decision under the decree in force on the as-of date, with every reason
    (a board's grant in force standing over the registry's decision)."""
    as_of = as_of or date.today()
    with connected(engine) as conn:
        decree = stored_decree(conn, decree_id)
        person = reading.person_record(conn, national_id=national_id, columns=COLUMNS)
        if person is None:
            raise NotFoundError(f"no person with national id {national_id!r} in the registry")
        return explain_record(conn, person, decree=decree, as_of=as_of)


def explain_record(
    conn: Connection, person: dict[str, Any], *, decree: policy.Decree, as_of: date
) -> Explanation:
    """``explain`` for a person already read (``reading.person_record`` with at least
    ``COLUMNS``), a board's grant in force standing over the registry's decision."""
    explained = explain_one(decree.in_force(as_of), person, as_of)
    return grants.explained(conn, explained, person_id=int(person["id"]))


def impact(
    engine: Engine, path: Path, *, as_of: date | None = None, progress: Progress = quiet
) -> ImpactResult:
    """Before loading a file: who would change decision against the version now in force."""
    new_decree = policy.load(path)
    as_of = as_of or max(date.today(), new_decree.versions[-1].effective_from)
    after = new_decree.in_force(as_of)
    try:
        before: policy.Version | None = stored_decree(engine, new_decree.id).in_force(as_of)
    except MusterError:
        before = None
    return _impact(engine, before, after, as_of, progress)


def impact_between(
    engine: Engine, old: str, new: str, *, as_of: date, progress: Progress = quiet
) -> ImpactResult:
    """Between two loaded versions (``decree@N``): who decides differently on the as-of date."""
    return _impact(engine, version_ref(engine, old), version_ref(engine, new), as_of, progress)


def _impact(
    engine: Engine,
    before: policy.Version | None,
    after: policy.Version,
    as_of: date,
    progress: Progress,
) -> ImpactResult:
    transitions: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    grounds: Counter[str] = Counter()
    persons = 0
    with engine.connect() as conn:
        total = int(conn.scalar(text("SELECT count(*) FROM persons")) or 0)
    for frame in reading.person_frames(engine, columns=COLUMNS):
        new = decide_frame(after, frame, as_of).collect()
        old = (
            decide_frame(before, frame, as_of).collect().select("decision")
            if before
            else pl.DataFrame({"decision": ["not screened"] * frame.height})
        )
        both = pl.DataFrame(
            {
                "region": frame["region_code"],
                "old": old["decision"],
                "new": new["decision"],
                "ground": new["ground"],
            }
        )
        changed = both.filter(pl.col("old") != pl.col("new"))
        for o, n, k in changed.group_by("old", "new").len().iter_rows():
            transitions[f"{o} → {n}"] += int(k)
        for r, k in changed.group_by("region").len().iter_rows():
            regions[str(r)] += int(k)
        for g, k in changed.group_by("ground").len().iter_rows():
            grounds[str(g) if g else "none"] += int(k)
        persons += frame.height
        progress("impact", persons, total)
    return ImpactResult(
        decree=after.decree,
        before=before.ref if before else "nothing loaded",
        after=after.ref,
        as_of=as_of,
        persons=persons,
        changed=sum(transitions.values()),
        transitions=dict(transitions.most_common()),
        by_region=dict(sorted(regions.items())),
        by_ground=dict(grounds.most_common()),
    )


__all__ = [
    "COLUMNS",
    "current_decisions",
    "decide_now",
    "decided_frames",
    "decided_frames_at",
    "diff_versions",
    "eligible_ids",
    "end_grants",
    "explain",
    "explain_now",
    "explain_record",
    "forget_decisions",
    "grant",
    "impact",
    "impact_between",
    "latest_screen",
    "list_versions",
    "load_decree",
    "pool_by_region",
    "redecide",
    "renew_grant",
    "sample_person",
    "screen",
    "stored_decree",
    "version_ref",
]
