"""Checks across a decree's rules, made after each rule is read: the ``exception_to`` graph
(unknown targets, rules setting themselves or each other aside) and each rule's reach (in
force in no version, a condition that can never hold, too many rules in a version)."""

from __future__ import annotations

import difflib
from datetime import date
from typing import Any

from muster.policy.located import Checker
from muster.policy.schemas import KINDS, DecreeSpec
from muster.policy.unsat import never_holds
from muster.policy.versions import Parameter, Rule

MAX_RULES = 63


def _rule_paths(spec: DecreeSpec) -> dict[str, list[str | int]]:
    return {r.id: [ln, i] for ln in KINDS for i, r in enumerate(getattr(spec, ln))}


def _values_on(params: dict[str, Parameter], day: date) -> dict[str, Any]:
    return {n: found[0] for n, p in params.items() if (found := p.at(day)) is not None}


def check_exceptions(check: Checker, spec: DecreeSpec, rules: list[Rule]) -> None:
    """Each ``exception_to`` names another rule of the decree, and no rules set each other
    aside in a cycle (an unordered conflict: which applies could not be decided)."""
    paths = _rule_paths(spec)
    ids = set(paths)
    for rule in rules:
        for j, target in enumerate(rule.exception_to):
            if target == rule.id:
                check.at(
                    [*paths[rule.id], "exception_to", j],
                    f"rule '{rule.id}' cannot set itself aside",
                )
            elif target not in ids:
                close = difflib.get_close_matches(target, sorted(ids), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                check.at([*paths[rule.id], "exception_to", j], f"no rule '{target}'{hint}")
    edges = {r.id: [t for t in r.exception_to if t in ids and t != r.id] for r in rules}
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    check.at(
                        [*paths[node], "exception_to"],
                        "unordered conflict: " + " → ".join(cycle) + " set each other aside, "
                        "so which applies cannot be decided; remove one of these edges",
                    )
            elif state.get(nxt) is None:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for rid in edges:
        if rid not in state:
            visit(rid, [rid])


def check_reach(
    check: Checker, spec: DecreeSpec, rules: list[Rule], params: dict[str, Parameter]
) -> None:
    """Every rule is in force in some version and can hold there (its conditions do not
    contradict each other with the parameters' values of the day); a version holds at most
    ``MAX_RULES`` rules (one bit each in a decision's grounds)."""
    paths = _rule_paths(spec)
    days = [v.effective_from for v in spec.versions]
    for rule in rules:
        live = [d for d in days if rule.in_force(d)]
        if not live:
            check.at(
                paths[rule.id],
                f"rule '{rule.id}' is in force in no version of the decree",
                warning=True,
            )
            continue
        if all(never_holds(rule.condition.node, _values_on(params, d)) for d in live):
            check.at(
                [*paths[rule.id], "condition"],
                f"rule '{rule.id}' can never apply: its conditions contradict each other",
            )
    for list_name in ("criteria",):
        if not getattr(spec, list_name):
            check.at(
                [], "the decree has no criteria: everyone in the registry is liable", warning=True
            )
    for v in spec.versions:
        count = sum(1 for r in rules if r.in_force(v.effective_from))
        if count > MAX_RULES:
            check.at(
                ["versions", v.version - 1],
                f"version {v.version} has {count} rules in force; at most {MAX_RULES}",
            )
