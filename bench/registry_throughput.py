"""Registry write throughput: muster's generate and import against each engine's bulk path.

Default mode, for SQLite (temporary files) and PostgreSQL (fresh ``muster_bench_*`` databases,
dropped at the end), side by side:

* generate: ``service.generate`` end to end, against loading the very same rows into an empty
  migrated database the fastest plain way (SQLite: one ``executemany`` of pre-built tuples in
  one transaction; PostgreSQL: ``COPY … FROM STDIN`` of a pre-written CSV file);
* import: ``service.import_file`` of the exported persons CSV (full validation), against loading
  that CSV the plain way (SQLite: ``executemany`` of rows parsed beforehand, and the ``sqlite3``
  shell's ``.import`` into a staging table; PostgreSQL: ``COPY`` of the file).

Only the write itself is timed for the bulk paths; building their rows, the reference tables
and the schema are not. Results are ratios, ``muster rows/s ÷ bulk rows/s`` (goal ≥ 0.5).

``--big`` instead runs ``muster registry generate --persons 30000000`` as a subprocess and
reports wall time, peak memory and database size.

    .venv/bin/python bench/registry_throughput.py --persons 1000000
    .venv/bin/python bench/registry_throughput.py --big [--pg]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url

from muster.db import bulk
from muster.db.engine import get_engine
from muster.registry import service
from muster.registry.generate import Generator
from muster.registry.geography import offices
from muster.registry.schemas import PERSON_COLUMNS, PERSON_FIELDS, TableName

Kind = Literal["sqlite", "postgresql"]
Role = Literal["muster", "bulk", "part"]

SEED = 1
REGIONS = 85
ACTOR = "bench"
# in an order imports accept: employers and offices refer to regions
REFERENCE_TABLES: tuple[TableName, ...] = ("regions", "employers", "offices")
LOADED = [*PERSON_FIELDS, "batch_id", "updated_at"]
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
GNU_TIME = Path("/usr/bin/time")
OUT = Path(__file__).resolve().parent / "out"

console = Console(log_path=False)


@dataclass(frozen=True)
class Result:
    """One timed write. ``bulk`` rows are the baselines the ``muster`` row of a task is held to."""

    engine: str
    task: str
    path: str
    role: Role
    rows: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def ratio(result: Result, results: Sequence[Result]) -> float | None:
    """muster's rows/s over this baseline's rows/s, for the same engine and task."""
    if result.role != "bulk":
        return None
    ours = next(
        r for r in results if (r.engine, r.task, r.role) == (result.engine, result.task, "muster")
    )
    return ours.rows_per_s / result.rows_per_s


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def source_version() -> str:
    """The commit of muster measured, with ``+dirty`` when src/ has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "src") else "")


def machine(pg_admin: URL | None) -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    info: dict[str, Any] = {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": cpu.group(1) if cpu else platform.processor(),
        "memory_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "polars": pl.__version__,
        "muster": source_version(),
    }
    if pg_admin is not None:
        with closing(psycopg.connect(libpq(pg_admin))) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else None
    return info


