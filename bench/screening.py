"""Screening speed: muster's decision engine against a plain read, OpenFisca and zen-engine.

For N synthetic persons (``--persons``, default 1,000,000; the same population as
``service.generate(seed=1)``) and version 4 of ``decrees/partial-mobilization-2022.yaml`` on
2022-10-10, side by side in one run, as ratios (never pass/fail):

1. **evaluation vs plain read**: ``decide_frame(version, frame, as_of).collect()`` on an
   in-memory Polars frame of the columns screening reads (``service.COLUMNS``, employer fields
   joined), against a plain read of the same frame in the same engine: a hash of every value
   of every column, summed per column (one pass over all the data, little work per value).
   Population frames are built from the generator's chunks in slabs of at most
   ``--slab-rows`` rows; times are summed over slabs. Goal: evaluation ≤ 10 × plain read.
2. **OpenFisca**: the same decree written as an OpenFisca tax-benefit system
   (``screening_openfisca.py``), run on the first ``--openfisca-persons`` persons as NumPy
   arrays; every decision, ground and end date is compared with muster's. Goal: muster
   ≥ 10 × faster (same persons).
3. **zen-engine**: the same decree as a GoRules JDM graph (``partial-mobilization-2022.jdm.json``)
   evaluated person by person on ``--zen-persons`` persons; compared with muster's decisions.
   Goal: muster ≥ 1,000 × more persons per second than zen's fastest per-person call.
4. **end to end**: ``screening.screen`` on SQLite (temporary file) and PostgreSQL (a fresh
   ``muster_bench_screen_<random>`` database, dropped at the end) after
   ``registry.service.generate(persons=N, seed=1)`` and ``screening.load_decree`` (untimed);
   the registry read alone, and the evaluation of what was read, are timed in a separate pass
   so the split read / evaluate / write shows.
5. **one explanation**: ``screening.explain`` for ``--explain-count`` random national ids on
   each database of item 4 (p50/p99, goal p99 < 5 ms), and ``policy.engine.explain`` alone on
   in-memory person dicts.

    .venv/bin/python bench/screening.py                       # everything, 1,000,000 persons
    .venv/bin/python bench/screening.py --persons 10000000 --items 1,4 --no-pg

It prints a table and writes ``bench/out/screening-<N>-<time>.json``.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import random
import re
import resource
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url

import screening_openfisca as openfisca_model
import screening_zen as zen_model
from muster.db.engine import get_engine
from muster.policy import decree as policy
from muster.policy.engine import decide_frame
from muster.policy.engine import explain as explain_person
from muster.policy.evaluate import add_years
from muster.registry import reading
from muster.registry import service as registry
from muster.registry.generate import Generator
from muster.screening import service as screening
from muster.screening.service import COLUMNS
from muster.vocabulary import ACCREDITATIONS, RANKS, STUDY_KINDS

ROOT = Path(__file__).resolve().parents[1]
DECREE = ROOT / "decrees" / "partial-mobilization-2022.yaml"
VERSION = 4
AS_OF = date(2022, 10, 10)
SEED = 1
REGIONS = 85
ACTOR = "bench"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
OUT = Path(__file__).resolve().parent / "out"
DECISION = ("decision", "until", "ground")
ITEMS = ("1", "2", "3", "4", "5", "edges")
DECISION_SCHEMA = {"decision": pl.String, "until": pl.Date, "ground": pl.String}
ZEN_SCHEMA = {"decision": pl.String, "until": pl.String, "ground": pl.String}

console = Console(log_path=False)
T = TypeVar("T")


# ---------------------------------------------------------------------------- results


@dataclass
class Result:
    """One timed path. ``rows`` persons were decided (or read) in ``seconds``."""

    item: str
    path: str
    rows: int
    seconds: float
    note: str = ""

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")


@dataclass
class Goal:
    """A ratio held to a goal: ``value`` should be at most / at least ``target``."""

    item: str
    name: str
    value: float
    target: float
    at_most: bool
    note: str = ""

    @property
    def met(self) -> bool:
        return self.value <= self.target if self.at_most else self.value >= self.target


@dataclass
class Agreement:
    item: str
    other: str
    compared: int
    disagreements: int
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    persons: int
    results: list[Result] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    latencies: dict[str, dict[str, float]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, item: str, path: str, rows: int, seconds: float, note: str = "") -> Result:
        result = Result(item, path, rows, seconds, note)
        self.results.append(result)
        console.log(f"[{item}] {path}: {rows:,} in {seconds:.3f} s ({result.rows_per_s:,.0f}/s)")
        return result


def timed(action: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


U = TypeVar("U")


def paired_times(
    first: Callable[[], T], second: Callable[[], U], repeat: int
) -> tuple[tuple[float, list[float], T], tuple[float, list[float], U]]:
    """Both actions timed ``repeat`` times, alternately, so that whatever else the machine is
    doing weighs on both alike; for each, the median, all timings and the last value."""
    times: tuple[list[float], list[float]] = ([], [])
    a: T | None = None
    b: U | None = None
    for _ in range(repeat):
        gc.collect()
        seconds, a = timed(first)
        times[0].append(seconds)
        gc.collect()
        seconds, b = timed(second)
        times[1].append(seconds)
    assert a is not None and b is not None
    return (
        (statistics.median(times[0]), times[0], a),
        (statistics.median(times[1]), times[1], b),
    )


def percentiles(samples_s: Sequence[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)

    def at(q: float) -> float:
        return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]

    return {
        "count": len(ms),
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "max_ms": ms[-1],
        "mean_ms": statistics.fmean(ms),
    }


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------- population


def generator(persons: int) -> Generator:
    """The generator ``registry.service.generate(persons=N, seed=1)`` uses."""
    return Generator(
        seed=SEED, persons=persons, regions=REGIONS, reference=registry.DEFAULT_REFERENCE
    )


def slabs(persons: int, slab_rows: int) -> Iterator[pl.DataFrame]:
    """The population as screening reads it (``COLUMNS``), in frames of ≤ ``slab_rows`` rows."""
    gen = generator(persons)
    employers = gen.employers.select(
        pl.col("code").alias("employer_id"),
        pl.col("accreditation").alias("employer_accreditation"),
        pl.col("critical").alias("employer_critical"),
        pl.col("sector").alias("employer_sector"),
    )
    parts: list[pl.DataFrame] = []
    held = 0
    for chunk in gen.chunks():
        parts.append(chunk.join(employers, on="employer_id", how="left").select(COLUMNS))
        held += chunk.height
        if held >= slab_rows:
            yield _concat(parts)
            parts, held = [], 0
    if parts:
        yield _concat(parts)


def _concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    frame = pl.concat(parts, rechunk=True)
    parts.clear()
    return frame


def detached(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy that shares no buffer with ``frame`` (a slice keeps the whole slab alive)."""
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    buffer.seek(0)
    return pl.read_ipc(buffer)


