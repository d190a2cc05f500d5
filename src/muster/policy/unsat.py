"""A cheap test for conditions that can never hold: contradictory bounds in one AND-chain.

``age >= 18 AND age < 18`` or ``months_served > 600 AND months_served < 3`` are drafting
mistakes that would silently exclude everyone from a rule. The test looks at the top-level
conjunction only (an OR anywhere keeps the rule possible) and at whole-number bounds of one
field against constants or parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import exp

_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}


def _conjuncts(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    return [node]


def _constant(node: exp.Expr, params: Mapping[str, Any]) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        return int(node.this)
    if isinstance(node, exp.Neg):
        inner = _constant(node.this, params)
        return None if inner is None else -inner
    if isinstance(node, exp.Column) and isinstance(params.get(str(node.name)), int):
        value = params[str(node.name)]
        return None if isinstance(value, bool) else int(value)
    return None


def never_holds(node: exp.Expr, params: Mapping[str, Any]) -> bool:
    bounds: dict[str, tuple[float, float]] = {}
    for part in _conjuncts(node):
        kind = type(part)
        if kind not in _FLIP:
            if isinstance(part, exp.Boolean) and not part.this:
                return True
            continue
        left, right = part.this, part.expression
        value = _constant(right, params)
        subject = left
        if value is None:
            value, subject, kind = _constant(left, params), right, _FLIP[kind]
        if value is None or not isinstance(subject, exp.Column) or str(subject.name) in params:
            continue
        lo, hi = bounds.get(str(subject.name), (float("-inf"), float("inf")))
        if kind is exp.GT:
            lo = max(lo, value + 1)
        elif kind is exp.GTE:
            lo = max(lo, value)
        elif kind is exp.LT:
            hi = min(hi, value - 1)
        elif kind is exp.LTE:
            hi = min(hi, value)
        else:
            lo, hi = max(lo, value), min(hi, value)
        bounds[str(subject.name)] = (lo, hi)
    return any(lo > hi for lo, hi in bounds.values())
