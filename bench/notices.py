"""Notice issuing speed: a batch of notice records (not PDFs), against a plain bulk insert.

For ``--persons`` synthetic persons (default 450,000; seed 1, 85 regions) screened against a
broad decree (every active registered person is liable), a campaign of ``--notices``
(default 300,000) is opened, committed and drawn (untimed), and the offices' daily
capacities are raised so the whole batch fits one day. Then, side by side on one database:

1. **issue**: ``notices.issue`` for the day: every waiting person re-decided under the decree
   in force on the registry as it stands, report days scheduled against office and training
   capacity, notices signed, bookings and one audit event per notice written, region by
   region in transactions of ``notices.issuing.CHUNK``.
2. peer, **plain insert**: the same number of notice-shaped rows written by one
   ``executemany`` in one transaction, with nothing decided, scheduled, signed or audited.

Times are seconds; the ratio is to the plain insert. The goal is 300,000 issued in < 60 s.

    .venv/bin/python bench/notices.py                     # SQLite
    .venv/bin/python bench/notices.py --pg                # SQLite and PostgreSQL

It prints a table and writes ``bench/out/notices-<N>-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from muster.db.engine import get_engine
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection

OUT = Path(__file__).parent / "out"
DAY = date(2022, 10, 11)
BROAD = """\
decree: bench-broad
title: Every active registered person (benchmark)
legal_source: none
versions:
  - {version: 1, effective_from: 2022-09-21, target: 300000, title: Broad}
criteria:
  - {id: registered, title: On the register, reference: "1", condition: registered}
  - {id: active, title: Active, reference: "1", condition: status = 'active'}
campaign:
  planned_days: 366
  notices: {report_after_days: 3, training_per_week: 1000000}
"""


def plain_insert(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    """The floor: n rows shaped like notices, one executemany, one transaction."""
    rows = [
        (i, f"{i:012d}", DAY.isoformat(), DAY.isoformat(), "R01-001", f"CODE-{i:024d}")
        for i in range(1, n + 1)
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TEMPORARY TABLE plain_notices (number integer primary key, "
                "national_id text, issued_on text, report_on text, office text, code text)"
            )
        )
        conn.exec_driver_sql(
            "INSERT INTO plain_notices VALUES (?, ?, ?, ?, ?, ?)"
            if engine.dialect.name == "sqlite"
            else "INSERT INTO plain_notices VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )


def run(url: str, persons: int, target: int) -> dict[str, float]:
    engine = get_engine(url)
    results: dict[str, float] = {}
    print(f"{url.split(':')[0]}: {persons:,} persons, screen, campaign, draw (untimed)…")
    registry.generate(engine, persons=persons, seed=1, regions=85, actor="bench")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(BROAD)
    screening.load_decree(engine, Path(f.name), actor="bench")
    screening.screen(engine, decree_id="bench-broad", as_of=date(2022, 10, 10), actor="bench")
    campaign = quotas.open_campaign(engine, decree_id="bench-broad", target=target, actor="bench")
    selection.commit(engine, campaign_id=campaign.id, actor="bench")
    drawn = selection.draw(engine, campaign_id=campaign.id, actor="bench")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE offices SET notices_per_day = notices_per_day * 1000, "
                "receptions_per_day = receptions_per_day * 50, exams_per_day = exams_per_day * 50"
            )
        )
    results["selected"] = drawn.selected
    start = time.perf_counter()
    issued = notices.issue(engine, campaign_id=campaign.id, day=DAY, actor="bench")
    results["issue"] = time.perf_counter() - start
    results["issued"] = issued.issued
    print(f"  issue          {results['issue']:8.2f} s  ({issued.issued:,} notices)", flush=True)
    start = time.perf_counter()
    plain_insert(engine, issued.issued)
    results["plain insert"] = time.perf_counter() - start
    print(f"  plain insert   {results['plain insert']:8.2f} s", flush=True)
    results["per second"] = issued.issued / results["issue"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=450_000)
    parser.add_argument("--notices", type=int, default=300_000)
    parser.add_argument("--pg", action="store_true", help="Also on PostgreSQL (a fresh database).")
    args = parser.parse_args()
    runs: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs["sqlite"] = run(f"sqlite:///{tmp}/bench.db", args.persons, args.notices)
    if args.pg:
        name = f"muster_bench_notices_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        try:
            runs["postgresql"] = run(url, args.persons, args.notices)
        finally:
            get_engine(url).dispose()
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    print()
    print(f"{'':<14}" + "".join(f"{db:>30}" for db in runs))
    print(f"{'issued':<14}" + "".join(f"{int(r['issued']):>30,}" for r in runs.values()))
    for step in ("issue", "plain insert"):
        cells = [
            f"{r[step]:8.2f} s  ×{r[step] / r['plain insert']:6.1f} insert" for r in runs.values()
        ]
        print(f"{step:<14}" + "".join(f"{c:>30}" for c in cells))
    print(f"{'per second':<14}" + "".join(f"{r['per second']:>30,.0f}" for r in runs.values()))
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = OUT / f"notices-{args.notices}-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "persons": args.persons,
                "notices": args.notices,
                "machine": platform.platform(),
                "runs": runs,
            },
            indent=2,
        )
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