def plain_read(frame: pl.DataFrame) -> pl.DataFrame:
    """Every value of every column read once: a hash per value, summed per column."""
    return frame.lazy().select(pl.all().hash(SEED).sum()).collect()


def counts(out: pl.DataFrame) -> dict[str, Counter[str]]:
    found: dict[str, Counter[str]] = {"decision": Counter(), "ground": Counter()}
    for key in found:
        for value, n in out.group_by(key).len().iter_rows():
            found[key][str(value) if value is not None else "none"] += int(n)
    return found


@dataclass
class Population:
    """What item 1 leaves for the others: the first persons and muster's decisions for them."""

    sample: pl.DataFrame
    decided: pl.DataFrame
    counts: dict[str, Counter[str]]
    decide_seconds: float


# ---------------------------------------------------------------------------- item 1


def bench_evaluation(
    report: Report,
    version: policy.Version,
    persons: int,
    *,
    slab_rows: int,
    repeat: int,
    keep: int,
    timed_item: bool,
) -> Population:
    """Item 1 (and the sample the other items need)."""
    total_read = total_decide = build = 0.0
    all_counts: dict[str, Counter[str]] = {"decision": Counter(), "ground": Counter()}
    sample: pl.DataFrame | None = None
    decided: pl.DataFrame | None = None
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    source = slabs(persons, slab_rows if timed_item else max(keep, 1))
    for frame in source:
        build += time.perf_counter() - started
        if timed_item:
            (read_s, read_all, _), (decide_s, decide_all, out) = paired_times(
                lambda f=frame: plain_read(f),
                lambda f=frame: decide_frame(version, f, AS_OF).collect(),
                repeat,
            )
            total_read += read_s
            total_decide += decide_s
            for key, counter in counts(out).items():
                all_counts[key].update(counter)
            runs.append({"rows": frame.height, "read_s": read_all, "decide_s": decide_all})
            console.log(
                f"[1] slab of {frame.height:,}: read {read_s:.3f} s, decide {decide_s:.3f} s"
                f" (peak RSS {peak_rss_mib():,.0f} MiB)"
            )
        if sample is None:
            sample = detached(frame.head(keep))
            decided = decide_frame(version, sample, AS_OF).collect()
        del frame
        if not timed_item:
            source.close()
            break
        started = time.perf_counter()
    assert sample is not None and decided is not None
    if timed_item:
        report.add("1", "plain read: hash of every value, summed per column", persons, total_read)
        report.add("1", "muster decide_frame(...).collect()", persons, total_decide)
        report.goals.append(
            Goal(
                "1",
                "evaluation time ÷ plain read time",
                total_decide / total_read,
                10,
                at_most=True,
            )
        )
        report.details["evaluation"] = {
            "slab_rows": slab_rows,
            "repeat": repeat,
            "runs": runs,
            "frame_build_s": build,
            "columns": list(COLUMNS),
            "by_decision": dict(all_counts["decision"]),
            "by_ground": dict(all_counts["ground"]),
            "peak_rss_mib": peak_rss_mib(),
        }
    return Population(sample, decided, all_counts, total_decide)


