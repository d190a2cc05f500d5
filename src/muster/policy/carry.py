"""Which decisions an amendment (or a later as-of date) can change, and how the rest carry over.

A person's decision under a version on a date is fixed by which rule conditions held (the
``grounds`` bitmask), the end dates of the deferrals that held, and the decree's order of
rules. Going from version *old* on date *a* to version *new* on date *b*, a rule is **stable**
when it is in both with the same kind, condition, end and exceptions, reads parameters with
the same values on both dates, and its condition cannot change between the dates — it reads
no date, or only ``age`` and ``children_under`` (which move only for persons with a
(child's) birthday between the two dates). Every other rule is **unstable**: added, removed,
changed, or reading ``as_of``.

For a person whose unstable rules are all *neutral* — a criterion that holds, any other rule
that does not — on both sides, whose stable rules' conditions are unchanged between the dates,
and whose held deferrals end on the same side of both dates, the new decision equals the old
one. Everyone else is decided again. ``plan`` says who that is, in terms a database can test;
``None`` when it cannot say (then everyone is decided again).

A carried decision is not rewritten: it keeps the ``grounds`` bits of the version it was
decided under, and ``read_bits`` says how to read them under a later version. Every rule a
carried person has passed through as unstable was neutral for them, and neutral depends only
on the rule's kind, so a rule of the same id and kind in both versions keeps its bit, and any
other rule of the later version is neutral: set for a criterion, unset otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlglot import exp

from muster.policy.evaluate import Context, Trace, evaluate
from muster.policy.expressions import function_args, function_name
from muster.policy.versions import Rule, Version

MAX_DAYS = 92  # a longer gap moves too many ages to be worth carrying


@dataclass
class Plan:
    """Who must be decided again; the bits are positions in the old version's rules."""

    old_held: int = 0  # decide again where any of these old bits is set
    old_failed: int = 0  # decide again where any of these old bits (criteria) is unset
    old_deferred: int = 0  # … where any of these is set and the decision was ``deferred``
    holds: list[exp.Expr] = field(default_factory=list)  # … where a new condition holds
    fails: list[exp.Expr] = field(default_factory=list)  # … where a new criterion does not
    birthdays: list[str] = field(default_factory=list)  # … born on these 'MM-DD' (ages move)
    child_birthdays: list[str] = field(default_factory=list)  # … with a child born on one
    end_columns: list[str] = field(default_factory=list)  # … with such an end between the dates
    window: tuple[date, date] | None = None  # (earlier, later] of the two dates
    context: Context | None = None  # the new version's, to state ``holds`` and ``fails``


def read_bits(old: Version, new: Version) -> tuple[list[tuple[int, int]], int]:
    """How ``grounds`` stored under ``old`` read under ``new`` for a carried decision: the
    (old bit, new bit) of every rule with the same id and kind in both, and the bits of
    ``new``'s other criteria, which hold for everyone carried."""
    at = {r.id: (i, r.kind) for i, r in enumerate(old.rules)}
    pairs: list[tuple[int, int]] = []
    criteria = 0
    for i, rule in enumerate(new.rules):
        found = at.get(rule.id)
        if found is not None and found[1] == rule.kind:
            pairs.append((found[0], i))
        elif rule.kind == "criterion":
            criteria |= 1 << i
    return pairs, criteria


def fields_read(node: exp.Expr, ctx: Context) -> set[str]:
    """The registry fields a condition reads (not its parameters or the as-of date)."""
    names = {str(c.name) for c in node.find_all(exp.Column)}
    return names - set(ctx.params) - {"as_of"}


def holds_without(node: exp.Expr, ctx: Context, fields: set[str]) -> bool:
    """Whether a condition that reads only ``fields`` holds when every one of them is
    missing (null): e.g. an employer's fields for a person without an employer."""
    return evaluate(node, dict.fromkeys(fields), ctx, Trace()) is True


def _reads(node: exp.Expr) -> tuple[set[str], bool, bool, bool]:
    """(parameters read, reads age, reads children_under, reads as_of)."""
    params: set[str] = set()
    age = children = as_of = False
    for sub in node.walk():
        if isinstance(sub, exp.Column):
            name = str(sub.name)
            age |= name == "age"
            as_of |= name == "as_of"
            params.add(name)
        elif isinstance(sub, exp.Func) and function_name(sub) == "children_under":
            children = True
    return params, age, children, as_of


