"""``muster deferrals renew``: deferrals whose end date has come renew while their ground
holds, and expire otherwise; ``held`` and ``review``: a board's deferrals held until reviewed,
and its review of one."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from muster.cases import service as cases
from muster.cli.common import AsJson, engine, out, settings
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


@app.command()
def held(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Upheld deferral claims in force, those held until reviewed first (the registry gave no
    end), then by their end date: what a board has to review."""
    rows = [
        c
        for c in cases.list_claims(engine(ctx), status="upheld")
        if c.kind == "deferral" and c.deferral_ended_on is None
    ]
    rows.sort(key=lambda c: (c.deferred_until is not None, c.deferred_until or date.min, c.id))
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    grid = Table(
        "claim", "person", "ground", "decided", "by", "deferred until", title_justify="left"
    )
    for r in rows:
        grid.add_row(
            str(r.id),
            r.national_id,
            r.ground,
            str(r.decided_on or ""),
            r.decided_by or "",
            str(r.deferred_until) if r.deferred_until else "review",
        )
    out.print(grid)
    waiting = sum(1 for r in rows if r.deferred_until is None)
    out.print(f"{len(rows):,} deferrals in force, {waiting:,} held until reviewed.")


@app.command()
def review(
    ctx: typer.Context,
    claim: Annotated[int, typer.Argument(help="The upheld deferral claim's number.")],
    as_of: Annotated[str | None, typer.Option(help="The day, YYYY-MM-DD (default today).")] = None,
    as_json: AsJson = False,
) -> None:
    """A board reviews a deferral it granted: kept while its ground still holds (with the end
    the registry now gives, or again until reviewed), else ended that day."""
    e = cases.review(
        engine(ctx),
        claim_id=claim,
        as_of=_date(as_of, "--as-of") or date.today(),
        actor=settings(ctx).actor_name(),
    )
    if as_json:
        typer.echo(e.model_dump_json(indent=2))
        return
    if e.outcome == "renewed":
        end = f"until {e.until}" if e.until else "until reviewed again"
        out.print(f"Claim {claim}: {e.ground} still holds; {e.national_id} stays deferred {end}.")
    else:
        out.print(
            f"Claim {claim}: no deferral ground holds; the deferral ended and "
            f"{e.national_id} is {e.decision}" + (f" ({e.ground})." if e.ground else "."),
            highlight=False,
        )