# ---------------------------------------------------------------------------- agreement


def compare(
    report: Report, item: str, other: str, ours: pl.DataFrame, theirs: pl.DataFrame
) -> Agreement:
    """Row by row: decision, until and ground must be equal (missing equals missing)."""
    both = pl.concat(
        [
            ours.select(DECISION).with_row_index("row"),
            theirs.select(DECISION).rename({c: f"other_{c}" for c in DECISION}),
        ],
        how="horizontal",
    )
    differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"other_{c}")) for c in DECISION])
    bad = both.filter(differs)
    agreement = Agreement(
        item, other, both.height, bad.height, bad.head(10).to_dicts() if bad.height else []
    )
    report.agreements.append(agreement)
    style = "green" if not bad.height else "bold red"
    console.log(
        f"[{item}] agreement with {other}: [{style}]{bad.height:,} disagreements[/] "
        f"in {both.height:,} persons"
    )
    return agreement


# ---------------------------------------------------------------------------- item 2


def bench_openfisca(
    report: Report, version: policy.Version, population: Population, persons: int, repeat: int
) -> None:
    frame = population.sample.head(persons)
    build_s, system = timed(openfisca_model.MobilizationSystem)
    prep_s, data = timed(lambda: openfisca_model.inputs(frame))
    outputs = ("decision", "decisive_ground", "deferred_until")
    (sim_s, sim_all, (_, results)), (ours_s, ours_all, ours) = paired_times(
        lambda: openfisca_model.simulate(system, data, AS_OF, outputs),
        lambda: decide_frame(version, frame, AS_OF).collect(),
        repeat,
    )
    report.add("2", "muster decide_frame, same persons", frame.height, ours_s)
    report.add(
        "2",
        "OpenFisca simulation: inputs set + decision, ground, end calculated",
        frame.height,
        sim_s,
        note="inputs already NumPy arrays",
    )
    report.add(
        "2",
        "OpenFisca: encoding the registry frame as inputs, then the simulation",
        frame.height,
        prep_s + sim_s,
    )
    compare(report, "2", "OpenFisca", ours, openfisca_model.decisions(results))
    report.goals.append(Goal("2", "OpenFisca time ÷ muster time", sim_s / ours_s, 10, False))
    report.goals.append(
        Goal(
            "2",
            "OpenFisca time with input encoding ÷ muster time",
            (prep_s + sim_s) / ours_s,
            10,
            False,
        )
    )
    report.details["openfisca"] = {
        "persons": frame.height,
        "openfisca_core": package_version("openfisca-core"),
        "system_build_s": build_s,
        "inputs_to_numpy_s": prep_s,
        "simulate_s": sim_all,
        "muster_s": ours_all,
    }


# ---------------------------------------------------------------------------- item 3


