"""Helpers for jobs tests: a drawn campaign, workers as real processes, the invariants."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, text

import muster
from muster.audit import service as audit
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection

DECREE = Path("decrees/partial-mobilization-2022.yaml")
DECREE_ID = "partial-mobilization-2022"


def campaign(
    engine: Engine,
    *,
    persons: int,
    target: int,
    regions: int = 6,
    notices_per_day: int | None = None,
    report_capacity: int | None = None,
) -> int:
    """A registry screened as of 10 October 2022 and a campaign drawn on it. Office
    capacities can be set for the test (as a registry import would set them)."""
    registry.generate(engine, persons=persons, seed=11, regions=regions, actor="test")
    with engine.begin() as conn:
        if notices_per_day is not None:
            conn.execute(text("UPDATE offices SET notices_per_day = :n"), {"n": notices_per_day})
        if report_capacity is not None:
            conn.execute(
                text("UPDATE offices SET receptions_per_day = :n, exams_per_day = :n"),
                {"n": report_capacity},
            )
    screening.load_decree(engine, DECREE, actor="test")
    screening.screen(engine, as_of=date(2022, 10, 10), actor="test")
    opened = quotas.open_campaign(engine, decree_id=DECREE_ID, target=target, actor="hq")
    selection.commit(engine, campaign_id=opened.id, actor="hq")
    selection.draw(engine, campaign_id=opened.id, actor="hq")
    return opened.id


def child_env() -> dict[str, str]:
    """The environment for a child process: this checkout's ``muster`` first on the path."""
    src = str(Path(muster.__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": src + (os.pathsep + path if path else "")}


def worker(url: str, log: Path, *args: str, code: str | None = None) -> subprocess.Popen[bytes]:
    """``muster worker`` as a real OS process (or ``code`` run with ``python -c``, given the
    URL and the worker's options as arguments), its output going to ``log``."""
    command = (
        [sys.executable, "-m", "muster", "--db", url, "worker", *args]
        if code is None
        else [sys.executable, "-c", code, url, *args]
    )
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=child_env())


def rows(engine: Engine, sql: str, **params: object) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def check_invariants(engine: Engine, campaign_id: int) -> None:
    """Everything concurrent workers must never break, recounted from the tables."""
    c = {"c": campaign_id}
    assert (
        rows(
            engine,
            "SELECT person_id FROM call_ups WHERE campaign_id = :c GROUP BY person_id "
            "HAVING count(*) > 1",
            **c,
        )
        == []
    ), "a person was called up twice"
    over = rows(
        engine,
        "SELECT r.region_code, r.quota, count(u.id) FROM campaign_regions r "
        "LEFT JOIN call_ups u ON u.campaign_id = r.campaign_id "
        "AND u.region_code = r.region_code AND u.status <> 'released' "
        "WHERE r.campaign_id = :c GROUP BY r.region_code, r.quota HAVING count(u.id) > r.quota",
        **c,
    )
    assert over == [], f"regions over quota: {over}"
    for day, cap, kind in (
        ("issued_on", "notices_per_day", "notices"),
        ("report_on", "receptions_per_day", "receptions"),
        ("report_on", "exams_per_day", "exams"),
    ):
        counted = (
            f"SELECT n.office_code, n.{day} AS day, count(*) AS n, max(o.{cap}) AS cap "
            "FROM notices n JOIN offices o ON o.code = n.office_code "
            f"GROUP BY n.office_code, n.{day}"
        )
        assert rows(engine, f"SELECT * FROM ({counted}) x WHERE n > cap") == [], (
            f"an office's {kind} over its capacity"
        )
        # The bookings the scheduler reads agree with the notices, so none was lost.
        assert (
            rows(
                engine,
                f"SELECT x.office_code, x.day, x.n, d.used FROM ({counted}) x "
                "FULL JOIN (SELECT * FROM office_days WHERE kind = :k) d "
                "ON d.office_code = x.office_code AND d.day = x.day "
                "WHERE x.n IS DISTINCT FROM d.used",
                k=kind,
            )
            == []
        ), f"{kind} bookings differ from the notices"
    assert (
        rows(
            engine,
            "SELECT call_up_id, sequence FROM notices GROUP BY call_up_id, sequence "
            "HAVING count(*) > 1",
        )
        == []
    ), "a notice was issued twice"
    assert (
        rows(
            engine,
            "SELECT call_up_id FROM notices WHERE status <> 'withdrawn' GROUP BY call_up_id "
            "HAVING count(*) > 1",
        )
        == []
    ), "a call-up holds two notices in force"
    assert (
        rows(
            engine,
            "SELECT n.number, u.status FROM notices n JOIN call_ups u ON u.id = n.call_up_id "
            "WHERE (n.status <> 'withdrawn') = (u.status = 'released')",
        )
        == []
    ), "a notice in force for a released call-up, or withdrawn from an active one"
    report = audit.verify(engine)
    assert report.ok, report.problems