def libpq(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def admin_execute(admin: URL, statement: sql.SQL | sql.Composed) -> None:
    with closing(psycopg.connect(libpq(admin), autocommit=True)) as conn:
        conn.execute(statement)


def pg_database(stack: ExitStack, admin: URL, name: str) -> str:
    """Create database ``name`` beside ``admin``, dropped when ``stack`` closes; its URL."""
    admin_execute(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    stack.callback(
        admin_execute,
        admin,
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
    )
    return admin.set(database=name).render_as_string(hide_password=False)


class Databases:
    """Fresh empty migrated databases on demand; all are disposed of and dropped on close."""

    def __init__(self, stack: ExitStack, folder: Path, pg_admin: URL | None) -> None:
        self.stack, self.folder, self.pg_admin = stack, folder, pg_admin
        self.token = secrets.token_hex(4)

    def new(self, kind: Kind, label: str) -> Engine:
        if kind == "sqlite":
            url = f"sqlite:///{self.folder / f'{label}.db'}"
        else:
            assert self.pg_admin is not None
            url = pg_database(self.stack, self.pg_admin, f"muster_bench_{self.token}_{label}")
        engine = get_engine(url)
        self.stack.callback(engine.dispose)
        return engine

    def settle(self, engine: Engine) -> None:
        """Before a timed PostgreSQL step, flush what earlier steps left in shared buffers."""
        if engine.dialect.name == "postgresql":
            assert self.pg_admin is not None
            admin_execute(self.pg_admin, sql.SQL("CHECKPOINT"))


def count_persons(engine: Engine, expected: int) -> None:
    """Every path must have loaded every row; a short load would flatter its rows/s."""
    found = service.count_persons(engine)
    if found != expected:
        raise RuntimeError(f"{engine.url}: {found:,} persons loaded, expected {expected:,}")


NEW_BATCH = text(
    "INSERT INTO registry_batches (kind, source, actor, started_at, inserted, updated) "
    "VALUES ('generate', 'bench bulk baseline', :actor, :at, 0, 0) RETURNING id"
)


def new_batch(engine: Engine) -> int:
    """The registry_batches row a bulk load's persons point to (as muster's writes have)."""
    with engine.begin() as conn:
        return int(conn.scalar(NEW_BATCH, {"actor": ACTOR, "at": now()}))


def generator(persons: int) -> Generator:
    return Generator(
        seed=SEED, persons=persons, regions=REGIONS, reference=service.DEFAULT_REFERENCE
    )


def stamped(gen: Generator, batch: int) -> Iterator[pl.DataFrame]:
    """The generator's chunks with the columns ``service.generate`` adds."""
    extra = [pl.lit(batch).alias("batch_id"), pl.lit(now()).alias("updated_at")]
    for chunk in gen.chunks():
        yield chunk.with_columns(extra)


def sqlite_executemany(engine: Engine, rows: list[tuple[Any, ...]]) -> float:
    """Seconds for one ``executemany`` into persons in one transaction, muster's pragmas."""
    raw = engine.raw_connection()
    try:
        conn: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
        insert = (
            f"INSERT INTO persons ({', '.join(LOADED)}) VALUES ({', '.join('?' * len(LOADED))})"
        )

        def load() -> None:
            conn.execute("BEGIN")
            conn.executemany(insert, rows)
            conn.execute("COMMIT")

        return timed(load)
    finally:
        raw.close()


def pg_copy(engine: Engine, path: Path, columns: Sequence[str], *, header: bool) -> float:
    """Seconds to ``COPY`` a CSV file into persons and commit."""
    raw = engine.raw_connection()
    try:
        conn: psycopg.Connection[Any] = raw.driver_connection  # type: ignore[assignment]
        statement = sql.SQL("COPY persons ({}) FROM STDIN (FORMAT csv, HEADER {})").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Literal(header)
        )

        def load() -> None:
            with conn.cursor() as cursor, cursor.copy(statement) as copy, path.open("rb") as f:
                while block := f.read(1 << 20):
                    copy.write(block)
            conn.commit()

        return timed(load)
    finally:
        raw.close()


def bench_generate(dbs: Databases, kind: Kind, persons: int) -> tuple[list[Result], Engine]:
    """muster's generate, then the same rows loaded the bulk way; returns muster's database."""
    console.log(f"{kind}: generate {persons:,} persons with muster")
    ours = dbs.new(kind, "generate")
    dbs.settle(ours)
    seconds = timed(lambda: service.generate(ours, persons=persons, seed=SEED, actor=ACTOR))
    count_persons(ours, persons)
    results = [Result(kind, "generate", "muster generate", "muster", persons, seconds)]

    console.log(f"{kind}: the same rows through the bulk path")
    base = dbs.new(kind, "generate_bulk")
    gen = generator(persons)
    with base.begin() as conn:
        bulk.insert(conn, "regions", gen.geo.regions.drop("share"))
        bulk.insert(conn, "offices", offices(gen.geo, persons))
        bulk.insert(conn, "employers", gen.employers.drop("size"))
    batch = new_batch(base)
    if kind == "sqlite":
        rows = [row for chunk in stamped(gen, batch) for row in bulk._sqlite_rows(chunk)]
        path, seconds = "executemany, pre-built rows", sqlite_executemany(base, rows)
    else:
        csv_path = dbs.folder / "generate_bulk.csv"
        with csv_path.open("wb") as f:
            for chunk in stamped(gen, batch):  # written as bulk.insert writes its CSV
                chunk.write_csv(
                    f,
                    include_header=False,
                    date_format="%Y-%m-%d",
                    datetime_format="%Y-%m-%d %H:%M:%S.%6f",
                    null_value="",
                )
        dbs.settle(base)
        path, seconds = "COPY of a written CSV", pg_copy(base, csv_path, LOADED, header=False)
        csv_path.unlink()
    count_persons(base, persons)
    results.append(Result(kind, "generate", path, "bulk", persons, seconds))
    return results, ours


def export(source: Engine, folder: Path, persons: int) -> Result:
    """The import inputs: persons and reference tables as CSV (export timed for information)."""
    console.log(f"export the generated registry to {folder}")
    folder.mkdir()
    for table in REFERENCE_TABLES:
        service.export_file(source, folder / f"{table}.csv", table=table)
    seconds = timed(lambda: service.export_file(source, folder / "persons.csv"))
    return Result("sqlite", "export", "muster export_file", "part", persons, seconds)


def with_references(dbs: Databases, kind: Kind, label: str, folder: Path) -> Engine:
    engine = dbs.new(kind, label)
    for table in REFERENCE_TABLES:
        service.import_file(engine, folder / f"{table}.csv", table=table, actor=ACTOR)
    return engine


def stored(kind: str) -> Callable[[str], Any]:
    """A CSV field → the value muster stores (SQLite: booleans as 0/1, dates as ISO text)."""
    if kind == "bool":
        return lambda v: None if v == "" else int(v.lower() == "true")
    if kind == "int":
        return lambda v: None if v == "" else int(v)
    return lambda v: v or None


def csv_rows(path: Path, extra: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    converters = [stored(c.kind) for c in PERSON_COLUMNS]
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        if next(reader) != list(PERSON_FIELDS):
            raise RuntimeError(f"{path}: unexpected header")
        return [
            (*(conv(v) for conv, v in zip(converters, row, strict=True)), *extra) for row in reader
        ]


def sqlite_shell_import(dbs: Databases, path: Path, persons: int) -> Result | None:
    """The ``sqlite3`` shell's ``.import`` into an unindexed staging table, if installed."""
    shell = shutil.which("sqlite3")
    if shell is None:
        console.log("[yellow]sqlite3 shell not found; skipping its .import reference")
        return None
    engine = dbs.new("sqlite", "import_shell")
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE persons_staging AS SELECT {', '.join(PERSON_FIELDS)} "
                "FROM persons WHERE 0"
            )
        )
    engine.dispose()
    database = engine.url.database
    assert database is not None
    seconds = timed(
        lambda: subprocess.run(
            [shell, database, f".import --csv --skip 1 {path} persons_staging"], check=True
        )
    )
    with engine.connect() as conn:
        loaded = conn.scalar(text("SELECT count(*) FROM persons_staging"))
    if loaded != persons:
        raise RuntimeError(f"sqlite3 .import loaded {loaded:,} rows, expected {persons:,}")
    return Result("sqlite", "import", "sqlite3 .import to staging", "bulk", persons, seconds)


