"""``muster deferrals renew``: deferrals whose end date has come renew while their ground
holds, and expire otherwise."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from muster.cases import service as cases
from muster.cli.common import engine, out, settings
from muster.cli.decree import _date

app = typer.Typer(
    help="Deferrals: renewed while their ground holds, else expired.", no_args_is_help=True
)


@app.command()
def renew(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help="The day, YYYY-MM-DD (default today).")] = None,
    decree: Annotated[
        str | None, typer.Option(help="Only this decree (default: every decree loaded).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Decide again everyone whose deferral ends on or before the day: renewed with the new
    end while a deferral ground still holds, else expired (eligible persons rejoin the pool)."""
    result = cases.renew(
        engine(ctx),
        as_of=_date(as_of, "--as-of") or date.today(),
        decree_id=decree,
        actor=settings(ctx).actor_name(),
    )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    out.print(
        f"{result.checked:,} deferrals ended by {result.as_of} under "
        f"{escape(', '.join(result.versions) or 'no decree in force')}: "
        f"{result.renewed:,} renewed, {result.expired:,} expired.",
        highlight=False,
    )
    if result.deferrals:
        table = Table("national id", "claim", "was", "outcome", "now", title_justify="left")
        for d in result.deferrals[:50]:
            table.add_row(
                d.national_id,
                str(d.claim or ""),
                f"{d.ground_before} until {d.until_before}",
                d.outcome,
                f"{d.decision}"
                + (f" ({d.ground})" if d.ground else "")
                + (
                    f" until {d.until}"
                    if d.until
                    else " until review"
                    if d.outcome == "renewed"
                    else ""
                ),
            )
        out.print(table)
        if len(result.deferrals) > 50:
            out.print(f"… and {len(result.deferrals) - 50:,} more (--json lists all).")
