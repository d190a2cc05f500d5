"""Entry point: ``muster [--db URL] COMMAND …``."""

from __future__ import annotations

from pathlib import Path
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
    employers,
    jobs,
    notices,
    registry,
    report,
    screening,
)
from muster.cli.common import engine, err, out, settings
from muster.config import get_settings
from muster.db.engine import current_revision
from muster.errors import MusterError
from muster.notices import service as notices_service
from muster.quotas import service as quotas_service
from muster.registry import service as registry_service
from muster.screening import service as screening_service


class MusterGroup(TyperGroup):
    """Turns a ``MusterError`` from any command into one clear line on stderr and exit 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MusterError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
            raise typer.Exit(1) from None


SAMPLE_DECREE = Path(__file__).resolve().parents[3] / "decrees" / "partial-mobilization-2022.yaml"
DEMO_AS_OF = "2022-10-10"
DEMO_ISSUE_DAY = "2022-10-11"

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
    """The main job on the embedded database: a synthetic registry screened against the 2022
    decree and its amendments, with one decision explained."""
    registry.generate(
        ctx, persons=persons, seed=seed, regions=85, reference_date="2022-09-21", replace=True
    )
    registry.stats(ctx, as_json=False)
    eng = engine(ctx)
    if not SAMPLE_DECREE.is_file():
        raise MusterError(
            f"the sample decree {SAMPLE_DECREE} is missing; run the demo from a "
            "checkout of the repository (pip install -e .)"
        )
    decree = screening_service.load_decree(eng, SAMPLE_DECREE, actor=settings(ctx).actor_name())
    out.print(f"Loaded decree {decree.decree} (versions 1-5) from {SAMPLE_DECREE}.")
    screening.screen(ctx, decree=decree.decree, as_of=DEMO_AS_OF, changed_only=False, as_json=False)
    sample = screening_service.sample_person(eng, decree_id=decree.decree, decision="eligible")
    if sample:
        screening.explain(
            ctx, national_id=sample, decree=decree.decree, as_of=DEMO_AS_OF, as_json=False
        )
    pool = sum(screening_service.pool_by_region(eng, decree_id=decree.decree).values())
    target = max(1, min(300_000, pool // 10))
    out.print(f"\nA campaign for {target:,} call-ups (a tenth of the eligible pool):")
    campaign.open_(ctx, decree=decree.decree, target=target, method=None, days=None, as_json=False)
    opened = quotas_service.list_campaigns(eng)[-1].id
    campaign.commit(ctx, campaign=opened, as_json=False)
    record = Path("demo-out") / f"draw-campaign-{opened}.json"
    campaign.draw(ctx, campaign=opened, record=record, as_json=False)
    campaign.verify(record=record, as_json=False)
    out.print("\nThe first day's notices, each person re-decided on the day:")
    notices.issue(
        ctx,
        campaign=opened,
        day=DEMO_ISSUE_DAY,
        region=None,
        limit=None,
        override=None,
        as_json=False,
    )
    first = notices_service.list_notices(eng, campaign_id=opened, limit=1)
    if first:
        notices.verify(ctx, code=first[0].code, report_date=None, national_id=None, as_json=False)
    count = registry_service.count_persons(eng)
    out.print(
        f"Done: {count:,} persons screened into {eng.url.render_as_string()}, campaign "
        f"{opened} drawn, its first notices issued. Next: `muster explain NATIONAL_ID --as-of "
        f"{DEMO_AS_OF}`, `muster notices backlog --campaign {opened} --day {DEMO_ISSUE_DAY}`, "
        f"`muster campaign fulfilment {opened}`, `muster decree diff "
        "partial-mobilization-2022@1 partial-mobilization-2022@4`."
    )


def run() -> None:
    """Console script entry point."""
    app()