def bench_import(dbs: Databases, kind: Kind, folder: Path, persons: int) -> list[Result]:
    """muster's import of the persons CSV, then the same file loaded the bulk way."""
    source = folder / "persons.csv"
    ours = with_references(dbs, kind, "import", folder)
    console.log(f"{kind}: read and validate {source.name} only")
    checked = timed(lambda: service.read_checked(ours, source, "persons"))
    console.log(f"{kind}: import {source.name} with muster")
    dbs.settle(ours)
    seconds = timed(lambda: service.import_file(ours, source, actor=ACTOR))
    count_persons(ours, persons)
    results = [
        Result(kind, "import", "muster import_file", "muster", persons, seconds),
        Result(kind, "import", "  of which read + validate", "part", persons, checked),
    ]

    console.log(f"{kind}: the same file through the bulk path")
    base = with_references(dbs, kind, "import_bulk", folder)
    batch = new_batch(base)
    if kind == "sqlite":
        rows = csv_rows(source, (batch, now().strftime("%Y-%m-%d %H:%M:%S.%f")))
        path, seconds = "executemany, pre-parsed rows", sqlite_executemany(base, rows)
    else:
        with base.begin() as conn:  # the file lacks these two columns; COPY takes defaults
            conn.execute(
                text(
                    f"ALTER TABLE persons ALTER COLUMN batch_id SET DEFAULT {batch}, "
                    "ALTER COLUMN updated_at SET DEFAULT now()"
                )
            )
        dbs.settle(base)
        path, seconds = "COPY of the same CSV", pg_copy(base, source, PERSON_FIELDS, header=True)
    count_persons(base, persons)
    results.append(Result(kind, "import", path, "bulk", persons, seconds))
    if kind == "sqlite" and (shell := sqlite_shell_import(dbs, source, persons)) is not None:
        results.append(shell)
    return results


