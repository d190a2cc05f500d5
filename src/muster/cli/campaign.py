"""``muster campaign …`` and ``muster lottery verify``: quotas, the lottery, fulfilment."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from muster.cli.common import AsJson, engine, err, out, progress_bar, settings
from muster.cli.decree import _date
from muster.errors import MusterError
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.selection import lifecycle, lottery
from muster.selection import service as selection

app = typer.Typer(help="Campaigns: published quotas, the verifiable lottery, fulfilment.")
lottery_app = typer.Typer(help="Check a published draw record.")

CampaignId = Annotated[int, typer.Argument(help="Campaign number (see `muster campaign list`).")]


@app.command("open")
def open_(
    ctx: typer.Context,
    decree: Annotated[str, typer.Option(help="Decree id; its latest screen gives the pool.")],
    target: Annotated[
        int | None, typer.Option(help="National target (default: the decree version's).")
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(help="Apportionment method (default: the decree's, else huntington-hill)."),
    ] = None,
    days: Annotated[
        int | None, typer.Option(help="Planned length in days; caps quotas by office capacity.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Open a campaign: share the target among regions by the published formula."""
    campaign = quotas.open_campaign(
        engine(ctx),
        decree_id=decree,
        target=target,
        method=method,
        days=days,
        actor=settings(ctx).actor_name(),
    )
    if as_json:
        typer.echo(campaign.model_dump_json(indent=2))
        return
    out.print(
        f"Campaign {campaign.id} opened under {campaign.decree}@{campaign.version}: target "
        f"{campaign.target:,}, {campaign.method}, {campaign.planned_days} days, status planned."
    )
    _print_quotas(ctx, campaign.id)
    out.print(f"Next: `muster campaign commit {campaign.id}` publishes the commitment to the seed.")


def _print_quotas(ctx: typer.Context, campaign_id: int) -> None:
    table = quotas.quota_table(engine(ctx), campaign_id=campaign_id)
    out.print(f"Formula: {table.formula}", markup=False)
    for tie in table.ties:
        err.print(f"tie: {tie}", markup=False)
    grid = Table("region", "name", "eligible pool", "cap", "quota", "status")
    for r in table.regions:
        grid.add_row(r.region, r.name, f"{r.pool:,}", f"{r.cap:,}", f"{r.quota:,}", r.status)
    out.print(grid)


