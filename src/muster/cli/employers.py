"""``muster employers …``: an employer's reservation list, checked whole, then a claim per
listed person with an open call-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from muster.cases import employers
from muster.cli.claims import Day, _day
from muster.cli.common import engine, out, report_input_error, settings
from muster.errors import InputFileError

app = typer.Typer(help="Employers: reservation lists of their staff.", no_args_is_help=True)


@app.command()
def reserve(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with a national_id column (and note).")],
    employer: Annotated[str, typer.Option("--employer", help="The employer's code.")],
    ground: Annotated[
        str | None,
        typer.Option(
            help="Exemption rule id (default: the exemption the employer's accreditation "
            "makes apply under the decree)."
        ),
    ] = None,
    day: Day = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; file nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """File an exemption claim for every listed employee with an open call-up."""
    try:
        result = employers.reserve(
            engine(ctx),
            path=file,
            employer=employer,
            day=_day(day),
            actor=settings(ctx).actor_name(),
            dry_run=dry_run,
            ground=ground,
        )
    except InputFileError as exc:
        report_input_error(exc, None)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    verb = "would be filed" if dry_run else "filed"
    line = (
        f"{result.employer}: {result.listed} listed; {result.filed} claims {verb}"
        f" on {result.ground or 'no ground'}"
    )
    if not dry_run:
        line += f" ({result.upheld} upheld automatically, {result.pending} pending at a board)"
    line += f"; {result.not_called} not called"
    if result.already_pending:
        line += f"; {result.already_pending} already have a pending claim"
    out.print(escape(line + "."), highlight=False)