def bench_zen(
    report: Report, version: policy.Version, population: Population, persons: int
) -> None:
    frame = population.sample.head(persons)
    ours_decided = population.decided.head(persons)
    contexts = zen_model.contexts(frame, AS_OF.isoformat())
    engine = zen_model.engine()
    engine.evaluate(zen_model.KEY, contexts[0])  # load and compile the graph once
    per_call_s, results = timed(
        lambda: [engine.evaluate(zen_model.KEY, c)["result"] for c in contexts]
    )
    report.add("3", "zen ZenEngine.evaluate, one call per person", len(contexts), per_call_s)
    requests = [{"key": zen_model.KEY, "context": c} for c in contexts]
    batch_s, batch = timed(lambda: engine.evaluate_batch(requests))
    report.add("3", "zen ZenEngine.evaluate_batch, all persons in one call", len(contexts), batch_s)
    decision = engine.create_decision(json.dumps(zen_model.graph()))
    small = contexts[: min(len(contexts), 2_000)]
    decision_s, _ = timed(lambda: [decision.evaluate(c) for c in small])
    report.add("3", "zen ZenDecision.evaluate, one call per person", len(small), decision_s)
    theirs = pl.DataFrame(
        [zen_model.decision_of(r) for r in results], schema=ZEN_SCHEMA, orient="row"
    ).with_columns(pl.col("until").str.to_date("%Y-%m-%d"))
    compare(report, "3", "zen-engine", ours_decided, theirs)
    failed = sum(1 for r in batch if not r.get("success"))
    best = max(len(contexts) / per_call_s, len(contexts) / batch_s)
    ours_rate = report.persons / population.decide_seconds if population.decide_seconds else 0.0
    if not ours_rate:
        ours_rate = frame.height / timed(lambda: decide_frame(version, frame, AS_OF).collect())[0]
    report.goals.append(
        Goal(
            "3",
            "muster persons/s (item 1) ÷ zen's fastest persons/s",
            ours_rate / best,
            1000,
            False,
        )
    )
    report.details["zen"] = {
        "persons": len(contexts),
        "zen_engine": package_version("zen-engine"),
        "batch_failures": failed,
    }


# ---------------------------------------------------------------------------- boundary cases

BOUNDARY_DAYS = (date(2022, 10, 10), date(2023, 2, 28), date(2023, 3, 1), date(2024, 2, 29))
NULLABLE = (
    "fitness",
    "status",
    "rank_group",
    "rank",
    "months_served",
    "registered",
    "serious_conviction",
    "sole_carer",
    "sex",
    "birth_date",
    "unfit_until",
    "study_end",
    "study_kind",
    "children_birth_dates",
    "employer_accreditation",
)


def boundary_person(
    pick: random.Random, person: dict[str, Any], day: date, *, nulls: bool
) -> dict[str, Any]:
    """``person`` pushed onto the decree's edges on ``day``: ages at the limits, 29 February,
    children turning 16, deferrals ending on the day or tied, missing values (with ``nulls``)."""
    p = dict(person)
    if pick.random() < 0.7:  # otherwise liable, so that the edges decide
        rank = pick.choice(["private", "sergeant", "captain", "major", "colonel", "general"])
        p |= {
            "registered": True,
            "status": "active",
            "months_served": 12,
            "serious_conviction": False,
            "fitness": pick.choice(["A", "B", "V", "G"]),
            "rank": rank,
            "rank_group": RANKS[rank],
        }
    roll = pick.random()
    if roll < 0.5:
        years = pick.choice([34, 35, 36, 49, 50, 51, 54, 55, 56, 59, 60, 61, 64, 65, 66])
        p["birth_date"] = add_years(day, -years) + timedelta(days=pick.choice([-1, 0, 1]))
    elif roll < 0.6:
        p["birth_date"] = date(pick.choice(range(1960, 2001, 4)), 2, 29)
    if pick.random() < 0.4:
        kids = []
        for _ in range(pick.choice([3, 4, 5])):
            kind = pick.random()
            if kind < 0.5:
                kids.append(add_years(day, -16) + timedelta(days=pick.choice([-1, 0, 1])))
            elif kind < 0.65:
                kids.append(date(pick.choice([2004, 2008]), 2, 29))
            else:
                kids.append(day - timedelta(days=pick.randint(100, 7000)))
        kids = [k for k in kids if k <= day]
        pick.shuffle(kids)
        p["children_birth_dates"] = ";".join(k.isoformat() for k in kids) or None
        p["sex"] = "M"
    ends = [day - timedelta(days=1), day, day + timedelta(days=1), add_years(day, 1), None]
    if pick.random() < 0.3:
        p["fitness"], p["unfit_until"] = "G", pick.choice(ends)
    if pick.random() < 0.3:
        p["study_kind"] = pick.choice(list(STUDY_KINDS))
        p["study_end"] = pick.choice(ends)
    if pick.random() < 0.2:
        p["sole_carer"] = True
    if pick.random() < 0.1:
        p["employer_accreditation"] = pick.choice([*ACCREDITATIONS, None])
    if nulls and pick.random() < 0.3:
        for name in pick.sample(NULLABLE, k=pick.randint(1, 3)):
            p[name] = None
    return p


