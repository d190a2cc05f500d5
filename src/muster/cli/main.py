"""Entry point: ``muster [--db URL] COMMAND …``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from muster.cli import decree, registry, screening
from muster.cli.common import engine, err, out
from muster.config import get_settings
from muster.db.engine import current_revision
from muster.errors import MusterError
from muster.registry import service as registry_service


class MusterGroup(TyperGroup):
    """Turns a ``MusterError`` from any command into one clear line on stderr and exit 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MusterError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=MusterGroup,
    help="Muster administers a partial mobilization under the rule of law.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(registry.app, name="registry")
app.add_typer(decree.app, name="decree")
app.command()(screening.screen)
app.command()(screening.explain)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: $MUSTER_DB or sqlite:///muster.db). "
            "PostgreSQL: postgresql://user@host/dbname.",
        ),
    ] = None,
) -> None:
    ctx.obj = get_settings(db=db)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database or bring its schema up to date (any command also does this)."""
    eng = engine(ctx)
    out.print(f"Database {eng.url.render_as_string()} is at schema {current_revision(eng)}.")


@app.command()
def demo(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(help="Size of the synthetic registry.")] = 200_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
) -> None:
    """The main job on the embedded database: a synthetic registry and its statistics."""
    registry.generate(
        ctx, persons=persons, seed=seed, regions=85, reference_date="2022-09-21", replace=True
    )
    registry.stats(ctx, as_json=False)
    count = registry_service.count_persons(engine(ctx))
    out.print(f"Registry ready: {count:,} persons. Try `muster registry export persons.csv`.")


def run() -> None:
    """Console script entry point."""
    app()