@app.command("list")
def list_(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every campaign with its decree, target and status."""
    rows = quotas.list_campaigns(engine(ctx))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    grid = Table("id", "decree", "target", "method", "status", "opened", "closed by")
    for r in rows:
        grid.add_row(
            str(r.id),
            f"{r.decree}@{r.version}",
            f"{r.target:,}",
            r.method,
            r.status.replace("_", " "),
            r.opened_at.strftime("%Y-%m-%d %H:%M"),
            r.closed_by or "",
        )
    out.print(grid)


@app.command("quotas")
def quotas_(
    ctx: typer.Context,
    campaign: CampaignId,
    as_json: AsJson = False,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Also write the table as CSV to this file.")
    ] = None,
) -> None:
    """The published quota table: formula, inputs (pool, cap) and result per region."""
    table = quotas.quota_table(engine(ctx), campaign_id=campaign)
    if csv_out is not None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["region", "name", "eligible_pool", "capacity", "cap", "quota", "status"])
        for r in table.regions:
            writer.writerow([r.region, r.name, r.pool, r.capacity, r.cap, r.quota, r.status])
        csv_out.write_text(buffer.getvalue(), encoding="utf-8")
        err.print(f"Wrote {csv_out}.")
    if as_json:
        typer.echo(table.model_dump_json(indent=2))
    else:
        _print_quotas(ctx, campaign)


@app.command()
def commit(ctx: typer.Context, campaign: CampaignId, as_json: AsJson = False) -> None:
    """Freeze each region's pool and publish the SHA-256 commitment to a secret seed."""
    with progress_bar() as bar:
        result = selection.commit(
            engine(ctx), campaign_id=campaign, actor=settings(ctx).actor_name(), progress=bar
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    out.print(
        f"Campaign {campaign}: {result.pool:,} eligible persons in {len(result.regions)} "
        "regional pools, frozen."
    )
    out.print(f"Commitment (SHA-256 of the seed): {result.commitment}")
    out.print(f"Pool hash: {result.pool_sha256}")
    out.print(f"Publish both now; then `muster campaign draw {campaign}` reveals the seed.")


@app.command()
def draw(
    ctx: typer.Context,
    campaign: CampaignId,
    record: Annotated[
        Path | None, typer.Option(help="Also write the published draw record (JSON) here.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Reveal the seed, order each region's pool, select up to the quota, audit the order."""
    eng = engine(ctx)
    with progress_bar() as bar:
        result = selection.draw(
            eng, campaign_id=campaign, actor=settings(ctx).actor_name(), progress=bar
        )
        if record is not None:
            selection.write_record(eng, campaign_id=campaign, path=record, progress=bar)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    out.print(
        f"Campaign {campaign} drawn in {result.seconds:.1f} s: {result.selected:,} selected, "
        f"{result.skipped:,} skipped (no longer eligible). Seed: {result.seed}"
    )
    for key, audit in result.audit.items():
        out.print(
            f"Randomness audit against {key.replace('_', ' ')}: {audit['verdict']} "
            f"(p = {audit['p_value']:.3g}, n = {audit['n']:,})."
        )
    if record is not None:
        out.print(
            f"Draw record written to {record}; anyone can run `muster lottery verify {record}`."
        )


@app.command()
def record(
    ctx: typer.Context,
    campaign: CampaignId,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the record (JSON).")],
) -> None:
    """Write the published draw record (and its order file) for anyone to verify."""
    with progress_bar() as bar:
        rec = selection.write_record(engine(ctx), campaign_id=campaign, path=out_file, progress=bar)
    out.print(
        f"Wrote {out_file} and {rec['order_file']} ({sum(r['size'] for r in rec['regions']):,}"
        " pseudonyms in lottery order)."
    )


@app.command()
def fulfilment(ctx: typer.Context, campaign: CampaignId, as_json: AsJson = False) -> None:
    """Per region: quota, call-ups in each state, and what is left of the lottery order."""
    rows = selection.fulfilment(engine(ctx), campaign_id=campaign)
    if as_json:
        typer.echo(json.dumps([r.model_dump() for r in rows], indent=2))
        return
    shown = ("selected", "notified", "reported", "enlisted", "released")
    grid = Table("region", "quota", *shown, "active", "status", "order left")
    for r in rows:
        grid.add_row(
            r.region,
            f"{r.quota:,}",
            *(f"{r.by_state[s]:,}" for s in shown),
            f"{r.active:,}",
            r.status,
            f"{r.order_left:,}",
        )
    out.print(grid)


@app.command()
def callups(
    ctx: typer.Context,
    campaign: CampaignId,
    region: Annotated[str | None, typer.Option(help="Only this region.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    as_json: AsJson = False,
) -> None:
    """The call-ups of a campaign, in the order they were made."""
    if status is not None and status not in lifecycle.STATES:
        raise MusterError(
            f"--status: {status!r} is not a state; states: " + ", ".join(lifecycle.STATES)
        )
    rows = selection.list_callups(
        engine(ctx), campaign_id=campaign, region=region, status=status, limit=limit
    )
    if as_json:
        typer.echo(json.dumps([r.model_dump() for r in rows], indent=2))
        return
    grid = Table("id", "national id", "region", "position", "priority", "status", "replaces")
    for r in rows:
        grid.add_row(
            str(r.id),
            r.national_id,
            r.region,
            str(r.position),
            str(r.priority),
            r.status + (f" ({r.reason})" if r.reason else ""),
            str(r.replaces or ""),
        )
    out.print(grid)


@app.command()
def move(
    ctx: typer.Context,
    callup: Annotated[int, typer.Argument(help="Call-up id (see `muster campaign callups`).")],
    to: Annotated[str, typer.Option(help="New state: " + ", ".join(lifecycle.STATES))],
    reason: Annotated[
        str | None,
        typer.Option(help="Release reason: " + ", ".join(lifecycle.RELEASE_REASONS)),
    ] = None,
) -> None:
    """Move a call-up along its lifecycle; a release withdraws its notices and draws the
    next person in the order."""
    result = notices.move(
        engine(ctx), callup_id=callup, to=to, reason=reason, actor=settings(ctx).actor_name()
    )
    out.print(f"Call-up {result.id} ({result.national_id}) is now {result.status}.")


@app.command()
def close(
    ctx: typer.Context,
    campaign: CampaignId,
    by: Annotated[str, typer.Option(help="The decree version that ends the call-up, DECREE@N.")],
    today: Annotated[str | None, typer.Option(help="Date of closing (default today).")] = None,
) -> None:
    """Close a campaign by a decree action; afterwards nothing can be issued under it."""
    result = quotas.close(
        engine(ctx),
        campaign_id=campaign,
        by=by,
        today=_date(today, "--today"),
        actor=settings(ctx).actor_name(),
    )
    out.print(f"Campaign {result.id} closed by {result.closed_by}.")


@lottery_app.command()
def verify(
    record: Annotated[Path, typer.Argument(help="A draw record (JSON) and its order file.")],
    as_json: AsJson = False,
) -> None:
    """Recompute a draw from its record: same seed, same pool, same order — or say where not."""
    rec, persons, problems = lottery.verify_record(record)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "record": str(record),
                    "campaign": rec.get("campaign"),
                    "persons": persons,
                    "ok": not problems,
                    "problems": problems,
                },
                indent=2,
            )
        )
    elif problems:
        for p in problems:
            err.print(f"[bold red]mismatch:[/] {p}")
    else:
        out.print(
            f"Verified: the seed matches the commitment {rec['commitment'][:16]}…, and the "
            f"order of {persons:,} pseudonyms in {len(rec['regions'])} regions is exactly the "
            "one the seed gives over the committed pools."
        )
    if problems:
        raise typer.Exit(1)
