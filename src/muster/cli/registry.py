"""``muster registry …``: generate, import, export, stats, history."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from muster.cli.common import engine, err, out, progress_bar, report_input_error, settings
from muster.errors import InputFileError
from muster.notices import service as notices
from muster.registry import service as registry
from muster.registry.schemas import Stats, TableName
from muster.screening import service as screening
from muster.selection import service as selection

app = typer.Typer(help="The registry of persons liable for service.", no_args_is_help=True)

TableOpt = Annotated[
    str,
    typer.Option(
        "--table", help="Which table the file holds: persons, regions, employers, offices."
    ),
]


def _table(name: str) -> TableName:
    if name not in ("persons", "regions", "employers", "offices"):
        raise typer.BadParameter(
            f"{name!r} is not a table (expected persons, regions, employers or offices)",
            param_hint="--table",
        )
    return name  # type: ignore[return-value]


@app.command()
def generate(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(help="How many persons to generate.")] = 200_000,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same registry.")
    ] = 1,
    regions: Annotated[int, typer.Option(help="Number of regions (1-99).")] = 85,
    reference_date: Annotated[
        str, typer.Option(help="Date ages and dates are drawn around (YYYY-MM-DD).")
    ] = "2022-09-21",
    replace: Annotated[bool, typer.Option(help="Discard an existing registry first.")] = False,
) -> None:
    """Generate a synthetic population (deterministic by seed), streaming in chunks."""
    try:
        reference = date.fromisoformat(reference_date)
    except ValueError:
        raise typer.BadParameter(
            f"{reference_date!r} is not a date YYYY-MM-DD", param_hint="--reference-date"
        ) from None
    eng = engine(ctx)
    if replace:  # campaigns and decisions describe the persons about to be replaced
        notices.forget(eng)
        selection.forget_campaigns(eng)
        screening.forget_decisions(eng)
    with progress_bar() as bar:
        result = registry.generate(
            eng,
            persons=persons,
            seed=seed,
            regions=regions,
            reference=reference,
            actor=settings(ctx).actor_name(),
            replace=replace,
            progress=bar,
        )
    out.print(
        f"Generated {result.persons:,} persons in {result.regions} regions, "
        f"{result.offices:,} offices and {result.employers:,} employers (seed {seed})."
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .csv, .parquet or .xlsx file.")],
    table: TableOpt = "persons",
    dry_run: Annotated[bool, typer.Option(help="Check and count; change nothing.")] = False,
    errors_out: Annotated[
        Path | None, typer.Option(help="Write every problem found to this file.")
    ] = None,
) -> None:
    """Import a file all-or-nothing; rows with a known key are corrections (kept in history)."""
    eng = engine(ctx)
    try:
        with progress_bar() as bar:
            result = registry.import_file(
                eng,
                file,
                table=_table(table),
                dry_run=dry_run,
                actor=settings(ctx).actor_name(),
                progress=bar,
            )
    except InputFileError as exc:
        report_input_error(exc, errors_out)
        raise typer.Exit(1) from None
    verb = "Would import" if dry_run else "Imported"
    out.print(
        f"{verb} {result.rows:,} {table} rows from {file}: {result.inserted:,} new, "
        f"{result.updated:,} corrected, {result.unchanged:,} unchanged."
    )


@app.command()
def export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Target .csv, .parquet or .xlsx file.")],
    table: TableOpt = "persons",
) -> None:
    """Export a table; the format follows the extension. Re-importable as it is."""
    eng = engine(ctx)
    with progress_bar() as bar:
        rows = registry.export_file(eng, file, table=_table(table), progress=bar)
    out.print(f"Exported {rows:,} {table} rows to {file}.")


def _stats_table(title: str, counts: dict[str, int], total: int) -> Table:
    t = Table(title=title, title_justify="left")
    t.add_column(title.split(" ")[-1])
    t.add_column("persons", justify="right")
    t.add_column("share", justify="right")
    for key, value in counts.items():
        t.add_row(key, f"{value:,}", f"{value / total:.1%}" if total else "-")
    return t


@app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts by region, rank group, fitness, sector and status."""
    result: Stats = registry.stats(engine(ctx))
    if as_json:
        typer.echo(json.dumps(result.model_dump(), indent=2))
        return
    out.print(f"[bold]{result.persons:,}[/] persons in the registry")
    for title, counts in (
        ("by rank group", result.by_rank_group),
        ("by fitness", result.by_fitness),
        ("by sector", result.by_sector),
        ("by status", result.by_status),
        ("by region", result.by_region),
    ):
        out.print(_stats_table(f"Persons {title}", counts, result.persons))


@app.command()
def history(
    ctx: typer.Context,
    national_id: Annotated[str, typer.Argument(help="The person's national id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every correction to one person: when, who, from which file, old → new."""
    changes = registry.history(engine(ctx), national_id)
    if as_json:
        typer.echo(json.dumps([c.model_dump() for c in changes], indent=2))
        return
    if not changes:
        err.print(f"No corrections recorded for {national_id}.")
        return
    t = Table("when", "who", "source", "field", "was", "now")
    for c in changes:
        for field, (old, new) in c.changes.items():
            t.add_row(c.changed_at, c.actor, c.source, field, old or "", new or "")
    out.print(t)