def bench_boundaries(
    report: Report, version: policy.Version, population: Population, persons: int
) -> None:
    """Agreement only (untimed): muster bulk against muster scalar, OpenFisca and zen on
    persons at the decree's edges, on several as-of days (29 February among them). OpenFisca's
    model has no missing values for required registry fields, so it sees the set without."""
    pick = random.Random(SEED)
    base = population.sample.head(persons).to_dicts()
    zen_engine = zen_model.engine()
    system = openfisca_model.MobilizationSystem()
    totals: dict[str, list[int]] = {}
    examples: dict[str, list[dict[str, Any]]] = {}

    def tally(name: str, ours: pl.DataFrame, theirs: pl.DataFrame, people: list[Any]) -> None:
        differs = [
            i for i in range(ours.height) if ours.row(i)[:3] != theirs.select(DECISION).row(i)
        ]
        seen = totals.setdefault(name, [0, 0])
        seen[0] += ours.height
        seen[1] += len(differs)
        for i in differs[: 5 - len(examples.setdefault(name, []))]:
            examples[name].append(
                {"person": people[i], "muster": ours.row(i), "other": theirs.row(i)}
            )

    for day in BOUNDARY_DAYS:
        for nulls in (False, True):
            people = [boundary_person(pick, p, day, nulls=nulls) for p in base]
            frame = pl.DataFrame(people, schema=population.sample.schema)
            ours = decide_frame(version, frame, day).collect()
            scalar = []
            for person in people:
                e = explain_person(version, person, day)
                scalar.append((e.decision, e.until, e.decisive.id if e.decisive else None))
            tally(
                "muster explain (scalar)",
                ours,
                pl.DataFrame(scalar, DECISION_SCHEMA, orient="row"),
                people,
            )
            contexts = zen_model.contexts(frame, day.isoformat())
            found = [
                zen_model.decision_of(zen_engine.evaluate(zen_model.KEY, c)["result"])
                for c in contexts
            ]
            theirs = pl.DataFrame(found, ZEN_SCHEMA, orient="row").with_columns(
                pl.col("until").str.to_date("%Y-%m-%d")
            )
            tally("zen-engine", ours, theirs, people)
            if not nulls:
                data = openfisca_model.inputs(frame)
                outputs = ("decision", "decisive_ground", "deferred_until")
                _, results = openfisca_model.simulate(system, data, day, outputs)
                tally("OpenFisca", ours, openfisca_model.decisions(results), people)
    for name, (compared, bad) in totals.items():
        report.agreements.append(Agreement("edges", name, compared, bad, examples.get(name, [])))
        style = "green" if not bad else "bold red"
        console.log(
            f"[edges] agreement with {name}: [{style}]{bad:,} disagreements[/] in "
            f"{compared:,} boundary cases"
        )


# ---------------------------------------------------------------------------- item 5 (in memory)


def bench_explain_memory(
    report: Report, version: policy.Version, population: Population, persons: int
) -> None:
    frame = population.sample.head(persons)
    people = frame.to_dicts()
    samples: list[float] = []
    found: list[tuple[str, date | None, str | None]] = []
    for person in people:
        start = time.perf_counter()
        explanation = explain_person(version, person, AS_OF)
        samples.append(time.perf_counter() - start)
        decisive = explanation.decisive.id if explanation.decisive else None
        found.append((explanation.decision, explanation.until, decisive))
    report.add(
        "5", "muster policy.engine.explain, one person dict at a time", len(people), sum(samples)
    )
    report.latencies["policy.engine.explain (in memory)"] = percentiles(samples)
    theirs = pl.DataFrame(found, schema=DECISION_SCHEMA, orient="row")
    compare(report, "5", "muster explain (scalar)", population.decided.head(persons), theirs)


