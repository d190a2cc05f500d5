"""``muster demo``: the main job on the embedded database, start to finish.

A synthetic registry; the 2022 decree and its amendments; a campaign opened on the original
decree with the target scaled to the registry; its lottery committed, drawn and verified;
two weeks of notices, deliveries, reporting, the medical board, claims and the boards'
decisions, with a corrections run on each day an amendment takes effect; then the oversight
report, with the simulator's comparison against the opaque baseline, written to disk."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine, select

from muster.cases import corrections as corrections_service
from muster.cases import service as cases
from muster.cli import campaign, registry, screening, web
from muster.cli.common import engine, out, progress_bar, settings
from muster.cli.report import print_fairness
from muster.errors import MusterError
from muster.notices import service as notices
from muster.oversight import report as writer
from muster.oversight import responses
from muster.oversight import service as oversight
from muster.oversight.scenario import scaled_target
from muster.quotas import service as quotas
from muster.registry.models import Employer
from muster.screening import service as screening_service
from muster.selection import service as selection

SAMPLE_DECREE = Path(__file__).resolve().parents[3] / "decrees" / "partial-mobilization-2022.yaml"
START = date(2022, 9, 21)  # the decree's first day: the campaign rests on the original version
FIRST_NOTICES = date(2022, 9, 22)
LAST_DAY = date(2022, 10, 6)  # the last amendment in force, two weeks of responses
SIMULATED_DAYS = 60
OUT = Path("demo-out")


def demo(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(help="Size of the synthetic registry.")] = 200_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = OUT,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web app at the end.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address the web app listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the web app listens on.")] = 8000,
) -> None:
    """The main job on the embedded database: a synthetic registry, the 2022 decree and its
    amendments, a whole campaign with simulated responses, claims and corrections, and the
    oversight report written to disk."""
    clock = time.perf_counter()
    registry.generate(
        ctx,
        persons=persons,
        seed=seed,
        regions=85,
        reference_date=START.isoformat(),
        replace=True,
    )
    registry.stats(ctx, as_json=False)
    eng = engine(ctx)
    actor = settings(ctx).actor_name()
    if not SAMPLE_DECREE.is_file():
        raise MusterError(
            f"the sample decree {SAMPLE_DECREE} is missing; run the demo from a "
            "checkout of the repository (pip install -e .)"
        )
    decree = screening_service.load_decree(eng, SAMPLE_DECREE, actor=actor)
    out.print(f"Loaded decree {decree.decree} (versions 1-5) from {SAMPLE_DECREE}.")
    screening.screen(
        ctx, decree=decree.decree, as_of=START.isoformat(), changed_only=False, as_json=False
    )
    sample = screening_service.sample_person(eng, decree_id=decree.decree, decision="eligible")
    if sample:
        screening.explain(
            ctx, national_id=sample, decree=decree.decree, as_of=START.isoformat(), as_json=False
        )
    stored = screening_service.stored_decree(eng, decree.decree)
    target = scaled_target(stored, persons)
    out.print(
        f"\nA campaign for {target:,} call-ups (the decree's 300,000 for 30 million, scaled to "
        f"{persons:,}):"
    )
    campaign.open_(ctx, decree=decree.decree, target=target, method=None, days=None, as_json=False)
    opened = quotas.list_campaigns(eng)[-1].id
    campaign.commit(ctx, campaign=opened, as_json=False)
    record = out_dir / f"draw-campaign-{opened}.json"
    campaign.draw(ctx, campaign=opened, record=record, as_json=False)
    campaign.verify(record=record, as_json=False)
    setup = time.perf_counter() - clock
    out.print(f"\nThe campaign from {FIRST_NOTICES} to {LAST_DAY}:")
    days = _run_days(eng, campaign_id=opened, actor=actor, seed=seed)
    out.print(days)
    with progress_bar() as progress:
        simulation = oversight.simulation(
            None,
            decree=str(SAMPLE_DECREE),
            persons=persons,
            days=SIMULATED_DAYS,
            seed=seed,
            progress=progress,
        )
    report = oversight.overview(eng, campaign_id=opened, today=LAST_DAY)
    files = writer.write(out_dir, report=report, simulation=simulation)
    print_fairness(report)
    published, opaque = simulation.scenarios[0], simulation.scenarios[1]
    out.print(
        f"Simulated against the opaque baseline ({SIMULATED_DAYS} days): Gini of burden "
        f"across regions {published.regions.gini:.3f} (published formula) against "
        f"{opaque.regions.gini:.3f} (opaque); rural / urban {published.rural_over_urban} "
        f"against {opaque.rural_over_urban}; peak office load {published.peak_load:.2f} "
        f"against {opaque.peak_load:.2f}."
    )
    out.print(
        f"Done in {time.perf_counter() - clock:.0f} s (registry to draw {setup:.0f} s): "
        f"{persons:,} persons in {eng.url.render_as_string()}, campaign {opened} run to "
        f"{LAST_DAY}. The report: {files.html.resolve()} (open it in a browser), {files.pdf}, "
        f"{files.xlsx}. Next: `muster report errors`, `muster campaign fulfilment {opened}`, "
        f"`muster audit verify`, `muster simulate --decree {SAMPLE_DECREE.name} --compare "
        "opaque --compare webster`."
    )
    _web(ctx, eng, campaign_id=opened, serve=serve, host=host, port=port)


def _web(
    ctx: typer.Context, eng: Engine, *, campaign_id: int, serve: bool, host: str, port: int
) -> None:
    """Demo accounts, a citizen to sign in as, then the web app on the campaign's last day."""
    called = selection.list_callups(eng, campaign_id=campaign_id, status="notified", limit=1)
    called = called or selection.list_callups(eng, campaign_id=campaign_id, limit=1)
    region = called[0].region if called else "R01"
    with eng.connect() as conn:
        employer = conn.scalar(select(Employer.code).order_by(Employer.code).limit(1))
    web.demo_accounts(ctx, region=region, employer=employer)
    if called:
        out.print(
            f"A called-up citizen: {called[0].national_id} (region {region}). Sign in at "
            f"http://{host}:{port}/citizen/sign-in; the code: `muster outbox --national-id "
            f"{called[0].national_id}`."
        )
    if serve:
        out.print(f"The web app's date is {LAST_DAY}, the campaign's last day in the demo.")
        web.serve(ctx, host=host, port=port, workers=1, today=LAST_DAY.isoformat())


