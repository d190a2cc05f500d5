"""Decisions under one decree version: bulk over a registry frame, or one person explained.

For a person on an as-of date, in this order:

1. **ineligible** if any criterion fails (and no exception sets it aside); the decisive ground
   is the first failing criterion;
2. else **exempt** if any exemption applies; the first one is decisive;
3. else **deferred** if any deferral applies whose end date is after the as-of date; the
   decision lasts until the latest such end (a deferral whose end cannot be computed lasts
   until reviewed); the deferral giving that end is decisive;
4. else **eligible**.

An exception that applies sets aside each rule it names: an exemption or deferral then does not
apply, a criterion is then treated as met. Exceptions can be set aside by other exceptions.
``grounds`` is a bitmask: bit *i* is set when the condition of rule *i* (in ``version.rules``
order) held.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl

from muster.policy.decree import Rule, Version
from muster.policy.evaluate import Context, Trace, derived_columns, evaluate, to_polars
from muster.policy.fields import FIELDS, INPUT_COLUMNS
from muster.policy.schemas import Explanation, InputUsed, ParameterUsed, RuleResult

INDEFINITE = date(9999, 12, 31)
DECISION_COLUMNS = ("decision", "until", "ground", "grounds")


def _context(version: Version, as_of: date) -> Context:
    return Context(as_of=as_of, params=version.params_on(as_of))


def decide_frame(version: Version, frame: pl.DataFrame | pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Decisions for every row: ``decision``, ``until``, ``ground`` and ``grounds``.

    Computed in stages of named columns, so each condition is evaluated once per row however
    many times the decision logic refers to it.
    """
    ctx = Context(as_of=as_of, params=version.params_on(as_of), derived=True)
    nodes = [r.condition.node for r in version.rules] + [
        r.until.node for r in version.rules if r.until is not None
    ]
    stage0 = derived_columns(nodes, ctx)
    index = {r.id: i for i, r in enumerate(version.rules)}
    stage1 = [
        to_polars(r.condition.node, ctx).fill_null(False).alias(f"_h{i}")
        for i, r in enumerate(version.rules)
    ]
    for i, r in enumerate(version.rules):
        if r.kind == "deferral":
            assert r.until is not None
            stage1.append(
                to_polars(r.until.node, ctx).fill_null(pl.lit(INDEFINITE)).alias(f"_u{i}")
            )
    applies: dict[str, pl.Expr] = {}

    def effective(rule: Rule) -> pl.Expr:
        if rule.id not in applies:
            setters = [effective(_rule(version, s)) for s in version.setters.get(rule.id, [])]
            held = pl.col(f"_h{index[rule.id]}")
            if not setters:
                applies[rule.id] = held
            elif rule.kind == "criterion":
                applies[rule.id] = held | pl.any_horizontal(setters)
            else:
                applies[rule.id] = held & ~pl.any_horizontal(setters)
        return applies[rule.id]

    stage2: list[pl.Expr] = []
    fails, exempts, defers = [], [], []
    for i, r in enumerate(version.rules):
        if r.kind == "criterion":
            stage2.append((~effective(r)).alias(f"_a{i}"))
            fails.append((r.id, pl.col(f"_a{i}")))
        elif r.kind == "exemption":
            stage2.append(effective(r).alias(f"_a{i}"))
            exempts.append((r.id, pl.col(f"_a{i}")))
        elif r.kind == "deferral":
            stage2.append((effective(r) & (pl.col(f"_u{i}") > pl.lit(as_of))).alias(f"_a{i}"))
            defers.append((r.id, pl.col(f"_a{i}"), pl.col(f"_u{i}")))
    latest = (
        pl.max_horizontal([pl.when(on).then(end) for _, on, end in defers])
        if defers
        else pl.lit(None, dtype=pl.Date)
    )

    def any_of(pairs: list[tuple[str, pl.Expr]] | list[tuple[str, pl.Expr, pl.Expr]]) -> pl.Expr:
        return pl.any_horizontal([p[1] for p in pairs]) if pairs else pl.lit(False)

    stage3 = [
        any_of(fails).alias("_fail"),
        any_of(exempts).alias("_exempt"),
        any_of(defers).alias("_defer"),
        latest.alias("_latest"),
    ]

    def first(pairs: list[tuple[str, pl.Expr]]) -> pl.Expr:
        """Position (in ``version.rules``) of the first rule whose condition is true."""
        if not pairs:
            return pl.lit(None, dtype=pl.Int32)
        return pl.coalesce(
            [pl.when(cond).then(pl.lit(index[rid], dtype=pl.Int32)) for rid, cond in pairs]
        )

    fail, exempt, defer, last = (pl.col(c) for c in ("_fail", "_exempt", "_defer", "_latest"))
    decision = (
        pl.when(fail)
        .then(pl.lit("ineligible"))
        .when(exempt)
        .then(pl.lit("exempt"))
        .when(defer)
        .then(pl.lit("deferred"))
        .otherwise(pl.lit("eligible"))
    )
    position = (
        pl.when(fail)
        .then(first(fails))
        .when(exempt)
        .then(first(exempts))
        .when(defer)
        .then(first([(rid, on & (end == last)) for rid, on, end in defers]))
        .otherwise(pl.lit(None, dtype=pl.Int32))
    )
    # One small integer per row, named once at the end: cheaper than building strings per rule.
    ground = position.replace_strict(
        {i: r.id for i, r in enumerate(version.rules)}, default=None, return_dtype=pl.String
    )
    until = (
        pl.when(defer & ~fail & ~exempt & (last != pl.lit(INDEFINITE)))
        .then(last)
        .otherwise(pl.lit(None, dtype=pl.Date))
    )
    bits = (
        pl.sum_horizontal(
            [pl.col(f"_h{i}").cast(pl.Int64) * (1 << i) for i in range(len(version.rules))]
        )
        if version.rules
        else pl.lit(0, dtype=pl.Int64)
    )
    return (
        frame.lazy()
        .with_columns(stage0)
        .with_columns(stage1)
        .with_columns(stage2)
        .with_columns(stage3)
        .select(
            decision.alias("decision"),
            until.alias("until"),
            ground.alias("ground"),
            bits.cast(pl.Int64).alias("grounds"),
        )
    )