# ---------------------------------------------------------------------------- items 4 and 5


def libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def admin_execute(admin: URL, statement: sql.Composed) -> None:
    with closing(psycopg.connect(libpq(admin), autocommit=True)) as conn:
        conn.execute(statement)


def database(stack: ExitStack, kind: str, folder: Path, admin: URL | None) -> Engine:
    """A fresh empty migrated database, removed (dropped) when ``stack`` closes."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'screening.db'}"
    else:
        assert admin is not None
        name = f"muster_bench_screen_{secrets.token_hex(4)}"
        admin_execute(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        stack.callback(
            admin_execute,
            admin,
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        )
        url = admin.set(database=name).render_as_string(hide_password=False)
    engine = get_engine(url)
    stack.callback(engine.dispose)
    return engine


def read_and_evaluate(engine: Engine, version: policy.Version) -> tuple[int, float, float]:
    """One pass over the registry as screening reads it: (rows, read seconds, decide seconds)."""
    rows, decide_s = 0, 0.0
    start = time.perf_counter()
    for frame in reading.person_frames(engine, columns=COLUMNS):
        seconds, _ = timed(lambda f=frame: decide_frame(version, f, AS_OF).collect())
        decide_s += seconds
        rows += frame.height
    return rows, time.perf_counter() - start - decide_s, decide_s


def bench_database(
    report: Report,
    kind: str,
    engine: Engine,
    version: policy.Version,
    population: Population | None,
    *,
    persons: int,
    items: set[str],
    explain_count: int,
) -> None:
    label = "SQLite" if kind == "sqlite" else "PostgreSQL"
    generate_s, _ = timed(
        lambda: registry.generate(engine, persons=persons, seed=SEED, actor=ACTOR)
    )
    console.log(f"[4] {label}: generated {persons:,} persons in {generate_s:.1f} s (untimed)")
    screening.load_decree(engine, DECREE, actor=ACTOR)
    details: dict[str, Any] = {"generate_s": generate_s}
    if "4" in items:
        read_s, rows = timed(
            lambda: sum(f.height for f in reading.person_frames(engine, columns=COLUMNS))
        )
        assert rows == persons, f"{label}: read {rows:,} persons, expected {persons:,}"
        report.add("4", f"{label}: registry read alone (person_frames)", rows, read_s)
        _, split_read_s, split_decide_s = read_and_evaluate(engine, version)
        screen_s, result = timed(lambda: screening.screen(engine, as_of=AS_OF, actor=ACTOR))
        report.add("4", f"{label}: screening.screen end to end", result.persons, screen_s)
        write_s = max(0.0, screen_s - split_read_s - split_decide_s)
        details |= {
            "read_alone_s": read_s,
            "split": {
                "read_s": split_read_s,
                "evaluate_s": split_decide_s,
                "write_and_rest_s": write_s,
            },
            "screen_result_seconds": result.seconds,
            "by_decision": result.by_decision,
        }
        console.log(
            f"[4] {label} split: read {split_read_s:.1f} s, evaluate {split_decide_s:.1f} s, "
            f"write and the rest ≈ {write_s:.1f} s (of {screen_s:.1f} s)"
        )
        if population is not None:
            stored_agrees(report, label, engine, population, result.by_decision, details)
    if "5" in items:
        details["explain"] = bench_explain_db(report, label, engine, persons, explain_count)
    report.details[f"database_{kind}"] = details


def stored_agrees(
    report: Report,
    label: str,
    engine: Engine,
    population: Population,
    by_decision: dict[str, int],
    details: dict[str, Any],
) -> None:
    """The decisions screen stored must be item 1's: row by row for the sample, in counts
    for everyone (when item 1 ran)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT decision, until, ground FROM decisions ORDER BY person_id LIMIT :k"),
            {"k": population.decided.height},
        ).all()
    stored = pl.DataFrame(
        [tuple(r) for r in rows], schema=list(DECISION), orient="row", infer_schema_length=None
    )
    until = stored["until"]
    stored = stored.with_columns(
        until.str.to_date("%Y-%m-%d") if until.dtype == pl.String else until.cast(pl.Date)
    )
    compare(report, "4", f"{label}: decisions stored by screen", population.decided, stored)
    if population.counts["decision"]:
        expected = dict(population.counts["decision"])
        details["same_counts_as_in_memory"] = expected == by_decision
        if expected != by_decision:
            console.log(
                f"[4] [bold red]{label}: decision counts differ from item 1[/]: "
                f"{by_decision} vs {expected}"
            )