COLUMNS = (
    "notices issued",
    "notices handed over",
    "reported",
    "enlisted",
    "released by the medical board",
    "claims filed",
    "claims upheld",
    "released by corrections",
)


def _run_days(eng: Engine, *, campaign_id: int, actor: str, seed: int) -> Table:
    """Each day: responses, no-shows, corrections on an amendment's first day, escalation of
    overdue claims, then the day's notices (first, repeat and replacement) in the regions
    that have someone waiting for one."""
    decree = screening_service.stored_decree(eng, quotas.get(eng, campaign_id=campaign_id).decree)
    amendments = {v.effective_from for v in decree.versions[1:]}
    table = Table(
        "day",
        "decree",
        *(c.removeprefix("notices ").removeprefix("released ") for c in COLUMNS),
        title="The campaign day by day",
        title_justify="left",
    )
    day = FIRST_NOTICES
    with progress_bar() as progress:
        while day <= LAST_DAY:
            version = decree.in_force(day)
            counts: dict[str, int] = {}
            if day > FIRST_NOTICES:
                answered = responses.respond(
                    eng, campaign_id=campaign_id, day=day, actor=actor, seed=seed, progress=progress
                )
                counts.update(answered.counts)
                notices.no_shows(eng, campaign_id=campaign_id, day=day, actor=actor)
                cases.escalate_overdue(eng, today=day, actor=actor)
            if day in amendments:
                fixed = corrections_service.run(eng, as_of=day, actor=actor, progress=progress)
                counts["released by corrections"] = fixed.released
            if not version.ends_call_up:
                waiting = {
                    c.region
                    for state in ("selected", "no_show")
                    for c in selection.list_callups(eng, campaign_id=campaign_id, status=state)
                }
                for region in sorted(waiting):
                    issued = notices.issue(
                        eng, campaign_id=campaign_id, day=day, actor=actor, region=region
                    )
                    counts["notices issued"] = counts.get("notices issued", 0) + issued.issued
            table.add_row(
                day.isoformat(),
                f"@{version.number}" + (" (amended)" if day in amendments else ""),
                *(f"{counts[c]:,}" if counts.get(c) else "" for c in COLUMNS),
            )
            day += timedelta(days=1)
    return table
