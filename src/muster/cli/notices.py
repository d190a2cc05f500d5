"""``muster notices …`` and ``muster medical …``: issue notices offices can process, record
delivery and reporting, no-shows, the medical board; verify any notice's code."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from muster.cli.common import AsJson, engine, out, progress_bar, settings
from muster.cli.decree import _date
from muster.notices import render
from muster.notices import service as notices
from muster.vocabulary import DELIVERY_OUTCOMES, FITNESS

app = typer.Typer(
    help="Notices: issue within office capacity, delivery, reporting, no-shows, verification.",
    no_args_is_help=True,
)
medical_app = typer.Typer(help="The medical board's findings.", no_args_is_help=True)

Campaign = Annotated[int, typer.Option("--campaign", help="Campaign number.")]
Day = Annotated[str | None, typer.Option("--day", help="The day, YYYY-MM-DD (default today).")]


def _day(value: str | None, option: str = "--day") -> date:
    return _date(value, option) or date.today()


def _overrides(values: list[str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for v in values:
        callup, sep, reason = v.partition("=")
        if not sep or not callup.strip().isdigit() or not reason.strip():
            raise typer.BadParameter(
                f"{v!r} is not CALLUP=REASON (e.g. 42='court order 12/2022')",
                param_hint="--override",
            )
        found[int(callup)] = reason.strip()
    return found


@app.command()
def issue(
    ctx: typer.Context,
    campaign: Campaign,
    day: Day = None,
    region: Annotated[str | None, typer.Option(help="Only this region.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many notices.")] = None,
    override: Annotated[
        list[str] | None,
        typer.Option(
            help="CALLUP=REASON: issue although the person is not eligible that day. The "
            "reason is audited and counted in reports.",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Issue the next batch: each person re-decided on the day, no office over capacity."""
    on = _day(day)
    with progress_bar(not as_json) as bar:
        result = notices.issue(
            engine(ctx),
            campaign_id=campaign,
            day=on,
            region=region,
            limit=limit,
            overrides=_overrides(override or []),
            actor=settings(ctx).actor_name(),
            progress=bar,
        )
    waiting = notices.waiting_count(engine(ctx), campaign_id=campaign)
    if as_json:
        typer.echo(json.dumps({**result.model_dump(mode="json"), "waiting": waiting}, indent=2))
        return
    released = ", ".join(f"{n} {why}" for why, n in sorted(result.released.items())) or "none"
    out.print(
        f"{result.issued:,} notices issued on {on} in {len(result.regions)} regions. "
        f"Released at the eligibility re-check: {released}; replacements drawn: "
        f"{result.replacements}; overrides: {result.overrides}. Still waiting: {waiting:,}."
    )


@app.command()
def backlog(
    ctx: typer.Context,
    campaign: Campaign,
    day: Day = None,
    region: Annotated[str | None, typer.Option(help="Only this region's offices.")] = None,
    as_json: AsJson = False,
) -> None:
    """Per office: waiting call-ups, notices out, today's load, the next free report day."""
    rows = notices.backlog(engine(ctx), campaign_id=campaign, day=_day(day))
    rows = [r for r in rows if region is None or r.region == region]
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    grid = Table(
        "office",
        "region",
        "waiting",
        "issued",
        "delivered",
        "notices today",
        "next free report day",
        "receptions booked",
    )
    for r in rows:
        if not (r.waiting or r.issued or r.delivered or r.notices_today):
            continue
        grid.add_row(
            r.office,
            r.region,
            f"{r.waiting:,}",
            f"{r.issued:,}",
            f"{r.delivered:,}",
            f"{r.notices_today}/{r.notices_per_day}",
            str(r.next_free_report_day or "none within 400 days"),
            f"{r.receptions_booked:,}",
        )
    out.print(grid)