def run_throughput(persons: int, pg_admin: URL | None) -> dict[str, Any]:
    kinds: list[Kind] = ["sqlite"] if pg_admin is None else ["sqlite", "postgresql"]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="muster_bench_") as tmp, ExitStack() as stack:
        dbs = Databases(stack, Path(tmp), pg_admin)
        sources: dict[Kind, Engine] = {}
        for kind in kinds:
            found, sources[kind] = bench_generate(dbs, kind, persons)
            results += found
        console.log(f"generator alone: {persons:,} persons, no database")
        seconds = timed(lambda: sum(chunk.height for chunk in generator(persons).chunks()))
        results.append(
            Result("any", "generate", "generator alone, no database", "part", persons, seconds)
        )
        folder = Path(tmp) / "export"
        results.append(export(sources["sqlite"], folder, persons))
        for kind in kinds:
            results += bench_import(dbs, kind, folder, persons)
    return {
        "mode": "throughput",
        "persons": persons,
        "results": [
            {**asdict(r), "rows_per_s": round(r.rows_per_s), "ratio": ratio(r, results)}
            for r in results
        ],
    }


def show_throughput(report: dict[str, Any]) -> None:
    table = Table(
        title=f"Registry throughput, {report['persons']:,} persons "
        "(ratio = muster rows/s ÷ this path's rows/s; goal ≥ 0.5)"
    )
    for name in ("engine", "task", "path"):
        table.add_column(name)
    for name in ("seconds", "rows/s", "ratio"):
        table.add_column(name, justify="right")
    for r in report["results"]:
        shown = (
            ""
            if r["ratio"] is None
            else (f"[{'green' if r['ratio'] >= 0.5 else 'red'}]{r['ratio']:.2f}")
        )
        table.add_row(
            r["engine"], r["task"], r["path"], f"{r['seconds']:.2f}", f"{r['rows_per_s']:,}", shown
        )
    console.print(table)


@dataclass
class Watched:
    """What a monitored subprocess used."""

    wall_s: float
    peak_rss_mib: float | None
    peak_disk_mib: float
    cpu: dict[str, float] = field(default_factory=dict)


def tree_rss(pid: int) -> int:
    import psutil  # only without GNU time; a dev dependency

    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.NoSuchProcess:
        return 0


def watch(command: list[str], log: Path, disk: Callable[[], int]) -> Watched:
    """Run ``command`` to the end, sampling its disk use (and, without GNU time, its memory)."""
    gnu = GNU_TIME.is_file()
    with tempfile.NamedTemporaryFile(suffix=".time") as stats, log.open("wb") as out:
        full = [str(GNU_TIME), "-v", "-o", stats.name, *command] if gnu else command
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT)
        peak_disk = peak_rss = 0
        while True:
            peak_disk = max(peak_disk, disk())
            if not gnu:
                peak_rss = max(peak_rss, tree_rss(proc.pid))
            try:
                proc.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                continue
        wall = time.perf_counter() - start
        if proc.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}); see {log}")
        found = dict(re.findall(r"^\s*(.+?): (.*)$", Path(stats.name).read_text(), re.M))
    if gnu:
        cpu = {
            "user_s": float(found["User time (seconds)"]),
            "system_s": float(found["System time (seconds)"]),
        }
        return Watched(
            wall, int(found["Maximum resident set size (kbytes)"]) / 1024, peak_disk / 2**20, cpu
        )
    return Watched(wall, peak_rss / 2**20, peak_disk / 2**20)


