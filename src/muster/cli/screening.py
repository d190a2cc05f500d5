"""``muster screen`` and ``muster explain``: decisions for everyone, and the reasons for one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.cli.common import engine, out, progress_bar, settings
from muster.cli.decree import _date
from muster.policy.schemas import Explanation
from muster.screening import service as screening

WORDS = {
    "eligible": "may be called up",
    "deferred": "is deferred",
    "exempt": "is exempt",
    "ineligible": "may not be called up",
}


def screen(
    ctx: typer.Context,
    decree: Annotated[str | None, typer.Option(help="Decree id (default: the only one).")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Decision date YYYY-MM-DD (default today).")
    ] = None,
    changed_only: Annotated[
        bool,
        typer.Option(
            help="Decide again only persons a registry change, an amendment or the new date "
            "can move since the last screen; carry the rest over."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Screen the registry against the decree in force; store every decision."""
    with progress_bar() as bar:
        result = screening.screen(
            engine(ctx),
            decree_id=decree,
            as_of=_date(as_of, "--as-of"),
            changed_only=changed_only,
            actor=settings(ctx).actor_name(),
            progress=bar,
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    kind = "changed persons" if result.incremental else "persons"
    out.print(
        f"Screened {result.persons:,} {kind} against {result.decree}@{result.version} "
        f"as of {result.as_of} in {result.seconds:.1f} s."
    )
    table = Table("decision", "persons", title="By decision", title_justify="left")
    for key, n in result.by_decision.items():
        table.add_row(key, f"{n:,}")
    out.print(table)
    table = Table("ground", "persons", title="By decisive ground", title_justify="left")
    for key, n in sorted(result.by_ground.items(), key=lambda kv: -kv[1]):
        table.add_row(key, f"{n:,}")
    out.print(table)
    decisions = sorted({d for counts in result.by_region.values() for d in counts})
    table = Table("region", *decisions, title="By region", title_justify="left")
    for region, counts in sorted(result.by_region.items()):
        table.add_row(region, *(f"{counts.get(d, 0):,}" for d in decisions))
    out.print(table)


def render(e: Explanation, national_id: str) -> None:
    """The explanation in words: decision, decisive ground, other grounds, inputs, parameters."""
    until = (
        f" until {e.until}" if e.until else (" until reviewed" if e.decision == "deferred" else "")
    )
    out.print(f"[bold]{national_id} {WORDS[e.decision]}{until}[/] ({e.decision}).")
    out.print(
        f"Decree {e.decree}, version {e.version} (in force from "
        f"{e.version_effective_from}), as of {e.as_of}."
    )
    if e.granted:
        g = e.granted
        end = (
            f" until {g.until}"
            if g.until
            else (" until reviewed" if g.decision == "deferred" else "")
        )
        out.print(
            f"Granted by a board: {g.decision} on the ground {g.ground}{end} ({g.source}, "
            f"{g.granted_on}); the registry alone gives: {g.registry_decision}.",
            markup=False,
        )
    if e.decisive:
        out.print(
            f"Decisive ground: {e.decisive.title} [{e.decisive.id}; {e.decisive.reference}]",
            markup=False,
        )
    table = Table("rule", "kind", "legal reference", "condition held", "effect")
    for r in e.rules:
        if r.kind == "criterion":
            effect = "met" if r.applies else "NOT met"
        else:
            effect = "applies" if r.applies else "—"
        if r.set_aside_by:
            effect += f" (set aside by {', '.join(r.set_aside_by)})"
        if r.kind == "deferral" and r.held:
            effect += f", ends {r.until or 'on review'}"
        table.add_row(f"{r.title} [{r.id}]", r.kind, r.reference, "yes" if r.held else "no", effect)
    out.print(table)
    table = Table("input", "value", "source", title="Data used", title_justify="left")
    for i in e.inputs:
        table.add_row(i.name, "—" if i.value is None else str(i.value), i.source)
    out.print(table)
    if e.parameters:
        table = Table(
            "parameter",
            "value",
            "in effect from",
            "legal reference",
            title="Parameters",
            title_justify="left",
        )
        for p in e.parameters:
            table.add_row(p.name, str(p.value), str(p.effective_from), p.reference)
        out.print(table)


def explain(
    ctx: typer.Context,
    national_id: Annotated[str, typer.Argument(help="The person's national id.")],
    decree: Annotated[str | None, typer.Option(help="Decree id (default: the only one).")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Decision date YYYY-MM-DD (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Why a person may or may not be called: every ground, input and parameter used."""
    eng = engine(ctx)
    result = screening.explain(
        eng, national_id=national_id, decree_id=decree, as_of=_date(as_of, "--as-of")
    )
    with eng.begin() as conn:  # reading personal data is an audit event too
        audit.record(
            conn,
            Event(
                actor=settings(ctx).actor_name(),
                role="cli",
                action="person.explained",
                subject=f"person:{national_id}",
                decree_version=f"{result.decree}@{result.version}",
            ),
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    render(result, national_id)
