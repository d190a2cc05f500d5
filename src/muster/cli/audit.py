"""``muster audit …``: checks anyone can run on published results, ours or another's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from muster.audit import checkpoints
from muster.audit import service as audit_log
from muster.cli.common import AsJson, engine, err, out, report_input_error
from muster.errors import InputFileError, MusterError
from muster.selection.schemas import LotteryAudit

app = typer.Typer(
    help="Audits anyone can run on published results: was a lottery independent of who was in it?",
    no_args_is_help=True,
)
MAX_GROUPS_SHOWN = 40
GROUP_BY = ("auto", "month", "decile", "value")
KEY_KINDS = ("auto", "date", "number", "category")


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=option)
    return value


def _p(p: float | None) -> str:
    if p is None:
        return "—"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


@app.command()
def lottery(
    file: Annotated[
        Path, typer.Argument(help="The lottery: .csv (# lines are skipped) or .parquet.")
    ],
    key_column: Annotated[
        str,
        typer.Option(
            "--key-column",
            help="What ranks must not depend on: dates, numbers or categories "
            "(birth_date, region_code…).",
        ),
    ],
    rank_column: Annotated[
        str, typer.Option("--rank-column", help="The ranks (numbers) the lottery assigned.")
    ],
    group_by: Annotated[
        str,
        typer.Option(
            "--group-by",
            help="Groups for the mean-rank test: auto (month for dates, decile for numbers, "
            "value for categories), month, decile or value.",
        ),
    ] = "auto",
    key_kind: Annotated[
        str,
        typer.Option(
            "--key-kind",
            help="Read the key as: auto (what most values are), date, number or category "
            "(e.g. numeric region codes).",
        ),
    ] = "auto",
    alpha: Annotated[
        float, typer.Option(help="Significance level: 'biased' when p is below it.")
    ] = 0.01,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also draw rank against key into this .png.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    errors_out: Annotated[
        Path | None, typer.Option(help="Write every problem found in the file to this file.")
    ] = None,
) -> None:
    """Test whether a lottery's ranks were assigned independently of a key (exit 1 on errors).

    Spearman's rank correlation (a trend) and a Kruskal–Wallis test of the mean rank by group.
    """
    # SciPy and Matplotlib load only for this command: every other command starts faster.
    from muster.selection import lottery_file, plots, randomness

    grouping = _choice(group_by, GROUP_BY, "--group-by")
    kind = _choice(key_kind, KEY_KINDS, "--key-kind")
    if plot is not None and plot.suffix.lower() != ".png":
        raise typer.BadParameter(f"{plot} must end in .png", param_hint="--plot")
    try:
        table = lottery_file.read_lottery(
            file,
            key_column=key_column,
            rank_column=rank_column,
            key_kind=kind,  # type: ignore[arg-type]  # checked by _choice
        )
    except InputFileError as exc:
        report_input_error(exc, errors_out)
        raise typer.Exit(1) from None
    audit = randomness.audit_ranks(
        table.keys,
        table.ranks,
        grouping=grouping,  # type: ignore[arg-type]  # checked by _choice
        alpha=alpha,
    )
    if audit.distinct_ranks < audit.n:
        err.print(f"warning: {table.first_repeat()}", markup=False, highlight=False)
    for note in audit.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    if plot is not None:
        plots.plot_audit(table.keys, table.ranks, audit, plot)
        err.print(f"Plot written to {plot}.", markup=False, highlight=False)
    if as_json:
        typer.echo(audit.model_dump_json(indent=2))
        return
    _print_audit(audit, file)


def _print_audit(audit: LotteryAudit, file: Path) -> None:
    kinds = {"date": "dates", "number": "numbers", "category": "categories"}
    out.print(
        f"Lottery audit of {file}: {audit.n:,} ranks ({audit.rank}) against {audit.key} "
        f"({kinds[audit.key_kind]}, grouped by {audit.grouping}).",
        markup=False,
        highlight=False,
    )
    groups = Table(
        audit.grouping, "ranks", f"mean {audit.rank}", "vs. overall", title_justify="left"
    )
    for g in audit.groups[:MAX_GROUPS_SHOWN]:
        gap = g.mean_rank - audit.mean_rank
        groups.add_row(g.label, f"{g.count:,}", f"{g.mean_rank:,.1f}", f"{gap:+,.1f}")
    out.print(groups)
    hidden = len(audit.groups) - MAX_GROUPS_SHOWN
    if hidden > 0:
        out.print(f"… and {hidden:,} more groups (--json lists all).")
    tests = Table("test", "statistic", "df", "p", title_justify="left")
    tests.add_row(
        "Spearman rank correlation (trend)",
        "not defined for categories"
        if audit.spearman_rho is None
        else f"rho = {audit.spearman_rho:+.4f}",
        "" if audit.spearman_rho is None else f"{audit.n - 2:,}",
        _p(audit.spearman_p),
    )
    tests.add_row(
        f"Kruskal–Wallis, mean rank by {audit.grouping}",
        "one group only" if audit.chi_square is None else f"H = {audit.chi_square:.2f}",
        "" if audit.chi_square_df is None else str(audit.chi_square_df),
        _p(audit.chi_square_p),
    )
    rule = f"{audit.tests} × the smaller p (Bonferroni)" if audit.tests > 1 else "its p"
    tests.add_row(f"decides: {rule}", "", "", _p(audit.p_value))
    out.print(tests)
    if audit.verdict == "biased":
        out.print(
            f"[bold red]Verdict: biased.[/] {escape(audit.rank)} depends on "
            f"{escape(audit.key)}: p = {_p(audit.p_value)} is below alpha = {audit.alpha:g}; "
            "a fair lottery gives a p-value this small in fewer than 1 of "
            f"{1 / audit.alpha:,.0f} audits.",
            highlight=False,
        )
    else:
        out.print(
            f"[bold green]Verdict: no evidence of bias[/] at alpha = {audit.alpha:g} "
            f"(p = {_p(audit.p_value)}). This is not proof of fairness: the tests look for a "
            f"trend in {escape(audit.key)} and for differences between its groups, nothing else.",
            highlight=False,
        )


@app.command()
def verify(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Re-walk the audit log's hash chain; name every edited, deleted, inserted or reordered
    event. Exit 1 when the log was tampered with."""
    report = audit_log.verify(engine(ctx))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    elif report.ok:
        out.print(
            f"[green]The audit log verifies[/]: {report.events:,} events, head "
            f"{report.head_seq} {report.head_hash[:16]}…"
        )
    else:
        err.print(f"[bold red]The audit log was tampered with[/]: {len(report.problems)} problems")
        for p in report.problems[:MAX_GROUPS_SHOWN]:
            err.print(f"  event {p.seq}: {p.kind}: {escape(p.message)}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def log(
    ctx: typer.Context,
    subject: Annotated[
        str | None, typer.Option(help="Only events about this subject, e.g. call_up:42.")
    ] = None,
    action: Annotated[
        str | None, typer.Option(help="Only these actions, e.g. notice.* or callup.released.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The latest audit events: who did what, to what, when, why, under which decree."""
    rows = audit_log.events(engine(ctx), subject=subject, action=action, limit=limit)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    grid = Table("seq", "time", "actor", "role", "action", "subject", "reason")
    for r in rows:
        grid.add_row(
            str(r.seq),
            r.at.isoformat(timespec="seconds"),
            escape(r.actor),
            r.role,
            r.action,
            r.subject,
            escape(r.reason or ""),
        )
    out.print(grid)


@app.command()
def checkpoint(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Sign the chain's head now (Ed25519). Checkpoints are also signed automatically every
    1,000 events; publish them so a rewritten log can be proven rewritten."""
    signed = checkpoints.checkpoint(engine(ctx))
    if signed is None:
        raise MusterError("the audit log is empty; there is no head to sign yet")
    if as_json:
        typer.echo(signed.model_dump_json(indent=2))
        return
    out.print(
        f"Signed event {signed.seq} ({signed.hash[:16]}…) at {signed.at:%Y-%m-%d %H:%M:%S} UTC."
    )


@app.command("checkpoints")
def list_checkpoints(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
    as_json: AsJson = False,
) -> None:
    """The signed checkpoints with their public key, to keep outside the system."""
    found = checkpoints.checkpoints(engine(ctx), limit=limit)
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found], indent=2))
        return
    grid = Table("event", "hash", "signed at (UTC)", "signature", "good")
    for c in found:
        grid.add_row(
            str(c.seq),
            c.hash[:16] + "…",
            f"{c.at:%Y-%m-%d %H:%M:%S}",
            c.signature[:16] + "…",
            "yes" if checkpoints.valid(c) else "[red]NO[/]",
        )
    out.print(grid)