def bench_explain_db(
    report: Report, label: str, engine: Engine, persons: int, count: int
) -> dict[str, Any]:
    pick = random.Random(SEED)
    ids = sorted(pick.sample(range(1, persons + 1), min(count, persons)))
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT national_id FROM persons WHERE id IN (" + ",".join(map(str, ids)) + ")")
        ).scalars()
        national_ids = list(found)
    pick.shuffle(national_ids)
    for nid in national_ids[:5]:  # warm up: connections, caches
        screening.explain(engine, national_id=nid, as_of=AS_OF)
    samples: list[float] = []
    for nid in national_ids:
        start = time.perf_counter()
        screening.explain(engine, national_id=nid, as_of=AS_OF)
        samples.append(time.perf_counter() - start)
    stats = percentiles(samples)
    report.latencies[f"{label}: screening.explain"] = stats
    report.goals.append(
        Goal("5", f"{label}: screening.explain p99 (ms)", stats["p99_ms"], 5, at_most=True)
    )
    # Where the time goes: the stored decree (parsed, or from a cache), the one-person read.
    parts = {
        "stored_decree": percentiles(
            [timed(lambda: screening.stored_decree(engine))[0] for _ in range(200)]
        )
    }
    record = getattr(reading, "person_record", None)
    if record is not None:
        parts["reading.person_record"] = percentiles(
            [
                timed(lambda n=nid: record(engine, national_id=n, columns=COLUMNS))[0]
                for nid in national_ids[:200]
            ]
        )
    for name, values in parts.items():
        report.latencies[f"{label}: of which {name}"] = values
    return {"explain": stats, **parts}


# ---------------------------------------------------------------------------- report


def source_revision() -> dict[str, Any]:
    """The commit measured, and whether src/ differed from it (the numbers belong to both)."""

    def git(*args: str) -> str:
        found = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return found.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "src_changes": git("status", "--short", "src")}


def machine(admin: URL | None) -> dict[str, Any]:
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    info: dict[str, Any] = {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": cpu.group(1) if cpu else platform.processor(),
        "memory_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "python": platform.python_version(),
        "polars": pl.__version__,
        "polars_threads": pl.thread_pool_size(),
        "sqlite": sqlite3.sqlite_version,
        "openfisca_core": package_version("openfisca-core"),
        "zen_engine": package_version("zen-engine"),
    }
    if admin is not None:
        with closing(psycopg.connect(libpq(admin))) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else None
    return info


