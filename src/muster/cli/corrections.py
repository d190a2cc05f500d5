"""``muster corrections run``: release and replace every call-up an amendment or a registry
correction shows should not have been made."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from muster.cases import corrections
from muster.cli.common import engine, out, progress_bar, settings
from muster.cli.decree import _date

app = typer.Typer(
    help="Corrections: re-screen after amendments and registry corrections; release and replace.",
    no_args_is_help=True,
)


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)",
            param_hint="--since",
        ) from None


@app.command()
def run(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            help="Only persons changed after this time (UTC, YYYY-MM-DD[THH:MM]); a new "
            "decree version re-checks everyone regardless."
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Decision date YYYY-MM-DD (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Re-screen, then release every active call-up whose person is now excluded, with the
    decree's reason, and draw a replacement from the lottery order."""
    with progress_bar(not as_json) as bar:
        result = corrections.run(
            engine(ctx),
            since=_time(since),
            as_of=_date(as_of, "--as-of") or date.today(),
            actor=settings(ctx).actor_name(),
            progress=bar,
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    for s in result.screens:
        kind = "changed persons" if s.incremental else "persons"
        out.print(
            f"Re-screened {s.persons:,} {kind} of {s.decree} under {s.after}"
            + (f" (previous screen: {s.before})" if s.before and s.before != s.after else "")
            + "."
        )
    out.print(
        f"Checked {result.checked:,} active call-ups as of {result.as_of}: released "
        f"{result.released:,}, replaced {result.replacements:,}, in {result.seconds:.1f} s."
    )
    for title, counts in (
        ("By reason", result.by_reason),
        ("By trigger", result.by_trigger),
        ("By region", result.by_region),
    ):
        if counts:
            table = Table("", "released", title=title, title_justify="left")
            for key, n in counts.items():
                table.add_row(key, f"{n:,}")
            out.print(table)
