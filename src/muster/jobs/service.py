"""Background jobs through a real queue (procrastinate on PostgreSQL), in-process elsewhere.

On PostgreSQL a job is a row in ``procrastinate_jobs``; any number of ``muster worker``
processes, on any number of machines, share the queue. Jobs of one campaign region share a
lock, so two workers never work on the same region at once (the region's quota row lock
keeps the data right anyway; the job lock only saves wasted work). A worker that dies
(SIGKILL, power cut) leaves its job ``doing``; live workers notice that its heartbeat
stopped and queue the job again, and since every job is idempotent (``tasks.py``) the rerun
finishes what the dead one started. On SQLite there is no queue: the same functions run
in the caller's process, one after the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, cast

import procrastinate
from procrastinate import exceptions as queue_errors
from procrastinate.jobs import Status
from procrastinate.schema import SchemaManager
from procrastinate.types import JSONDict
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from muster.db.clock import Progress, quiet
from muster.db.engine import get_engine, normalise_url
from muster.errors import MusterError
from muster.jobs.schemas import Job
from muster.jobs.tasks import TASKS
from muster.quotas import service as quotas

log = logging.getLogger("muster.jobs")

STALLED_AFTER = 30.0  # seconds without a worker heartbeat before its job is run again
BATCH = 1_000  # jobs queued per statement
SCHEMA_LOCK = 0x6D757374  # advisory lock: one process at a time creates the queue's tables
RETRY = procrastinate.RetryStrategy(
    max_attempts=5, wait=1, exponential_wait=2, retry_exceptions={OperationalError}
)  # deadlocks, serialization failures and dropped connections are worth another go


def queued(url: str) -> bool:
    """Whether jobs go through the queue (PostgreSQL) or run in-process (anything else)."""
    return make_url(normalise_url(url)).get_backend_name() == "postgresql"


def conninfo(url: str) -> str:
    """The libpq connection string psycopg takes, from a SQLAlchemy database URL."""
    parsed = make_url(normalise_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _require_queue(url: str) -> Engine:
    if not queued(url):
        raise MusterError(
            "jobs are queued only on PostgreSQL; on this database they run in-process "
            "as they are submitted, and no worker is needed"
        )
    engine = get_engine(url)
    ensure_schema(engine)
    return engine


def ensure_schema(engine: Engine) -> bool:
    """Create the queue's tables when they are missing; whether they were created. Workers
    starting together wait for each other on an advisory lock."""
    probe = text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
    with engine.connect() as conn:
        if conn.scalar(probe):
            return False
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        if conn.scalar(probe):
            return False
        cursor = conn.connection.cursor()
        cursor.execute(SchemaManager.get_schema())  # no parameters: run as written
        cursor.close()
    log.info("created the job queue's tables")
    return True


def _bound(url: str, body: Callable[..., Any]) -> Callable[..., Any]:
    def run(**args: Any) -> Any:
        return body(get_engine(url), **args)

    run.__name__ = body.__name__
    run.__doc__ = body.__doc__
    return run


@cache
def app_for(url: str) -> procrastinate.App:
    """The queue of one database, with every task registered (``muster.<task>``)."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
    for name, body in TASKS.items():
        app.task(name=f"muster.{name}", retry=RETRY)(_bound(url, body))
    return app


# --- jobs as data ---------------------------------------------------------------------------


def region_lock(campaign_id: int, region: str) -> str:
    return f"muster:campaign:{campaign_id}:region:{region}"


def campaign_regions(engine: Engine, *, campaign_id: int) -> list[str]:
    """The regions of a campaign that have a quota."""
    table = quotas.quota_table(engine, campaign_id=campaign_id)
    return [r.region for r in table.regions if r.quota > 0]


def issue_jobs(*, campaign_id: int, day: date, regions: Iterable[str], actor: str) -> list[Job]:
    """One batch per region: issue that region's next notices on ``day``."""
    return [
        Job(
            task="issue_batch",
            args={"campaign_id": campaign_id, "day": day.isoformat(), "region": r, "actor": actor},
            lock=region_lock(campaign_id, r),
            queueing_lock=f"muster:issue:{campaign_id}:{r}:{day.isoformat()}",
        )
        for r in regions
    ]