@app.command("list")
def list_(
    ctx: typer.Context,
    campaign: Campaign,
    status: Annotated[str | None, typer.Option(help="issued, delivered or withdrawn.")] = None,
    office: Annotated[str | None, typer.Option(help="Only this office.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    as_json: AsJson = False,
) -> None:
    """Notices of a campaign, oldest first."""
    rows = notices.list_notices(
        engine(ctx), campaign_id=campaign, status=status, office=office, limit=limit
    )
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    grid = Table(
        "number",
        "call-up",
        "national id",
        "office",
        "kind",
        "status",
        "issued",
        "report on",
        "code",
    )
    for r in rows:
        grid.add_row(
            str(r.number),
            str(r.call_up),
            r.national_id,
            r.office,
            r.kind,
            r.status,
            str(r.issued_on),
            str(r.report_on),
            r.code,
        )
    out.print(grid)


@app.command()
def show(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="Notice number.")],
    html: Annotated[Path | None, typer.Option(help="Write the notice as HTML here.")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write the notice as PDF here.")] = None,
    as_json: AsJson = False,
) -> None:
    """One notice: its state, and the document (HTML, PDF) as the person receives it."""
    eng = engine(ctx)
    notice = notices.get_notice(eng, number=number)
    if html or pdf:
        doc = notices.document(eng, number=number)
        for path, data in (
            (html, render.notice_html(doc).encode() if html else b""),
            (pdf, render.notice_pdf(doc) if pdf else b""),
        ):
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    if as_json:
        typer.echo(notice.model_dump_json(indent=2))
        return
    out.print(
        f"Notice {notice.number} ({notice.kind}) to {notice.national_id}: {notice.status}; "
        f"issued {notice.issued_on}, report on {notice.report_on} at {notice.office}; "
        f"code {notice.code}."
    )
    for path in (html, pdf):
        if path is not None:
            out.print(f"Written to {path}.")


@app.command()
def verify(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Argument(help="The code printed on the notice.")] = None,
    document: Annotated[
        Path | None,
        typer.Option(help="A notice file (.html or .pdf): check what it prints against the code."),
    ] = None,
    report_date: Annotated[
        str | None, typer.Option(help="The report date printed on the document.")
    ] = None,
    national_id: Annotated[
        str | None, typer.Option(help="The national id printed on the document.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Is this notice genuine? Forged, altered and withdrawn notices exit 1."""
    printed = render.read_document(document) if document is not None else None
    code = code or (printed.code if printed else None)
    if code is None:
        raise typer.BadParameter(
            "give the code printed on the notice, or --document FILE", param_hint="CODE"
        )
    result = notices.verify(
        engine(ctx),
        code,
        report_on=_date(report_date, "--report-date") or (printed.report_on if printed else None),
        national_id=national_id or (printed.national_id if printed else None),
        issued_on=printed.issued_on if printed else None,
        office=printed.office_code if printed else None,
        number=printed.number if printed else None,
    )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        colour = "green" if result.verdict == "genuine" else "red"
        out.print(f"[bold {colour}]{result.verdict.upper()}[/]: {escape(result.message)}")
    if result.verdict != "genuine":
        raise typer.Exit(1)


@app.command()
def deliver(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="Notice number.")],
    channel: Annotated[str, typer.Option(help="One of: " + ", ".join(DELIVERY_OUTCOMES))],
    outcome: Annotated[
        str,
        typer.Option(help="; ".join(f"{c}: {', '.join(o)}" for c, o in DELIVERY_OUTCOMES.items())),
    ],
    note: Annotated[str | None, typer.Option(help="What happened, in words.")] = None,
) -> None:
    """Record a delivery attempt; the decree says which outcomes count as delivered."""
    result = notices.deliver(
        engine(ctx),
        number=number,
        channel=channel,
        outcome=outcome,
        note=note,
        actor=settings(ctx).actor_name(),
    )
    counted = "counts as delivered" if result.counts_as_delivered else "does not count as delivered"
    out.print(
        f"Notice {number}: {channel} {outcome.replace('_', ' ')} recorded; it {counted} under "
        f"the decree. The call-up is {result.call_up_status.replace('_', ' ')}."
    )


@app.command()
def report(
    ctx: typer.Context,
    callup: Annotated[int, typer.Argument(help="Call-up id.")],
) -> None:
    """Record that the person came to the office."""
    result = notices.report(engine(ctx), callup_id=callup, actor=settings(ctx).actor_name())
    out.print(f"Call-up {result.id} ({result.national_id}) is now {result.status}.")


@app.command("no-shows")
def no_shows(ctx: typer.Context, campaign: Campaign, day: Day = None) -> None:
    """Call-ups past their report day become no-shows with a case note; the next `issue`
    serves each a lawful repeat notice. Nothing else follows."""
    ids = notices.no_shows(
        engine(ctx), campaign_id=campaign, day=_day(day), actor=settings(ctx).actor_name()
    )
    out.print(f"{len(ids):,} no-shows recorded; repeat notices go out with the next batch.")


@app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Retire the notice signing key and start a new one (old notices still verify)."""
    key = notices.rotate_key(engine(ctx), actor=settings(ctx).actor_name())
    out.print(f"New notices are signed with key {key}.")


@medical_app.command()
def examine(
    ctx: typer.Context,
    callup: Annotated[int, typer.Argument(help="Call-up id (the person has reported).")],
    fitness: Annotated[str, typer.Option(help="Fitness category: " + ", ".join(FITNESS))],
    until: Annotated[
        str | None, typer.Option(help="For G (temporarily unfit): until this date.")
    ] = None,
    on: Annotated[str | None, typer.Option(help="Date of the examination (default today).")] = None,
) -> None:
    """Record the board's finding; unfit or temporarily unfit → released and replaced."""
    outcome = notices.examine(
        engine(ctx),
        callup_id=callup,
        fitness=fitness,
        unfit_until=_date(until, "--until"),
        on=_day(on, "--on"),
        actor=settings(ctx).actor_name(),
    )
    if outcome == "fit":
        out.print(f"Call-up {callup}: fitness {fitness}; fit for service, ready to enlist.")
    else:
        out.print(
            f"Call-up {callup}: fitness {fitness}; released ({outcome}) and replaced from the "
            "lottery order."
        )
