"""``muster report …``: what the system measures about itself."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from muster.cases import errors as errors_report
from muster.cases.errors import ErrorsRow
from muster.cli.common import engine, out

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