def fill_jobs(*, campaign_id: int, regions: Iterable[str], actor: str) -> list[Job]:
    """Per region: draw replacements until its active call-ups reach the quota."""
    return [
        Job(
            task="fill_region",
            args={"campaign_id": campaign_id, "region": r, "actor": actor},
            lock=region_lock(campaign_id, r),
            queueing_lock=f"muster:fill:{campaign_id}:{r}",
        )
        for r in regions
    ]


def render_jobs(*, numbers: Iterable[int], out_dir: Path | str) -> list[Job]:
    """One PDF per notice, written to ``out_dir/notice-<number>.pdf``."""
    folder = str(Path(out_dir).resolve())
    return [Job(task="render_notice", args={"number": n, "out_dir": folder}) for n in numbers]


# --- submitting -----------------------------------------------------------------------------


def enqueue(url: str, jobs: Sequence[Job]) -> list[int]:
    """Put jobs on the queue (PostgreSQL only); their ids, in order. A job whose
    ``queueing_lock`` is already waiting is not queued twice: its waiting twin's id is given."""
    engine = _require_queue(url)
    app = app_for(url)
    ids: list[int] = []
    with app.open():
        for (name, lock, single), group in itertools.groupby(
            jobs, key=lambda j: (j.task, j.lock, j.queueing_lock is not None)
        ):
            batch = list(group)
            if single:
                ids += [_defer_once(engine, app, job) for job in batch]
                continue
            task = app.tasks[f"muster.{name}"]
            for first in range(0, len(batch), BATCH):
                part = batch[first : first + BATCH]
                ids += task.configure(lock=lock).batch_defer(
                    *(cast(JSONDict, j.args) for j in part)
                )
    return ids


def _defer_once(engine: Engine, app: procrastinate.App, job: Job) -> int:
    task = app.tasks[f"muster.{job.task}"]
    for _ in range(3):
        try:
            return task.configure(lock=job.lock, queueing_lock=job.queueing_lock).defer(**job.args)
        except queue_errors.AlreadyEnqueued:
            with engine.connect() as conn:
                waiting = conn.scalar(
                    text(
                        "SELECT id FROM procrastinate_jobs "
                        "WHERE queueing_lock = :lock AND status = 'todo'"
                    ),
                    {"lock": job.queueing_lock},
                )
            if waiting is not None:
                return int(waiting)
    raise MusterError(f"could not queue {job.task} {job.args}: its twin kept changing state")


def run_inline(url: str, jobs: Sequence[Job], *, progress: Progress = quiet) -> list[Any]:
    """Run jobs in this process, in order, with the same functions a worker runs; their
    results. What SQLite uses instead of a queue (it works on PostgreSQL too)."""
    engine = get_engine(url)
    results = []
    for i, job in enumerate(jobs):
        progress(job.task, i, len(jobs))
        results.append(TASKS[job.task](engine, **job.args))
    if jobs:
        progress(jobs[-1].task, len(jobs), len(jobs))
    return results


def submit(url: str, jobs: Sequence[Job], *, progress: Progress = quiet) -> list[int]:
    """Queue the jobs on PostgreSQL (their ids), or run them now in-process (no ids)."""
    if queued(url):
        return enqueue(url, jobs)
    run_inline(url, jobs, progress=progress)
    return []


def enqueue_issue(
    url: str,
    *,
    campaign_id: int,
    day: date,
    regions: Iterable[str] | None = None,
    actor: str,
) -> list[int]:
    """Issue the next batch of notices on ``day`` region by region (every region with a
    quota unless named): queued on PostgreSQL (job ids), done in-process elsewhere."""
    chosen = regions or campaign_regions(get_engine(url), campaign_id=campaign_id)
    return submit(url, issue_jobs(campaign_id=campaign_id, day=day, regions=chosen, actor=actor))


def enqueue_fill(
    url: str, *, campaign_id: int, regions: Iterable[str] | None = None, actor: str
) -> list[int]:
    """Top every region (or the named ones) up to its quota with replacements."""
    chosen = regions or campaign_regions(get_engine(url), campaign_id=campaign_id)
    return submit(url, fill_jobs(campaign_id=campaign_id, regions=chosen, actor=actor))


