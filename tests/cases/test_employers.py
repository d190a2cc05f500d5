"""Reservation lists on SQLite and PostgreSQL: a valid list files a claim per called employee
and the registry's proof upholds the accredited ones at once; a list with unknown ids,
duplicates or another employer's staff is refused with every problem located, nothing filed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from muster.cases import employers
from muster.cases.models import Claim
from muster.errors import InputFileError, MusterError
from muster.registry.models import Employer, Person
from muster.selection.models import CallUp
from tests.cases.conftest import DAY, Called

FILED = DAY + timedelta(days=1)


def staff(c: Called, n: int) -> list[str]:
    """n called persons made staff of EMP-IT (accredited IT); one more works for EMP-OTHER."""
    with c.engine.begin() as conn:
        region = conn.scalar(select(Person.region_code).limit(1))
        for code, accreditation in (("EMP-IT", "it_accredited"), ("EMP-OTHER", None)):
            conn.execute(
                insert(Employer).values(
                    code=code,
                    name=code,
                    sector="it",
                    accreditation=accreditation,
                    critical=False,
                    region_code=region,
                )
            )
        rows = conn.execute(
            select(Person.id, Person.national_id)
            .join(CallUp, CallUp.person_id == Person.id)
            .where(CallUp.campaign_id == c.campaign)
            .order_by(CallUp.id)
            .limit(n + 1)
        ).all()
        for i, row in enumerate(rows):
            code = "EMP-IT" if i < n else "EMP-OTHER"
            conn.execute(update(Person).where(Person.id == row.id).values(employer_id=code))
    return [r.national_id for r in rows]


def claims(c: Called) -> int:
    with c.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Claim)) or 0)


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "reserve.csv"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_a_valid_list_files_claims_and_accredited_staff_are_upheld_at_once(
    called: Called, tmp_path: Path
) -> None:
    ids = staff(called, 3)
    with called.engine.connect() as conn:
        uncalled = conn.scalar(
            select(Person.national_id).where(
                Person.employer_id.is_(None),
                ~Person.id.in_(select(CallUp.person_id)),
            )
        )
    path = write(tmp_path, "# staff of EMP-IT", "national_id,note", *ids[:3], f"{uncalled},new")
    dry = employers.reserve(
        called.engine, path=path, employer="EMP-IT", day=FILED, actor="hr", dry_run=True
    )
    assert dry.filed == 3 and dry.not_called == 1 and claims(called) == 0
    result = employers.reserve(called.engine, path=path, employer="EMP-IT", day=FILED, actor="hr")
    assert result.ground == "accredited-it"
    assert (result.listed, result.filed, result.upheld, result.pending) == (4, 3, 3, 0)
    assert result.not_called == 1 and claims(called) == 3
    with called.engine.connect() as conn:
        filed = conn.execute(select(Claim.filed_by, Claim.filer, Claim.automatic)).all()
    assert {tuple(r) for r in filed} == {("employer", "EMP-IT", True)}


def test_a_bad_list_reports_every_problem_located_and_files_nothing(
    called: Called, tmp_path: Path
) -> None:
    ids = staff(called, 2)
    path = write(tmp_path, "national_id", ids[0], "9999999999", ids[1], ids[0], ids[2])
    with pytest.raises(InputFileError, match="3 problems found; no claim was filed") as caught:
        employers.reserve(called.engine, path=path, employer="EMP-IT", day=FILED, actor="hr")
    shown = [str(p) for p in caught.value.problems]
    assert shown == [
        f'{path}:3: national_id: "9999999999" is not in the registry',
        f'{path}:5: national_id: "{ids[0]}" is listed twice (first on line 2)',
        f'{path}:6: national_id: "{ids[2]}" works for EMP-OTHER, not EMP-IT',
    ]
    assert claims(called) == 0


def test_an_unknown_employer_is_refused(called: Called, tmp_path: Path) -> None:
    path = write(tmp_path, "national_id", called.national_id)
    with pytest.raises(MusterError, match="'EMP-NONE' is not an employer in the registry"):
        employers.reserve(called.engine, path=path, employer="EMP-NONE", day=FILED, actor="hr")
    assert claims(called) == 0