def sqlite_files(path: Path) -> int:
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def run_big(persons: int, pg_admin: URL | None) -> dict[str, Any]:
    """``muster registry generate`` at full size as a subprocess, on a throwaway database."""
    muster = str(Path(sys.executable).with_name("muster"))
    kind: Kind = "sqlite" if pg_admin is None else "postgresql"
    token = secrets.token_hex(4)
    log = OUT / f"big-{kind}-{token}.log"
    with ExitStack() as stack:
        if pg_admin is None:
            path = OUT / f"big-{token}.db"
            stack.callback(remove_sqlite, path)
            url = f"sqlite:///{path}"

            def disk() -> int:
                return sqlite_files(path)
        else:
            name = f"muster_bench_{token}_big"
            url = pg_database(stack, pg_admin, name)
            monitor = stack.enter_context(
                closing(psycopg.connect(libpq(pg_admin), autocommit=True))
            )

            def disk() -> int:
                size = monitor.execute("SELECT pg_database_size(%s)", [name]).fetchone()
                return int(size[0]) if size else 0

        command = [
            muster,
            "--db",
            url,
            "registry",
            "generate",
            "--persons",
            str(persons),
            "--seed",
            str(SEED),
        ]
        console.log(f"running {' '.join(command)} (log: {log})")
        used = watch(command, log, disk)
        size = disk()
    return {
        "mode": "big",
        "engine": kind,
        "persons": persons,
        "command": " ".join(command),
        "log": str(log),
        "rows_per_s": round(persons / used.wall_s),
        "db_size_mib": round(size / 2**20),
        **asdict(used),
    }


def show_big(report: dict[str, Any]) -> None:
    table = Table(
        title=f"muster registry generate --persons {report['persons']:,} ({report['engine']})"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    rss = report["peak_rss_mib"]
    for name, value in (
        ("wall time", f"{report['wall_s']:.0f} s ({report['wall_s'] / 60:.1f} min)"),
        ("rows/s", f"{report['rows_per_s']:,}"),
        ("CPU user / system", " / ".join(f"{v:.0f} s" for v in report["cpu"].values()) or "-"),
        ("peak RSS (muster process)", "-" if rss is None else f"{rss:,.0f} MiB"),
        ("peak disk during the run", f"{report['peak_disk_mib']:,.0f} MiB"),
        ("database size afterwards", f"{report['db_size_mib']:,} MiB"),
    ):
        table.add_row(name, value)
    console.print(table)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="muster's registry writes against each engine's bulk path"
    )
    parser.add_argument(
        "--persons", type=int, help="rows to generate (default 1,000,000; with --big 30,000,000)"
    )
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG,
        help="an admin connection; benchmark databases are created beside it",
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--big", action="store_true", help="time `muster registry generate` as a subprocess instead"
    )
    parser.add_argument("--pg", action="store_true", help="with --big: on PostgreSQL")
    args = parser.parse_args(argv)
    if args.pg and not args.big:
        parser.error("--pg goes with --big (the default mode runs both engines)")
    if args.big:
        pg_admin = make_url(args.pg_url) if args.pg else None
    else:
        pg_admin = None if args.no_pg else make_url(args.pg_url)
    OUT.mkdir(exist_ok=True)
    started, measured_on, load = now(), machine(pg_admin), os.getloadavg()
    if args.big:
        report = run_big(args.persons or 30_000_000, pg_admin)
        show_big(report)
    else:
        report = run_throughput(args.persons or 1_000_000, pg_admin)
        show_throughput(report)
    report |= {
        "started": started.isoformat(timespec="seconds"),
        "machine": measured_on,
        # 1-minute load before and after: other work on the machine skews the numbers
        "load_before": load[0],
        "load_after": os.getloadavg()[0],
    }
    name = "-".join(
        [
            f"registry_{report['mode']}",
            *([report["engine"]] if args.big else []),
            str(report["persons"]),
            f"{started:%Y%m%dT%H%M%S}",
        ]
    )
    target = OUT / f"{name}.json"
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.log(f"results written to {target}")


if __name__ == "__main__":
    main()