def enqueue_render(url: str, *, numbers: Iterable[int], out_dir: Path | str) -> list[int]:
    """Render each notice's PDF into ``out_dir``."""
    return submit(url, render_jobs(numbers=numbers, out_dir=out_dir))


# --- the queue's state ----------------------------------------------------------------------


def job_status(url: str) -> dict[str, int]:
    """How many jobs are in each state (todo, doing, succeeded, failed…); empty on a
    database without a queue."""
    if not queued(url):
        return {}
    engine = _require_queue(url)
    counts = {s.value: 0 for s in Status if s is not Status.ABORTING}
    with engine.connect() as conn:
        for status, n in conn.execute(
            text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status")
        ):
            counts[str(status)] = int(n)
    return counts


# --- workers --------------------------------------------------------------------------------


def run_worker(
    url: str,
    *,
    concurrency: int = 1,
    wait: bool = True,
    stalled_after: float = STALLED_AFTER,
    name: str | None = None,
) -> None:
    """Work the queue. ``wait``: run until stopped (SIGINT/SIGTERM finish the jobs in hand
    first); otherwise stop once nothing is waiting or running. At start and every
    ``stalled_after / 2`` seconds, jobs left ``doing`` by a worker silent for
    ``stalled_after`` seconds are queued again."""
    if concurrency < 1:
        raise MusterError(f"--concurrency must be at least 1 (found {concurrency})")
    if stalled_after <= 0:
        raise MusterError(f"--stalled-after must be more than 0 seconds (found {stalled_after})")
    _require_queue(url)
    asyncio.run(
        _work(
            app_for(url),
            concurrency=concurrency,
            wait=wait,
            stalled_after=stalled_after,
            name=name,
        )
    )


async def _work(
    app: procrastinate.App,
    *,
    concurrency: int,
    wait: bool,
    stalled_after: float,
    name: str | None,
) -> None:
    heartbeat = max(0.2, min(10.0, stalled_after / 4))
    options: dict[str, Any] = {
        "concurrency": concurrency,
        "name": name,
        "update_heartbeat_interval": heartbeat,
        "stalled_worker_timeout": stalled_after,
        "fetch_job_polling_interval": min(1.0, heartbeat),
    }
    async with app.open_async():
        await _recover(app, stalled_after)
        watcher = asyncio.create_task(_watch(app, stalled_after))
        try:
            if wait:
                await app.run_worker_async(wait=True, **options)
            else:
                while True:
                    await app.run_worker_async(wait=False, **options)
                    if not await _pending(app):
                        break
                    await asyncio.sleep(min(1.0, heartbeat))
                    await _recover(app, stalled_after)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


async def _pending(app: procrastinate.App) -> int:
    """Jobs waiting or running (a blocked or scheduled one still counts)."""
    row = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
    )
    return int(row["n"])


async def _watch(app: procrastinate.App, stalled_after: float) -> None:
    while True:
        await asyncio.sleep(max(0.5, stalled_after / 2))
        try:
            await _recover(app, stalled_after)
        except queue_errors.ConnectorException:
            log.exception("could not look for stalled jobs; trying again later")


async def _recover(app: procrastinate.App, stalled_after: float) -> list[int]:
    """Queue again every job whose worker sent no heartbeat for ``stalled_after`` seconds;
    their ids."""
    manager = app.job_manager
    await manager.prune_stalled_workers(stalled_after)
    retried = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            await manager.retry_job(job)
        except queue_errors.ConnectorException:  # another worker queued it again first
            continue
        assert job.id is not None
        retried.append(job.id)
        log.warning(
            "job %s (%s) was left running by a worker that stopped; queued again",
            job.id,
            job.call_string,
        )
    return retried


__all__ = [
    "STALLED_AFTER",
    "app_for",
    "campaign_regions",
    "conninfo",
    "enqueue",
    "enqueue_fill",
    "enqueue_issue",
    "enqueue_render",
    "ensure_schema",
    "fill_jobs",
    "issue_jobs",
    "job_status",
    "queued",
    "region_lock",
    "render_jobs",
    "run_inline",
    "run_worker",
    "submit",
]
