"""Corrections speed: an amendment and a registry correction re-screened, against a full screen.

For ``--persons`` synthetic persons (default 2,000,000; seed 1, 85 regions) and
``decrees/partial-mobilization-2022.yaml``, screened once as of 2022-09-22 (version 1; all
untimed), side by side on one database:

1. **full screen**: ``screening.screen`` as of 2022-09-22, every person decided again and the
   decisions replaced. The yardstick.
2. **amendment**: ``cases.corrections.run`` as of 2022-09-24 (``muster corrections run``;
   version 3 in force: the 2022-09-23 IT / finance / media exemptions and the 2022-09-24
   student deferral), its ``screening.screen(changed_only=True)`` timed on its own:
   only the persons the changed rules and the two days can move are decided again, everyone
   else's decision is carried over (``screening/carry.py``). Reported: persons re-decided and
   persons whose decision changed.
   Before it (untimed) a campaign of ``--target`` call-ups (default 300,000 scaled to the
   registry as to 30,000,000 persons) is opened, committed and drawn under version 1.
   **apply**: the rest of the run — what the command adds to the re-screen: every active
   call-up's person checked against the decision the re-screen stored under version 3 (those
   not eligible decided again on the registry, and under version 1 for what found them), those
   now exempt or deferred released with the reason and replaced from the regions' orders, all
   together (``selection.release_many``).
3. **registry correction**: every second person (``id % 2 = 0``, half the registry) corrected
   in one new registry batch (``months_served + 1``, ``batch_id`` and ``updated_at`` set: a
   direct SQL UPDATE, timed apart as "correction write"), then
   ``screening.screen(changed_only=True)`` as of 2022-09-24 again: only persons of batches newer
   than the last screen's are re-decided.

Times are seconds; the ratio is to the full screen. The goal (issue 6) is that an amendment
touching 1M persons re-screens in ≤ 20 % of a full screen's time.

    PYTHONPATH=src .venv/bin/python bench/corrections.py            # SQLite
    PYTHONPATH=src .venv/bin/python bench/corrections.py --pg       # SQLite and PostgreSQL
    PYTHONPATH=src .venv/bin/python bench/corrections.py --no-sqlite --persons 14000000

It prints a table and writes ``bench/out/corrections-<N>-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from muster.cases import corrections
from muster.db.engine import get_engine
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection

OUT = Path(__file__).parent / "out"
DECREE = Path(__file__).parent.parent / "decrees" / "partial-mobilization-2022.yaml"
DECREE_ID = "partial-mobilization-2022"
BEFORE = date(2022, 9, 22)  # version 1 in force
AMENDED = date(2022, 9, 24)  # version 3 in force
STEPS = (
    "full screen",
    "amendment",
    "apply",
    "amendment + apply",
    "correction write",
    "correction screen",
)


def snapshot(engine) -> None:  # type: ignore[no-untyped-def]
    """Keep the decisions as they stand, to count who an amendment changed (untimed)."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_before"))
        conn.execute(
            text(
                "CREATE TABLE bench_before AS SELECT person_id, decision FROM decisions "
                "WHERE decree_id = :d"
            ),
            {"d": DECREE_ID},
        )


def changed(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM decisions d JOIN bench_before b "
                    "ON b.person_id = d.person_id WHERE d.decree_id = :d "
                    "AND b.decision <> d.decision"
                ),
                {"d": DECREE_ID},
            )
            or 0
        )


def correct_half(engine) -> int:  # type: ignore[no-untyped-def]
    """Every second person corrected in one new registry batch; returns the rows changed."""
    stamp = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        batch = conn.execute(
            text(
                "INSERT INTO registry_batches (kind, source, actor, started_at, finished_at, "
                "inserted, updated) VALUES ('correction', 'bench', 'bench', :t, :t, 0, 0) "
                "RETURNING id"
            ),
            {"t": stamp},
        ).scalar_one()
        n = conn.execute(
            text(
                "UPDATE persons SET months_served = months_served + 1, batch_id = :b, "
                "updated_at = :t WHERE id % 2 = 0"
            ),
            {"b": batch, "t": stamp},
        ).rowcount
        conn.execute(
            text("UPDATE registry_batches SET updated = :n WHERE id = :b"), {"n": n, "b": batch}
        )
    return int(n)


