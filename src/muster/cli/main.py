"""Entry point: ``muster [--db URL] COMMAND …``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from muster.cli import (
    apportion,
    audit,
    campaign,
    claims,
    corrections,
    decree,
    deferrals,
    demo,
    employers,
    jobs,
    notices,
    registry,
    report,
    screening,
    simulate,
    web,
)
from muster.cli.common import engine, err, out
from muster.config import get_settings
from muster.db.engine import current_revision
from muster.errors import MusterError


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
app.add_typer(campaign.app, name="campaign")
app.add_typer(campaign.lottery_app, name="lottery")
app.add_typer(audit.app, name="audit")
app.add_typer(notices.app, name="notices")
app.add_typer(notices.medical_app, name="medical")
app.add_typer(claims.app, name="claims")
app.add_typer(employers.app, name="employers")
app.add_typer(jobs.app, name="jobs")
app.add_typer(corrections.app, name="corrections")
app.add_typer(deferrals.app, name="deferrals")
app.add_typer(report.app, name="report")
app.command()(screening.screen)
app.command()(screening.explain)
app.command()(apportion.apportion)
app.command()(jobs.worker)
app.command()(web.serve)
app.command()(web.outbox)
app.add_typer(web.users_app, name="users")
app.command()(simulate.simulate)
app.command()(demo.demo)


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


def run() -> None:
    """Console script entry point."""
    app()
