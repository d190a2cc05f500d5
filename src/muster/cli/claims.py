"""``muster claims …``: file a claim, list them, a board's decision, appeal, escalate overdue
claims, and print a decision letter."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from muster.cases import service as cases
from muster.cases.evidence import store_evidence
from muster.cases.schemas import ClaimRead
from muster.cli.common import AsJson, engine, out, settings
from muster.cli.decree import _date
from muster.errors import MusterError

app = typer.Typer(
    help="Claims: filing, automatic verification, boards, appeals, deadlines, letters.",
    no_args_is_help=True,
)

Day = Annotated[str | None, typer.Option("--day", help="The day, YYYY-MM-DD (default today).")]
Reasons = Annotated[str, typer.Option("--reasons", help="Written reasons (required).")]


def _day(value: str | None) -> date:
    return _date(value, "--day") or date.today()


def _show(claim: ClaimRead, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(claim.model_dump(mode="json"), indent=2))
        return
    how = " (verified automatically)" if claim.automatic else ""
    line = (
        f"claim {claim.id}: {claim.kind} on {claim.ground}, {claim.status}{how}, "
        f"tier {claim.tier} ({claim.board})"
    )
    if claim.status == "pending":
        line += f", due by {claim.due_on}"
    if claim.call_up is not None:
        line += f"; call-up {claim.call_up} is {(claim.call_up_status or '').replace('_', ' ')}"
    if claim.replacement is not None:
        line += f"; replacement call-up {claim.replacement} drawn"
    out.print(escape(line), highlight=False)
    if claim.reasons:
        out.print(f"  reasons: {escape(claim.reasons)}", highlight=False)


@app.command("file")
def file_(
    ctx: typer.Context,
    national_id: Annotated[str, typer.Argument(help="The person's national id.")],
    kind: Annotated[str, typer.Option(help="exemption, deferral, wrongful or unfit.")],
    ground: Annotated[
        str,
        typer.Option(
            help="An exemption or deferral rule id of the decree; criteria-not-met (or a "
            "criterion id) for wrongful; unfit for unfit."
        ),
    ],
    filed_by: Annotated[str, typer.Option(help="person, employer or officer.")] = "person",
    filer: Annotated[str | None, typer.Option(help="Who files (default: the actor).")] = None,
    campaign: Annotated[int | None, typer.Option(help="Campaign number.")] = None,
    evidence: Annotated[str | None, typer.Option(help="What the claim rests on.")] = None,
    evidence_file: Annotated[
        Path | None,
        typer.Option(help="A document (PDF, PNG or JPEG, at most 10 MB) to store with it."),
    ] = None,
    day: Day = None,
    as_json: AsJson = False,
) -> None:
    """File a claim: the call-up waits in claim-pending; the registry's proof decides at once."""
    actor = settings(ctx).actor_name()
    if evidence_file is not None:
        if not evidence_file.is_file():
            raise MusterError(f"--evidence-file: {evidence_file}: no such file")
        stored = store_evidence(evidence_file.read_bytes(), filename=evidence_file.name)
        evidence = f"{evidence}; {stored}" if evidence else stored
    claim = cases.file_claim(
        engine(ctx),
        national_id=national_id,
        kind=kind,
        ground=ground,
        filed_by=filed_by,
        filer=filer or actor,
        campaign_id=campaign,
        evidence=evidence,
        today=_day(day),
        actor=actor,
    )
    _show(claim, as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="pending, upheld, rejected or closed.")] = None,
    national_id: Annotated[str | None, typer.Option(help="Only this person's.")] = None,
    campaign: Annotated[int | None, typer.Option(help="Campaign number.")] = None,
    as_json: AsJson = False,
) -> None:
    """Claims, oldest first."""
    rows = cases.list_claims(
        engine(ctx), status=status, national_id=national_id, campaign_id=campaign
    )
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    grid = Table("claim", "person", "kind", "ground", "status", "tier", "board", "due", "missed")
    for r in rows:
        grid.add_row(
            str(r.id),
            r.national_id,
            r.kind,
            r.ground,
            r.status + (" (auto)" if r.automatic else ""),
            str(r.tier),
            r.board,
            str(r.due_on) if r.status == "pending" else "",
            str(r.missed),
        )
    out.print(grid)


@app.command()
def decide(
    ctx: typer.Context,
    claim: Annotated[int, typer.Argument(help="Claim number.")],
    reasons: Reasons,
    uphold: Annotated[bool, typer.Option("--uphold/--reject", help="The decision.")],
    board: Annotated[str, typer.Option(help="The deciding board.")] = "regional board",
    day: Day = None,
    as_json: AsJson = False,
) -> None:
    """A board's decision with written reasons: upheld releases and replaces."""
    done = cases.decide(
        engine(ctx),
        claim_id=claim,
        upheld=uphold,
        reasons=reasons,
        board=board,
        actor=settings(ctx).actor_name(),
        today=_day(day),
    )
    _show(done, as_json)


@app.command()
def appeal(
    ctx: typer.Context,
    claim: Annotated[int, typer.Argument(help="The rejected claim.")],
    reasons: Reasons,
    day: Day = None,
    as_json: AsJson = False,
) -> None:
    """Appeal a rejection to the next board up (within the decree's appeal deadline)."""
    done = cases.appeal(
        engine(ctx),
        claim_id=claim,
        reasons=reasons,
        actor=settings(ctx).actor_name(),
        today=_day(day),
    )
    _show(done, as_json)


@app.command()
def escalate(ctx: typer.Context, day: Day = None, as_json: AsJson = False) -> None:
    """Move every claim whose board missed its deadline one tier up."""
    result = cases.escalate_overdue(engine(ctx), today=_day(day), actor=settings(ctx).actor_name())
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    missed = ", ".join(f"{b}: {n}" for b, n in sorted(result.missed_by_board.items())) or "none"
    out.print(
        f"{result.escalated} claims escalated, {result.at_top} renewed at the national board. "
        f"Deadlines missed: {escape(missed)}.",
        highlight=False,
    )


@app.command()
def letter(
    ctx: typer.Context,
    claim: Annotated[int, typer.Argument(help="Claim number.")],
    output: Annotated[Path | None, typer.Option("--out", help="Write the HTML here.")] = None,
) -> None:
    """The decision letter (HTML): decision, reasons, law, how to appeal and by when."""
    html = cases.letter(engine(ctx), claim_id=claim)
    if output is None:
        typer.echo(html, nl=False)
        return
    output.write_text(html, encoding="utf-8")
    out.print(f"letter for claim {claim} written to {escape(str(output))}", highlight=False)