def run(url: str, persons: int, target: int) -> dict[str, float]:
    engine = get_engine(url)
    r: dict[str, float] = {}
    name = url.split(":")[0]
    print(f"{name}: {persons:,} persons, decree, screen as of {BEFORE} (untimed)…", flush=True)
    registry.generate(engine, persons=persons, seed=1, regions=85, actor="bench")
    screening.load_decree(engine, DECREE, actor="bench", today=date(2022, 9, 21))
    screening.screen(engine, decree_id=DECREE_ID, as_of=BEFORE, actor="bench")

    start = time.perf_counter()
    full = screening.screen(engine, decree_id=DECREE_ID, as_of=BEFORE, actor="bench")
    r["full screen"] = time.perf_counter() - start
    r["full persons"] = full.persons
    print(f"  full screen        {r['full screen']:8.2f} s  ({full.persons:,})", flush=True)

    print(f"  campaign of {target:,} under version 1: open, commit, draw (untimed)…", flush=True)
    campaign = quotas.open_campaign(engine, decree_id=DECREE_ID, target=target, actor="bench")
    selection.commit(engine, campaign_id=campaign.id, actor="bench")
    drawn = selection.draw(engine, campaign_id=campaign.id, actor="bench")
    r["called"] = drawn.selected

    snapshot(engine)
    # `muster corrections run` as of the amendment: its re-screen timed on its own (the call
    # is wrapped, untouched), then what it adds: re-decide, release, replace.
    screened: dict[str, float] = {}
    screen = screening.screen

    def timed_screen(*args, **kwargs):  # type: ignore[no-untyped-def]
        begun = time.perf_counter()
        result = screen(*args, **kwargs)
        screened["seconds"] = time.perf_counter() - begun
        return result

    screening.screen = timed_screen
    try:
        start = time.perf_counter()
        applied = corrections.run(engine, as_of=AMENDED, actor="bench")
        r["amendment + apply"] = time.perf_counter() - start
    finally:
        screening.screen = screen
    amended = applied.screens[0]
    r["amendment"] = screened["seconds"]
    r["apply"] = r["amendment + apply"] - r["amendment"]
    r["amendment persons"] = amended.persons
    r["amendment incremental"] = amended.incremental
    r["amendment changed"] = changed(engine)
    r["checked"], r["released"] = applied.checked, applied.released
    r["replaced"] = applied.replacements
    print(
        f"  amendment          {r['amendment']:8.2f} s  ({amended.persons:,} re-decided, "
        f"{int(r['amendment changed']):,} changed, incremental={amended.incremental})\n"
        f"  apply              {r['apply']:8.2f} s  ({applied.checked:,} call-ups checked, "
        f"{applied.released:,} released, {applied.replacements:,} replaced)",
        flush=True,
    )

    start = time.perf_counter()
    r["corrected"] = correct_half(engine)
    r["correction write"] = time.perf_counter() - start
    print(
        f"  correction write   {r['correction write']:8.2f} s  ({int(r['corrected']):,} rows)",
        flush=True,
    )
    snapshot(engine)
    start = time.perf_counter()
    fixed = screening.screen(
        engine, decree_id=DECREE_ID, as_of=AMENDED, changed_only=True, actor="bench"
    )
    r["correction screen"] = time.perf_counter() - start
    r["correction persons"] = fixed.persons
    r["correction incremental"] = fixed.incremental
    r["correction changed"] = changed(engine)
    print(
        f"  correction screen  {r['correction screen']:8.2f} s  ({fixed.persons:,} re-decided, "
        f"{int(r['correction changed']):,} changed, incremental={fixed.incremental})",
        flush=True,
    )
    engine.dispose()
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--pg", action="store_true", help="Also on PostgreSQL (a fresh database).")
    parser.add_argument(
        "--target",
        type=int,
        default=None,
        help="Call-ups of the campaign drawn before the amendment (default: 300,000 scaled "
        "to the registry as to 30,000,000 persons).",
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="Only on PostgreSQL (large registries)."
    )
    args = parser.parse_args()
    if args.target is None:
        args.target = max(1, 300_000 * args.persons // 30_000_000)
    load = os.getloadavg()
    runs: dict[str, dict[str, float]] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            runs["sqlite"] = run(f"sqlite:///{tmp}/bench.db", args.persons, args.target)
    if args.pg or args.no_sqlite:
        name = f"muster_bench_corrections_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        try:
            runs["postgresql"] = run(url, args.persons, args.target)
        finally:
            get_engine(url).dispose()
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    print()
    print(f"{'':<20}" + "".join(f"{db:>30}" for db in runs))
    for step in STEPS:
        cells = [
            f"{r[step]:8.2f} s  ×{r[step] / r['full screen']:5.2f} full" for r in runs.values()
        ]
        print(f"{step:<20}" + "".join(f"{c:>30}" for c in cells))
    for key in (
        "amendment persons",
        "amendment changed",
        "called",
        "checked",
        "released",
        "replaced",
        "correction persons",
    ):
        print(f"{key:<20}" + "".join(f"{int(r[key]):>30,}" for r in runs.values()))
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = OUT / f"corrections-{args.persons}-{stamp}.json"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    path.write_text(
        json.dumps(
            {
                "persons": args.persons,
                "commit": commit,
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "load_before": load,
                "load_after": os.getloadavg(),
                "runs": runs,
            },
            indent=2,
        )
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
