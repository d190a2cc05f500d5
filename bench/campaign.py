"""Campaign speed: apportion a target and draw from the eligible pool, against plain peers.

For N synthetic persons (``--persons``, default 1,000,000, ``registry.service.generate`` with
seed 1, 85 regions) screened against a broad decree (liable: every active registered person,
so the eligible pool is most of the registry, as in the issue's 25M of 30M), side by side in
one run on one database:

1. **open**: ``quotas.open_campaign`` (the pool counted per region in the database, office
   capacity, Huntington-Hill for ``--target`` over 85 regions).
2. **commit**: ``selection.commit`` (read the pool, one HMAC per person, freeze it).
3. **draw**: ``selection.draw`` (read the registry with each decision, two HMACs per person,
   order, select the quota, audit the order against birth date and region, store call-ups).
4. peers: a **plain read** of the same pool rows (id, national id, region, birth date) through
   the same driver path, and **plain hashing**: one SHA-256 per national id of the pool.

Times are seconds; ratios are to the plain read. Every step is also reported per pooled
person, so runs at 1M, 3M, 10M show how it scales.

    .venv/bin/python bench/campaign.py --persons 1000000
    .venv/bin/python bench/campaign.py --persons 3000000 --pg
    .venv/bin/python bench/campaign.py --persons 30000000 --db /var/tmp/campaign-30m.db

With ``--db`` the SQLite file is kept and its screened registry reused by the next run (its
campaigns dropped first), so a change to the draw can be measured again without generating
30 million persons each time.

It prints a table and writes ``bench/out/campaign-<N>-<time>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from muster.db.engine import get_engine
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection

OUT = Path(__file__).parent / "out"
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
  priority_groups:
    - {id: combat, title: Combat experience, reference: "2", condition: combat_experience}
"""


def timed(label: str, results: dict[str, float], fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    results[label] = time.perf_counter() - start
    print(f"  {label:<14} {results[label]:8.2f} s", flush=True)
    return value


def plain_read(engine) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    ids: list[str] = []
    rows = 0
    for frame in screening.decided_frames(
        engine,
        decree_id="bench-broad",
        columns=["national_id", "region_code", "birth_date"],
        eligible_only=True,
    ):
        rows += frame.height
        ids.extend(frame["national_id"].to_list())
    return rows, ids


def prepare(engine, persons: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Generate and screen the population (untimed in the table; the times are kept)."""
    start = time.perf_counter()
    registry.generate(engine, persons=persons, seed=1, regions=85, actor="bench")
    generated = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(BROAD)
    screening.load_decree(engine, Path(f.name), actor="bench")
    screening.screen(engine, decree_id="bench-broad", as_of=date(2022, 10, 10), actor="bench")
    return {"generate": generated - start, "screen": time.perf_counter() - generated}


def run(url: str, persons: int, target: int) -> dict[str, float]:
    engine = get_engine(url)
    results: dict[str, float] = {}
    ready = 0
    if inspect(engine).has_table("decisions"):
        with engine.connect() as conn:
            ready = conn.scalar(text("SELECT count(*) FROM decisions")) or 0
    if ready:
        print(f"{url.split(':')[0]}: {ready:,} decisions already stored, reused")
        selection.forget_campaigns(engine)
    else:
        print(f"{url.split(':')[0]}: generating {persons:,} persons and screening (untimed)…")
        results.update(prepare(engine, persons))
    pool = sum(screening.pool_by_region(engine, decree_id="bench-broad").values())
    results["pool"] = pool
    target = min(target, pool // 2)
    results["target"] = target
    print(f"  eligible pool {pool:,}, target {target:,}")
    _, ids = timed("plain read", results, plain_read, engine)
    timed("plain sha256", results, lambda: [hashlib.sha256(n.encode()).digest() for n in ids])
    ids.clear()
    campaign = timed(
        "open",
        results,
        quotas.open_campaign,
        engine,
        decree_id="bench-broad",
        target=target,
        actor="bench",
    )
    timed("commit", results, selection.commit, engine, campaign_id=campaign.id, actor="bench")
    timed("draw", results, selection.draw, engine, campaign_id=campaign.id, actor="bench")
    results["open+draw"] = results["open"] + results["draw"]
    results["end to end"] = results["open"] + results["commit"] + results["draw"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--target", type=int, default=300_000)
    parser.add_argument("--pg", action="store_true", help="Also on PostgreSQL (a fresh database).")
    parser.add_argument(
        "--db",
        type=Path,
        help="SQLite file to keep: built on the first run, its screened registry reused after "
        "(earlier campaigns in it are dropped)",
    )
    args = parser.parse_args()
    runs: dict[str, dict[str, float]] = {}
    if args.db:
        runs["sqlite"] = run(f"sqlite:///{args.db.resolve()}", args.persons, args.target)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            runs["sqlite"] = run(f"sqlite:///{tmp}/bench.db", args.persons, args.target)
    if args.pg:
        name = f"muster_bench_campaign_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        try:
            runs["postgresql"] = run(
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", args.persons, args.target
            )
        finally:
            get_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}").dispose()
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    print()
    print(f"{'step':<14}" + "".join(f"{db:>26}" for db in runs))
    for step in ("plain read", "plain sha256", "open", "commit", "draw", "open+draw", "end to end"):
        cells = []
        for r in runs.values():
            cells.append(f"{r[step]:8.2f} s  ×{r[step] / r['plain read']:5.1f} read")
        print(f"{step:<14}" + "".join(f"{c:>26}" for c in cells))
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = OUT / f"campaign-{args.persons}-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "persons": args.persons,
                "target": args.target,
                "machine": platform.platform(),
                "runs": runs,
            },
            indent=2,
        )
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
