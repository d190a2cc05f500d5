"""``muster report …``: what the system measures about itself, and the oversight report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from muster.cases import errors as errors_report
from muster.cases.errors import ErrorsRow
from muster.cli.common import engine, out, progress_bar
from muster.cli.decree import _date
from muster.errors import MusterError
from muster.oversight import report as writer
from muster.oversight import service as oversight
from muster.quotas import service as quotas

app = typer.Typer(help="Reports on how the mobilization is run.", no_args_is_help=True)


def _table(title: str, rows: list[ErrorsRow]) -> Table:
    table = Table(
        title.lower(),
        "wrongful",
        "median days",
        "p90 days",
        title=f"By {title.lower()}",
        title_justify="left",
    )
    for r in rows:
        table.add_row(r.name, f"{r.released:,}", f"{r.median_days:.2f}", f"{r.p90_days:.2f}")
    return table


@app.command()
def errors(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Wrongful call-ups found (released as wrongful, exempt or deferred), how each was found,
    days from selection to release per region and office, and notice overrides."""
    report = errors_report.report(engine(ctx))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    out.print(
        f"{report.wrongful:,} of {report.called:,} call-ups were wrongful "
        f"({report.rate:.2%}); days from selection to release: median "
        f"{report.median_days:.2f}, p90 {report.p90_days:.2f}. "
        f"Notices issued over an objection (overrides): {report.overrides:,}."
    )
    table = Table("found", "wrongful", title="How they were found", title_justify="left")
    for key, n in report.by_found.items():
        table.add_row(key, f"{n:,}")
    out.print(table)
    if report.by_kind:
        table = Table("released as", "call-ups", title="By reason", title_justify="left")
        for key, n in report.by_kind.items():
            table.add_row(key, f"{n:,}")
        out.print(table)
    if report.by_region:
        out.print(_table("Region", report.by_region))
        out.print(_table("Office", report.by_office))
    if report.boards:
        table = Table(
            "board",
            "pending",
            "overdue",
            "decided",
            "upheld",
            "automatic",
            "missed deadlines",
            title="Claims by board",
            title_justify="left",
        )
        for b in report.boards:
            table.add_row(
                b.board,
                *(
                    f"{n:,}"
                    for n in (
                        b.pending,
                        b.overdue,
                        b.decided,
                        b.upheld,
                        b.automatic,
                        b.missed_deadlines,
                    )
                ),
            )
        out.print(table)


@app.command()
def write(
    ctx: typer.Context,
    campaign: Annotated[
        int | None,
        typer.Option(help="Campaign number (default: the latest; see `muster campaign list`)."),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for report.html, report.pdf, XLSX and CSV.")
    ] = Path("report"),
    as_of: Annotated[
        str | None, typer.Option(help="Day the claim backlog is measured on (YYYY-MM-DD).")
    ] = None,
    simulate_persons: Annotated[
        int,
        typer.Option(
            "--simulate",
            help="Also simulate the campaign's decree against the opaque baseline on this "
            "many synthetic persons (0: no simulation).",
        ),
    ] = 0,
    days: Annotated[int, typer.Option(help="Days to simulate.")] = 60,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 1,
) -> None:
    """Write the oversight report of a campaign: burden per eligible person by region,
    settlement and kind of region and its disparity; mistakes and time to correction; claims
    and deadlines; office load; lottery audits. Self-contained HTML, PDF, XLSX and CSV."""
    eng = engine(ctx)
    if campaign is None:
        campaigns = quotas.list_campaigns(eng)
        if not campaigns:
            raise MusterError("no campaign yet: open one with `muster campaign open`")
        campaign = campaigns[-1].id
    day = _date(as_of, "--as-of") if as_of else None
    report = oversight.overview(eng, campaign_id=campaign, today=day)
    simulation = None
    if simulate_persons:
        with progress_bar() as progress:
            simulation = oversight.simulation(
                eng,
                decree=report.fairness.decree.split("@", 1)[0],
                persons=simulate_persons,
                days=days,
                seed=seed,
                progress=progress,
            )
    files = writer.write(out_dir, report=report, simulation=simulation)
    print_fairness(report)
    out.print(
        f"Report written: {files.html} (open it in a browser), {files.pdf}, {files.xlsx}, "
        f"{len(files.csv)} CSV tables in {files.html.parent / 'tables'}."
    )


def print_fairness(report: oversight.OversightReport) -> None:
    f = report.fairness
    ratio = "n/a" if f.regions.max_min_ratio is None else f"{f.regions.max_min_ratio:.2f}"
    out.print(
        f"Campaign {f.campaign} ({f.decree}): {f.called:,} call-ups for {f.eligible:,} eligible "
        f"persons ({f.per_1000:.1f} per 1,000), {f.enlisted:,} enlisted. Burden across "
        f"regions: highest / lowest {ratio}, Gini {f.regions.gini:.3f}; rural / urban "
        f"{_ratio(f.rural_over_urban)}, minority / other regions {_ratio(f.minority_over_other)}."
    )


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
