"""``muster worker`` and ``muster jobs …``: background work through the queue, or in-process."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.logging import RichHandler
from rich.table import Table

from muster.cli.common import AsJson, engine, err, out, progress_bar, settings
from muster.cli.decree import _date
from muster.jobs import service as jobs
from muster.notices import service as notices
from muster.notices.schemas import IssueResult

app = typer.Typer(help="Background jobs: issue notices, render PDFs, draw replacements.")

CampaignOpt = Annotated[int, typer.Option("--campaign", help="Campaign number.")]
RegionsOpt = Annotated[
    list[str] | None,
    typer.Option("--region", help="Only this region (repeat for several; default: all)."),
]
IN_PROCESS = (
    "Jobs run in-process on {db}: each `muster jobs …` command does its work as it is "
    "given, so no worker is needed. Workers share a queue on PostgreSQL (--db postgresql://…)."
)


def _url(ctx: typer.Context) -> str:
    return settings(ctx).db


def _in_process(ctx: typer.Context) -> str:
    return IN_PROCESS.format(db=engine(ctx).url.render_as_string())


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int, typer.Option(help="Jobs this worker runs at once (each in its own thread).")
    ] = 1,
    until_empty: Annotated[
        bool,
        typer.Option(
            "--until-empty",
            "--once",
            help="Stop once no job is waiting or running, instead of waiting for more.",
        ),
    ] = False,
    stalled_after: Annotated[
        float,
        typer.Option(
            help="Seconds without a heartbeat after which a worker counts as dead and its "
            "job is run again."
        ),
    ] = jobs.STALLED_AFTER,
    name: Annotated[str | None, typer.Option(help="A name for this worker in the logs.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every job.")] = False,
) -> None:
    """Work the job queue until stopped (Ctrl-C or SIGTERM finish the jobs in hand first)."""
    url = _url(ctx)
    if not jobs.queued(url):
        out.print(_in_process(ctx))
        return
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
    )
    logging.getLogger("muster.jobs").setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    err.print(
        f"Worker on {engine(ctx).url.render_as_string()}: {concurrency} at a time, "
        f"stalled jobs re-run after {stalled_after:g} s"
        + (", stopping when the queue is empty." if until_empty else ".")
    )
    jobs.run_worker(
        url, concurrency=concurrency, wait=not until_empty, stalled_after=stalled_after, name=name
    )


@app.command()
def status(ctx: typer.Context, as_json: AsJson = False) -> None:
    """How many jobs are waiting, running, done and failed."""
    url = _url(ctx)
    if not jobs.queued(url):
        out.print(_in_process(ctx))
        return
    counts = jobs.job_status(url)
    if as_json:
        typer.echo(json.dumps(counts, indent=2))
        return
    grid = Table("status", "jobs")
    for state, n in counts.items():
        grid.add_row(state, f"{n:,}")
    out.print(grid)


def _queued(ids: list[int], what: str) -> None:
    if not ids:
        out.print(f"Nothing to queue ({what}).")
        return
    out.print(
        f"Queued {len(ids):,} job{'s' if len(ids) != 1 else ''} ({what}; ids {min(ids)}–"
        f"{max(ids)}): `muster worker` runs them, `muster jobs status` follows them."
    )


@app.command()
def issue(
    ctx: typer.Context,
    campaign: CampaignOpt,
    day: Annotated[str | None, typer.Option(help="Issue day, YYYY-MM-DD (default today).")] = None,
    region: RegionsOpt = None,
) -> None:
    """Issue the next batch of notices, one job per region."""
    url = _url(ctx)
    on = _date(day, "--day") or date.today()
    regions = region or jobs.campaign_regions(engine(ctx), campaign_id=campaign)
    batch = jobs.issue_jobs(
        campaign_id=campaign, day=on, regions=regions, actor=settings(ctx).actor_name()
    )
    if jobs.queued(url):
        _queued(jobs.enqueue(url, batch), f"notices on {on}, one batch per region")
        return
    with progress_bar() as bar:
        results = [IssueResult(**r) for r in jobs.run_inline(url, batch, progress=bar)]
    issued = sum(r.issued for r in results)
    released = sum(sum(r.released.values()) for r in results)
    out.print(
        f"Campaign {campaign}, {on}: {issued:,} notices issued in {len(regions)} regions; "
        f"{released:,} call-ups released at the re-check, "
        f"{sum(r.replacements for r in results):,} replacements drawn; "
        f"{notices.waiting_count(engine(ctx), campaign_id=campaign):,} still waiting."
    )


@app.command()
def render(
    ctx: typer.Context,
    campaign: CampaignOpt,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for notice-<number>.pdf files.")],
) -> None:
    """Render every notice of the campaign that is not withdrawn to a PDF, one job each."""
    url = _url(ctx)
    numbers = [
        n.number
        for n in notices.list_notices(engine(ctx), campaign_id=campaign)
        if n.status != "withdrawn"
    ]
    batch = jobs.render_jobs(numbers=numbers, out_dir=out_dir)
    if jobs.queued(url):
        _queued(jobs.enqueue(url, batch), f"one PDF per notice into {out_dir}")
        return
    with progress_bar() as bar:
        results = jobs.run_inline(url, batch, progress=bar)
    out.print(
        f"{results.count('written'):,} PDFs written to {out_dir}, "
        f"{results.count('unchanged'):,} already up to date."
    )


@app.command()
def fill(ctx: typer.Context, campaign: CampaignOpt, region: RegionsOpt = None) -> None:
    """Draw replacements until every region's active call-ups reach its quota."""
    url = _url(ctx)
    regions = region or jobs.campaign_regions(engine(ctx), campaign_id=campaign)
    batch = jobs.fill_jobs(campaign_id=campaign, regions=regions, actor=settings(ctx).actor_name())
    if jobs.queued(url):
        _queued(jobs.enqueue(url, batch), "replacements up to each quota, per region")
        return
    with progress_bar() as bar:
        drawn = sum(jobs.run_inline(url, batch, progress=bar))
    out.print(f"Campaign {campaign}: {drawn:,} replacements drawn.")