def priority_column(version: Version, frame: pl.DataFrame | pl.LazyFrame, as_of: date) -> pl.Series:
    """Each row's priority group: the position of the first group whose condition holds, or
    the number of groups (the lottery alone) when none does. Lower goes first."""
    groups = version.campaign.priority_groups
    rows = frame.lazy().select(pl.len()).collect().item()
    if not groups:
        return pl.Series("priority", [0] * rows, dtype=pl.Int16)
    ctx = Context(as_of=as_of, params=version.params_on(as_of), derived=True)
    nodes = [g.condition.node for g in groups]
    holds = [
        to_polars(g.condition.node, ctx).fill_null(False).alias(f"_g{i}")
        for i, g in enumerate(groups)
    ]
    first = pl.coalesce(
        [pl.when(pl.col(f"_g{i}")).then(pl.lit(i, dtype=pl.Int16)) for i in range(len(groups))]
        + [pl.lit(len(groups), dtype=pl.Int16)]
    )
    return (
        frame.lazy()
        .with_columns(derived_columns(nodes, ctx))
        .with_columns(holds)
        .select(first.alias("priority"))
        .collect()
        .to_series()
    )


def priority_inputs(version: Version) -> list[str]:
    """The input columns the priority groups read (``age`` reads ``birth_date``, a count of
    children reads ``children_birth_dates``)."""
    names: set[str] = set()
    for g in version.campaign.priority_groups:
        names |= {"birth_date" if f == "age" else f for f in g.condition.fields}
        if "children_under" in g.condition.text.lower():
            names.add("children_birth_dates")
    return sorted(n for n in names if n in INPUT_COLUMNS)


def _rule(version: Version, rule_id: str) -> Rule:
    return next(r for r in version.rules if r.id == rule_id)


def explain(version: Version, person: Mapping[str, Any], as_of: date) -> Explanation:
    """The decision for one person with every rule's outcome, input and parameter used."""
    ctx = _context(version, as_of)
    trace = Trace()
    held: dict[str, bool] = {}
    ends: dict[str, date | None] = {}
    for r in version.rules:
        held[r.id] = evaluate(r.condition.node, person, ctx, trace) is True
        if r.kind == "deferral" and r.until is not None:
            ends[r.id] = evaluate(r.until.node, person, ctx, trace)
    applies: dict[str, bool] = {}

    def effective(rule: Rule) -> bool:
        if rule.id not in applies:
            aside = any(effective(_rule(version, s)) for s in version.setters.get(rule.id, []))
            applies[rule.id] = (
                (held[rule.id] or aside)
                if rule.kind == "criterion"
                else (held[rule.id] and not aside)
            )
        return applies[rule.id]

    results: list[RuleResult] = []
    for r in version.rules:
        active = effective(r)
        end = ends.get(r.id)
        if r.kind == "deferral":
            active = active and (end is None or end > as_of)
        results.append(
            RuleResult(
                id=r.id,
                kind=r.kind,
                title=r.title,
                reference=r.reference,
                held=held[r.id],
                applies=active,
                set_aside_by=[
                    s for s in version.setters.get(r.id, []) if effective(_rule(version, s))
                ],
                until=end if r.kind == "deferral" else None,
            )
        )
    by_kind = {
        k: [x for x in results if x.kind == k] for k in ("criterion", "exemption", "deferral")
    }
    failing = [x for x in by_kind["criterion"] if not x.applies]
    exempting = [x for x in by_kind["exemption"] if x.applies]
    deferring = [x for x in by_kind["deferral"] if x.applies]
    until: date | None = None
    decisive: RuleResult | None = None
    if failing:
        decision, decisive = "ineligible", failing[0]
    elif exempting:
        decision, decisive = "exempt", exempting[0]
    elif deferring:
        decision = "deferred"
        latest = max((x.until or INDEFINITE) for x in deferring)
        decisive = next(x for x in deferring if (x.until or INDEFINITE) == latest)
        until = None if latest == INDEFINITE else latest
    else:
        decision = "eligible"
    inputs = [InputUsed(name=n, value=v, source=_source(n)) for n, v in trace.fields.items()]
    params = []
    for name in trace.params:
        p = version.parameters[name]
        found = p.at(as_of)
        assert found is not None
        params.append(
            ParameterUsed(name=name, value=found[0], effective_from=found[1], reference=p.reference)
        )
    bits = sum(1 << i for i, r in enumerate(version.rules) if held[r.id])
    return Explanation(
        decree=version.decree,
        version=version.number,
        version_effective_from=version.effective_from,
        as_of=as_of,
        decision=decision,
        until=until,
        decisive=decisive,
        rules=results,
        inputs=inputs,
        parameters=params,
        grounds=bits,
    )


def _source(name: str) -> str:
    if name in FIELDS:
        return FIELDS[name].source
    if name.startswith("children_under("):
        return "derived: children_birth_dates on the as-of date"
    return "registry: persons.children_birth_dates" if name == "children_birth_dates" else name
