"""``muster decree …``: check, load, list, diff decrees and measure an amendment's impact."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from muster.cli.common import engine, err, out, progress_bar, settings
from muster.errors import MusterError
from muster.policy import decree as policy
from muster.screening import service as screening

app = typer.Typer(
    help="Decrees: rule files with versions, checked before use.", no_args_is_help=True
)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="A decree file (.yaml or .toml).")],
) -> None:
    """Check a decree file: every problem as FILE:LINE:COL, exit 1 if any is an error."""
    if not file.is_file():
        raise MusterError(f"{file}: no such file")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MusterError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    decree, problems = policy.check_text(text, str(file))
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    if decree is None:
        errors = sum(1 for p in problems if not p.warning)
        err.print(f"[bold red]error:[/] {file}: {errors} error(s)", highlight=False)
        raise typer.Exit(1)
    out.print(
        f"{file}: decree {decree.id}, {len(decree.versions)} version(s), OK"
        + (f" with {len(problems)} warning(s)" if problems else "")
    )
    for v in decree.versions:
        kinds = {
            k: sum(1 for r in v.rules if r.kind == k)
            for k in ("criterion", "exemption", "deferral", "exception")
        }
        out.print(
            f"  version {v.number} from {v.effective_from}: target {v.target:,}; "
            f"{kinds['criterion']} criteria, {kinds['exemption']} exemptions, "
            f"{kinds['deferral']} deferrals, {kinds['exception']} exceptions — {v.note}"
        )


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=option) from None


@app.command()
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A decree file (.yaml or .toml).")],
) -> None:
    """Check and store a decree; versions already in force cannot change."""
    result = screening.load_decree(engine(ctx), file, actor=settings(ctx).actor_name())
    out.print(
        f"Loaded decree {result.decree}: versions added {result.versions_added or '-'}, "
        f"unchanged {result.versions_unchanged or '-'}, "
        f"replaced (not yet in force) {result.versions_replaced or '-'}."
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Stored decrees and their versions."""
    rows = screening.list_versions(engine(ctx))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    table = Table("decree", "version", "effective from", "target", "in force", "title")
    for r in rows:
        table.add_row(
            r.decree,
            str(r.number),
            str(r.effective_from),
            f"{r.target:,}",
            "yes" if r.in_force else "not yet",
            r.title,
        )
    out.print(table)


@app.command("diff")
def diff_(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="DECREE@N, e.g. partial-mobilization-2022@1")],
    new: Annotated[str, typer.Argument(help="DECREE@N")],
) -> None:
    """What changed between two stored versions."""
    changes = screening.diff_versions(engine(ctx), old, new)
    if not changes:
        out.print(f"No differences between {old} and {new}.")
    for change in changes:
        out.print(str(change), markup=False, highlight=False)


@app.command()
def impact(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A decree file, not yet loaded.")],
    as_of: Annotated[str | None, typer.Option(help="Date to compare on (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Dry run: who would change decision, per region and ground, against the version in force."""
    with progress_bar() as bar:
        result = screening.impact(engine(ctx), file, as_of=_date(as_of, "--as-of"), progress=bar)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    out.print(
        f"{result.after} against {result.before} on {result.as_of}: "
        f"{result.changed:,} of {result.persons:,} persons change decision."
    )
    for title, counts in (
        ("change", result.transitions),
        ("region", result.by_region),
        ("new ground", result.by_ground),
    ):
        if counts:
            table = Table(title, "persons", title=f"By {title}", title_justify="left")
            for key, n in counts.items():
                table.add_row(key, f"{n:,}")
            out.print(table)
