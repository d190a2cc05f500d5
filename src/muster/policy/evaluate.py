"""One semantics, two executions: a condition compiled to a Polars expression (whole registry)
or evaluated for one person with a record of every input it read.

Both follow SQL's three-valued logic: a comparison with a missing value is unknown (NULL);
NOT unknown is unknown; AND is false if either side is false, OR true if either side is true;
a rule whose condition ends unknown does not apply. Ages are full years on the as-of date (a
person born on 29 February turns a year older on 1 March in common years); adding years or
months to a date that does not exist in the target month gives that month's last day.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlglot import exp

from muster.policy.expressions import COMPARISONS, function_args, function_name, is_date_literal


@dataclass(frozen=True)
class Context:
    """The as-of date and the decree's parameter values on that date.

    With ``derived``, ``age`` and ``children_under(N)`` refer to columns computed once per frame
    (``_age``, ``_cuN``; see ``derived_columns``) instead of being recomputed at each use.
    """

    as_of: date
    params: Mapping[str, Any]
    derived: bool = False


@dataclass
class Trace:
    """What a scalar evaluation read: field values and parameter values, by name."""

    fields: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- dates, shared by both


def add_months(day: date, months: int) -> date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def age_on(birth: date, as_of: date) -> int:
    before_birthday = (as_of.month, as_of.day) < (birth.month, birth.day)
    return as_of.year - birth.year - int(before_birthday)


def children_under(children: Any, years: int, as_of: date) -> int:
    if not children:
        return 0
    days = (
        children
        if isinstance(children, list)
        else [date.fromisoformat(d.strip()) for d in str(children).split(";") if d.strip()]
    )
    return sum(1 for d in days if add_years(d, years) > as_of)


# ---------------------------------------------------------------- Polars


def _const_int(node: exp.Expr, ctx: Context) -> int:
    if isinstance(node, exp.Literal):
        return int(node.this)
    if isinstance(node, exp.Neg):
        return -_const_int(node.this, ctx)
    return int(ctx.params[str(node.name)])


def age_expr(as_of: date) -> pl.Expr:
    b = pl.col("birth_date")
    month_day = b.dt.month().cast(pl.Int32) * 100 + b.dt.day().cast(pl.Int32)
    before = (month_day > as_of.month * 100 + as_of.day).cast(pl.Int32)
    return (pl.lit(as_of.year, dtype=pl.Int32) - b.dt.year().cast(pl.Int32) - before).cast(pl.Int64)


def children_cutoff(years: int, as_of: date) -> date:
    """The latest birth date of a child who is *not* under ``years`` on ``as_of``.

    ``add_years`` never decreases as the birth date grows, so "under N" is exactly "born after
    this day"; the day is found next to the date N years before, where 29 February may shift it.
    """
    guess = add_years(as_of, -years)
    candidates = [guess + timedelta(days=d) for d in range(-3, 4)]
    return max(d for d in candidates if add_years(d, years) <= as_of)


def children_under_expr(years: int, as_of: date) -> pl.Expr:
    # Children's birth dates are stored as sorted ISO dates, which compare like the dates.
    cutoff = children_cutoff(years, as_of).isoformat()
    over = (
        pl.col("children_birth_dates")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars() > cutoff)
    )
    return over.list.sum().fill_null(0).cast(pl.Int64)


def derived_columns(nodes: list[exp.Expr], ctx: Context) -> list[pl.Expr]:
    """Columns for ``age`` and each ``children_under(N)`` that the conditions use, once each."""
    columns: dict[str, pl.Expr] = {}
    for node in nodes:
        for sub in node.walk():
            if isinstance(sub, exp.Column) and str(sub.name) == "age" and not sub.table:
                columns["_age"] = age_expr(ctx.as_of)
            elif isinstance(sub, exp.Func) and function_name(sub) == "children_under":
                years = _const_int(function_args(sub)[0], ctx)
                columns[f"_cu{years}"] = children_under_expr(years, ctx.as_of)
    return [expr.alias(name) for name, expr in columns.items()]


def _literal(value: Any) -> pl.Expr:
    if isinstance(value, bool):
        return pl.lit(value, dtype=pl.Boolean)
    if isinstance(value, int):
        return pl.lit(value, dtype=pl.Int64)
    if isinstance(value, date):
        return pl.lit(value, dtype=pl.Date)
    if value is None:
        return pl.lit(None)
    return pl.lit(value, dtype=pl.String)


def _in(subject: pl.Expr, values: list[Any]) -> pl.Expr:
    present = [v for v in values if v is not None]
    hit = subject.is_in(present) if present else pl.lit(False)
    if len(present) < len(values):
        hit = pl.when(hit).then(pl.lit(True)).otherwise(pl.lit(None, dtype=pl.Boolean))
    return pl.when(subject.is_null()).then(pl.lit(None, dtype=pl.Boolean)).otherwise(hit)


_POLARS_CMP: dict[type, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}


def to_polars(node: exp.Expr, ctx: Context) -> pl.Expr:
    """Compile a checked condition to a Polars expression over the registry frame."""
    if isinstance(node, exp.Paren):
        return to_polars(node.this, ctx)
    if isinstance(node, exp.And):
        return to_polars(node.this, ctx) & to_polars(node.expression, ctx)
    if isinstance(node, exp.Or):
        return to_polars(node.this, ctx) | to_polars(node.expression, ctx)
    if isinstance(node, exp.Not):
        return ~to_polars(node.this, ctx)
    if isinstance(node, COMPARISONS):
        return _POLARS_CMP[type(node)](to_polars(node.this, ctx), to_polars(node.expression, ctx))
    if isinstance(node, exp.In):
        items = list(node.expressions)
        if len(items) == 1 and isinstance(items[0], exp.Column):
            values = list(ctx.params[str(items[0].name)])
        else:
            values = [scalar_literal(i) for i in items]
        return _in(to_polars(node.this, ctx), values)
    if isinstance(node, exp.Between):
        subject = to_polars(node.this, ctx)
        return (subject >= to_polars(node.args["low"], ctx)) & (
            subject <= to_polars(node.args["high"], ctx)
        )
    if isinstance(node, exp.Is):
        return to_polars(node.this, ctx).is_null()
    if isinstance(node, exp.Column):
        name = str(node.name)
        if name == "age":
            return pl.col("_age") if ctx.derived else age_expr(ctx.as_of)
        if name == "as_of":
            return pl.lit(ctx.as_of, dtype=pl.Date)
        if name in ctx.params:
            return _literal(ctx.params[name])
        return pl.col(name)
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)) or is_date_literal(node):
        return _literal(scalar_literal(node))
    if isinstance(node, exp.Neg):
        return -to_polars(node.this, ctx)
    if isinstance(node, exp.Add):
        return to_polars(node.this, ctx) + to_polars(node.expression, ctx)
    if isinstance(node, exp.Sub):
        return to_polars(node.this, ctx) - to_polars(node.expression, ctx)
    name = function_name(node)
    args = function_args(node)
    if name == "children_under":
        years = _const_int(args[0], ctx)
        return pl.col(f"_cu{years}") if ctx.derived else children_under_expr(years, ctx.as_of)
    day, n = to_polars(args[0], ctx), _const_int(args[1], ctx)
    if name == "add_days":
        return day + pl.duration(days=n)
    if name == "add_months":
        return day.dt.offset_by(f"{n}mo")
    return day.dt.offset_by(f"{n}y")


# ---------------------------------------------------------------- scalar, with a trace


def scalar_literal(node: exp.Expr) -> Any:
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if is_date_literal(node):
        return date.fromisoformat(str(node.this.this))
    if isinstance(node, exp.Literal):
        return str(node.this) if node.is_string else int(node.this)
    raise TypeError(f"not a literal: {node.sql()}")


def _and(a: Any, b: Any) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Any, b: Any) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


_SCALAR_CMP: dict[type, Callable[[Any, Any], bool]] = {
    exp.EQ: lambda a, b: bool(a == b),
    exp.NEQ: lambda a, b: bool(a != b),
    exp.GT: lambda a, b: bool(a > b),
    exp.GTE: lambda a, b: bool(a >= b),
    exp.LT: lambda a, b: bool(a < b),
    exp.LTE: lambda a, b: bool(a <= b),
}


def evaluate(node: exp.Expr, person: Mapping[str, Any], ctx: Context, trace: Trace) -> Any:
    """Evaluate a checked condition for one person; record what was read in ``trace``."""

    def ev(n: exp.Expr) -> Any:
        return evaluate(n, person, ctx, trace)

    if isinstance(node, exp.Paren):
        return ev(node.this)
    if isinstance(node, exp.And):
        return _and(ev(node.this), ev(node.expression))
    if isinstance(node, exp.Or):
        return _or(ev(node.this), ev(node.expression))
    if isinstance(node, exp.Not):
        value = ev(node.this)
        return None if value is None else not value
    if isinstance(node, COMPARISONS):
        a, b = ev(node.this), ev(node.expression)
        return None if a is None or b is None else _SCALAR_CMP[type(node)](a, b)
    if isinstance(node, exp.In):
        subject = ev(node.this)
        items = list(node.expressions)
        if len(items) == 1 and isinstance(items[0], exp.Column):
            values = list(ev(items[0]))
        else:
            values = [scalar_literal(i) for i in items]
        if subject is None:
            return None
        if subject in [v for v in values if v is not None]:
            return True
        return None if None in values else False
    if isinstance(node, exp.Between):
        subject = ev(node.this)
        low, high = ev(node.args["low"]), ev(node.args["high"])
        first = None if subject is None or low is None else subject >= low
        second = None if subject is None or high is None else subject <= high
        return _and(first, second)
    if isinstance(node, exp.Is):
        return ev(node.this) is None
    if isinstance(node, exp.Column):
        name = str(node.name)
        if name == "age":
            birth = person.get("birth_date")
            trace.fields["birth_date"] = birth
            value = None if birth is None else age_on(birth, ctx.as_of)
            trace.fields["age"] = value
            return value
        if name == "as_of":
            return ctx.as_of
        if name in ctx.params:
            trace.params[name] = ctx.params[name]
            return ctx.params[name]
        value = person.get(name)
        trace.fields[name] = value
        return value
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)) or is_date_literal(node):
        return scalar_literal(node)
    if isinstance(node, exp.Neg):
        value = ev(node.this)
        return None if value is None else -value
    if isinstance(node, (exp.Add, exp.Sub)):
        a, b = ev(node.this), ev(node.expression)
        if a is None or b is None:
            return None
        return a + b if isinstance(node, exp.Add) else a - b
    name = function_name(node)
    args = function_args(node)
    if name == "children_under":
        years = int(ev(args[0]))
        children = person.get("children_birth_dates")
        trace.fields["children_birth_dates"] = children
        value = children_under(children, years, ctx.as_of)
        trace.fields[f"children_under({years})"] = value
        return value
    day, n = ev(args[0]), ev(args[1])
    if day is None or n is None:
        return None
    if name == "add_days":
        return day + timedelta(days=int(n))
    if name == "add_months":
        return add_months(day, int(n))
    return add_years(day, int(n))