def show(report: Report) -> None:
    table = Table(title=f"Screening, {report.persons:,} persons, decree version {VERSION}")
    for name, justify in (
        ("item", "left"),
        ("path", "left"),
        ("persons", "right"),
        ("seconds", "right"),
        ("persons/s", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in report.results:
        table.add_row(r.item, r.path, f"{r.rows:,}", f"{r.seconds:,.3f}", f"{r.rows_per_s:,.0f}")
    console.print(table)
    if report.latencies:
        lat = Table(title="Latency of one explanation (ms)")
        for name in ("path", "count", "p50", "p90", "p99", "max"):
            lat.add_column(name, justify="left" if name == "path" else "right")
        for name, s in report.latencies.items():
            lat.add_row(
                name,
                f"{s['count']:,}",
                f"{s['p50_ms']:.2f}",
                f"{s['p90_ms']:.2f}",
                f"{s['p99_ms']:.2f}",
                f"{s['max_ms']:.2f}",
            )
        console.print(lat)
    goals = Table(title="Ratios and goals")
    for name in ("item", "ratio", "value", "goal", "met"):
        goals.add_column(name, justify="right" if name in ("value", "goal") else "left")
    for g in report.goals:
        goals.add_row(
            g.item,
            g.name,
            f"{g.value:,.2f}",
            f"{'≤' if g.at_most else '≥'} {g.target:,}",
            "[green]yes[/]" if g.met else "[red]no[/]",
        )
    console.print(goals)
    agree = Table(title="Agreement with muster's decide_frame (decision, until, ground)")
    for name in ("item", "other", "persons", "disagreements"):
        agree.add_column(name, justify="right" if name in ("persons", "disagreements") else "left")
    for a in report.agreements:
        agree.add_row(a.item, a.other, f"{a.compared:,}", f"{a.disagreements:,}")
    console.print(agree)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="muster's screening against a plain read, OpenFisca and zen-engine"
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument(
        "--items", default=",".join(ITEMS), help="which items to run, e.g. 1,4 (default all)"
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="admin connection for item 4")
    parser.add_argument("--no-pg", action="store_true", help="items 4 and 5 on SQLite only")
    parser.add_argument(
        "--slab-rows",
        type=int,
        default=10_000_000,
        help="item 1: largest in-memory frame; bigger populations are timed slab by slab",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timings per in-memory step (in turns)"
    )
    parser.add_argument(
        "--openfisca-persons",
        type=int,
        default=1_000_000,
        help="item 2: persons given to OpenFisca (the first ones; at most --persons)",
    )
    parser.add_argument("--zen-persons", type=int, default=20_000)
    parser.add_argument("--explain-count", type=int, default=1_000)
    parser.add_argument(
        "--edge-persons",
        type=int,
        default=10_000,
        help="boundary cases per as-of day and variant (item 'edges', agreement only)",
    )
    args = parser.parse_args(argv)
    items = {i.strip() for i in args.items.split(",") if i.strip()}
    if unknown := items - set(ITEMS):
        parser.error(f"unknown items {sorted(unknown)}; choose among {', '.join(ITEMS)}")
    admin = None if args.no_pg else make_url(args.pg_url)
    persons = args.persons
    OUT.mkdir(exist_ok=True)
    started = datetime.now(UTC).replace(tzinfo=None)
    report = Report(persons)
    report.details["load_before"] = os.getloadavg()
    report.details["source"] = source_revision()
    version = policy.load(DECREE).version(VERSION)
    of_n = min(persons, args.openfisca_persons)
    zen_n = min(persons, args.zen_persons)
    mem_n = min(persons, args.explain_count)
    edge_n = min(persons, args.edge_persons)
    keep = max(
        of_n if "2" in items else 0,
        zen_n if "3" in items else 0,
        edge_n if "edges" in items else 0,
        mem_n,
    )
    population = None
    if items & {"1", "2", "3", "5", "edges"}:
        population = bench_evaluation(
            report,
            version,
            persons,
            slab_rows=args.slab_rows,
            repeat=args.repeat,
            keep=keep,
            timed_item="1" in items,
        )
    if "2" in items and population is not None:
        bench_openfisca(report, version, population, of_n, args.repeat)
    if "3" in items and population is not None:
        bench_zen(report, version, population, zen_n)
    if "5" in items and population is not None:
        bench_explain_memory(report, version, population, mem_n)
    if "edges" in items and population is not None:
        bench_boundaries(report, version, population, edge_n)
    if items & {"4", "5"}:
        kinds = ["sqlite"] + ([] if admin is None else ["postgresql"])
        for kind in kinds:
            with ExitStack() as stack:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="muster-")))
                engine = database(stack, kind, folder, admin)
                bench_database(
                    report,
                    kind,
                    engine,
                    version,
                    population,
                    persons=persons,
                    items=items,
                    explain_count=args.explain_count,
                )
    report.details["load_after"] = os.getloadavg()
    report.details["peak_rss_mib"] = peak_rss_mib()
    show(report)
    payload = {
        "bench": "screening",
        "persons": persons,
        "decree": f"{DECREE.name} version {VERSION}",
        "as_of": AS_OF.isoformat(),
        "items": sorted(items),
        "argv": sys.argv[1:] if argv is None else list(argv),
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(admin),
        "results": [asdict(r) | {"rows_per_s": r.rows_per_s} for r in report.results],
        "goals": [asdict(g) | {"met": g.met} for g in report.goals],
        "agreements": [asdict(a) for a in report.agreements],
        "latencies": report.latencies,
        "details": report.details,
    }
    target = OUT / f"screening-{persons}-{started:%Y%m%dT%H%M%S}.json"
    target.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    console.log(f"results written to {target}")


if __name__ == "__main__":
    main()