def _shifted_as_of(node: exp.Expr) -> bool:
    """``add_days|add_months|add_years(as_of, N)``: an end always after the as-of date (N > 0)
    or never (N <= 0), whichever the date. Such a deferral applies on both dates or on
    neither; only its end moves, which matters only to a person it defers."""
    if function_name(node) not in ("add_days", "add_months", "add_years"):
        return False
    args = function_args(node)
    return (
        len(args) == 2
        and isinstance(args[0], exp.Column)
        and str(args[0].name) == "as_of"
        and not any(isinstance(sub, exp.Func) for sub in args[1].walk())
        and "as_of" not in {str(c.name) for c in args[1].find_all(exp.Column)}
    )


def _same(a: Rule, b: Rule) -> bool:
    def text(c: Any) -> str | None:
        return None if c is None else " ".join(c.text.split())

    return (
        a.kind == b.kind
        and text(a.condition) == text(b.condition)
        and text(a.until) == text(b.until)
        and a.exception_to == b.exception_to
    )


def month_days(earlier: date, later: date) -> list[str]:
    """'MM-DD' of every day in (earlier, later], with 02-29 when the end of February is near
    (a 29 February birthday is kept on 28 February or 1 March in common years)."""
    days = {
        (earlier + timedelta(days=i)).strftime("%m-%d")
        for i in range(1, (later - earlier).days + 1)
    }
    if days & {"02-28", "02-29", "03-01"}:
        days.add("02-29")
    return sorted(days)


def plan(old: Version, old_as_of: date, new: Version, new_as_of: date) -> Plan | None:
    """Who must be decided again going from ``old`` on ``old_as_of`` to ``new`` on
    ``new_as_of`` (see the module's description), or None to decide everyone again."""
    earlier, later = sorted((old_as_of, new_as_of))
    if (later - earlier).days > MAX_DAYS:
        return None
    moved = earlier != later
    p_old, p_new = old.params_on(old_as_of), new.params_on(new_as_of)
    old_at = {r.id: (i, r) for i, r in enumerate(old.rules)}
    result = Plan(window=(earlier, later) if moved else None, context=Context(new_as_of, p_new))
    age = children = False
    ends: set[str] = set()
    moves: list[tuple[int, int]] = []  # (old position, new position) of stable rules
    for i, rule in enumerate(new.rules):
        found = old_at.get(rule.id)
        nodes = [rule.condition.node] + ([rule.until.node] if rule.until else [])
        reads = [_reads(n) for n in nodes]
        params = set().union(*(r[0] for r in reads)) & (set(p_old) | set(p_new))
        cond_age, cond_children, cond_as_of = reads[0][1:]
        stable = (
            found is not None
            and _same(found[1], rule)
            and all(p_old.get(n) == p_new.get(n) for n in params)
            and not (moved and cond_as_of)
        )
        if stable and found is not None:
            moves.append((found[0], i))
            age |= moved and cond_age
            children |= moved and cond_children
            if moved and rule.kind == "deferral" and rule.until is not None:
                until = rule.until.node
                name = str(until.name) if isinstance(until, exp.Column) else None
                if name is not None and name in p_new:  # a dated parameter: same for all
                    value = p_new[name]
                    if isinstance(value, date) and earlier < value <= later:
                        result.old_held |= 1 << found[0]
                elif name is not None and name != "as_of":  # a registry date
                    ends.add(name)
                elif _shifted_as_of(until):  # e.g. a review date: moves, but always ahead
                    result.old_deferred |= 1 << found[0]
                else:  # computed otherwise: wherever it held
                    result.old_held |= 1 << found[0]
            continue
        if rule.kind == "criterion":
            result.fails.append(rule.condition.node)
        else:
            result.holds.append(rule.condition.node)
        if found is not None:
            _was(result, found[1], found[0])
    kept = {rule.id for rule in new.rules}
    for j, rule in enumerate(old.rules):
        if rule.id not in kept:
            _was(result, rule, j)
    if [b for _, b in sorted(moves)] != sorted(b for _, b in moves):
        return None  # stable rules in another order: the first ground could differ
    if age:
        result.birthdays = month_days(earlier, later)
    if children:
        result.child_birthdays = month_days(earlier, later)
    result.end_columns = sorted(ends)
    return result


def _was(result: Plan, rule: Rule, bit: int) -> None:
    """An old rule that is gone or changed: decide again wherever it was not neutral."""
    if rule.kind == "criterion":
        result.old_failed |= 1 << bit
    else:
        result.old_held |= 1 << bit
