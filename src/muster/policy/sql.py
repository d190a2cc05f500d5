"""A condition as SQL text, for finding in the database the persons it can hold for.

Only what SQL states the same way on SQLite and PostgreSQL is rendered: fields, parameters
and ``as_of`` (as literals), literals, AND / OR / NOT, comparisons, IN, BETWEEN, IS NULL and
whole-number + and -. Ages, counts of children and date arithmetic are not (``None``): the
caller then reads the persons instead. The three-valued logic is SQL's own, the logic both
evaluators follow (``evaluate.py``). Pure text: no database is touched here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from sqlglot import exp

from muster.policy.evaluate import Context, scalar_literal
from muster.policy.expressions import is_date_literal

Dialect = Literal["sqlite", "postgresql"]
_BINARY: dict[type, str] = {
    exp.And: "AND",
    exp.Or: "OR",
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.Add: "+",
    exp.Sub: "-",
}


class _NotSqlError(Exception):
    pass


def literal(value: Any, dialect: Dialect) -> str:
    """A Python value as an SQL literal (dates as SQLite stores them, ISO text)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("1" if value else "0") if dialect == "sqlite" else ("TRUE" if value else "FALSE")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        text = f"'{value.isoformat()}'"
        return text if dialect == "sqlite" else f"DATE {text}"
    return "'" + str(value).replace("'", "''") + "'"


def to_sql(
    node: exp.Expr, ctx: Context, *, column: Callable[[str], str], dialect: Dialect
) -> str | None:
    """The condition as an SQL expression over the columns ``column`` names, or None when
    it uses what SQL cannot state alike on both engines (ages, children, date arithmetic)."""
    try:
        return _sql(node, ctx, column, dialect)
    except _NotSqlError:
        return None


def _sql(node: exp.Expr, ctx: Context, column: Callable[[str], str], dialect: Dialect) -> str:
    def sub(n: exp.Expr) -> str:
        return _sql(n, ctx, column, dialect)

    if isinstance(node, exp.Paren):
        return f"({sub(node.this)})"
    if type(node) in _BINARY:
        return f"({sub(node.this)} {_BINARY[type(node)]} {sub(node.expression)})"
    if isinstance(node, exp.Not):
        return f"(NOT {sub(node.this)})"
    if isinstance(node, exp.In):
        items = list(node.expressions)
        if len(items) == 1 and isinstance(items[0], exp.Column):
            values = [literal(v, dialect) for v in ctx.params[str(items[0].name)]]
        else:
            values = [literal(scalar_literal(i), dialect) for i in items]
        if not values:
            return f"({sub(node.this)} IS NOT NULL AND 1 = 0)"
        return f"({sub(node.this)} IN ({', '.join(values)}))"
    if isinstance(node, exp.Between):
        low, high = sub(node.args["low"]), sub(node.args["high"])
        return f"({sub(node.this)} BETWEEN {low} AND {high})"
    if isinstance(node, exp.Is):
        return f"({sub(node.this)} IS NULL)"
    if isinstance(node, exp.Column):
        name = str(node.name)
        if name == "age":
            raise _NotSqlError(name)
        if name == "as_of":
            return literal(ctx.as_of, dialect)
        if name in ctx.params:
            return literal(ctx.params[name], dialect)
        return column(name)
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)) or is_date_literal(node):
        return literal(scalar_literal(node), dialect)
    if isinstance(node, exp.Neg):
        return f"(- {sub(node.this)})"
    raise _NotSqlError(node.sql())
