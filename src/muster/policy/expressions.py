"""Conditions: SQL boolean expressions parsed by SQLGlot and checked against a whitelist.

A condition may use the fields of ``fields.FIELDS``, the decree's parameters, literals
(numbers, 'text', TRUE/FALSE, NULL, DATE 'YYYY-MM-DD'), AND / OR / NOT, comparisons,
IN (…), BETWEEN, IS [NOT] NULL, + and - on whole numbers, and the functions of
``fields.FUNCTIONS``. Anything else (statements, subqueries, other tables, other functions) is
rejected with the position of the offending piece.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from muster.policy.fields import FIELDS, FUNCTIONS, Type

ParamType = Type | tuple[Literal["list"], Type]
ValueType = ParamType

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
ALLOWED = (
    "AND, OR, NOT, =, <>, <, <=, >, >=, IN (…), BETWEEN, IS [NOT] NULL, +, -, "
    "DATE 'YYYY-MM-DD', and the functions " + ", ".join(FUNCTIONS)
)


@dataclass(frozen=True)
class Issue:
    """A problem at a character ``offset`` of the condition text."""

    offset: int
    message: str
    warning: bool = False


@dataclass
class Condition:
    """A checked condition: its text, syntax tree and what it refers to."""

    text: str
    node: exp.Expr
    type: ValueType
    fields: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)


class _InvalidError(Exception):
    def __init__(self, node: exp.Expr | None, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def offset_of(node: exp.Expr | None) -> int:
    """Character offset of a node: the earliest position any of its tokens carries."""
    if node is None:
        return 0
    starts = [int(m["start"]) for sub in node.walk() if "start" in (m := sub.meta or {})]
    return min(starts, default=0)


def function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.AddMonths):
        return "add_months"
    return node.sql_name().lower() if isinstance(node, exp.Func) else type(node).__name__


def function_args(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Anonymous):
        return list(node.expressions)
    if isinstance(node, exp.AddMonths):
        return [node.this, node.expression]
    return []


def is_date_literal(node: exp.Expr) -> bool:
    return (
        isinstance(node, exp.Cast)
        and node.to.this == exp.DataType.Type.DATE
        and isinstance(node.this, exp.Literal)
        and node.this.is_string
    )


class _Checker:
    def __init__(self, params: Mapping[str, ParamType]) -> None:
        self.params = params
        self.fields: set[str] = set()
        self.used_params: set[str] = set()
        self.warnings: list[Issue] = []

    def name_type(self, node: exp.Column) -> ParamType:
        if node.table:
            raise _InvalidError(
                node, f"'{node.sql()}' refers to another table; use field names only"
            )
        name = str(node.name)
        if name in FIELDS:
            self.fields.add(name)
            return FIELDS[name].type
        if name in self.params:
            self.used_params.add(name)
            return self.params[name]
        known = list(FIELDS) + list(self.params)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise _InvalidError(node, f"unknown field or parameter '{name}'{hint}")

    def constant_int(self, node: exp.Expr, what: str) -> None:
        if isinstance(node, exp.Literal) and not node.is_string:
            return
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
            return
        if (
            isinstance(node, exp.Column)
            and not node.table
            and str(node.name) in self.params
            and self.name_type(node) == "int"
        ):
            return
        raise _InvalidError(node, f"{what} must be a whole number or an int parameter")

    def type_of(self, node: exp.Expr) -> ParamType:
        if isinstance(node, exp.Paren):
            return self.type_of(node.this)
        if isinstance(node, (exp.And, exp.Or)):
            for side in (node.this, node.expression):
                self.expect(side, "bool", f"both sides of {node.key.upper()}")
            return "bool"
        if isinstance(node, exp.Not):
            self.expect(node.this, "bool", "NOT")
            return "bool"
        if isinstance(node, COMPARISONS):
            left, right = self.type_of(node.this), self.type_of(node.expression)
            if left != right and "null" not in (left, right):
                raise _InvalidError(node, f"cannot compare {left} with {right}")
            self.check_choices(node.this, [node.expression], node)
            self.check_choices(node.expression, [node.this], node)
            return "bool"
        if isinstance(node, exp.In):
            if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
                raise _InvalidError(node, "IN takes a list of values, not a subquery")
            left = self.type_of(node.this)
            items = list(node.expressions)
            if len(items) == 1 and isinstance(items[0], exp.Column):
                kind = self.type_of(items[0])
                if kind != ("list", left):
                    raise _InvalidError(items[0], f"IN needs a list of {left} values, found {kind}")
                return "bool"
            for item in items:
                if not isinstance(item, (exp.Literal, exp.Null)) and not is_date_literal(item):
                    raise _InvalidError(item, "IN lists hold literal values or one list parameter")
                kind = self.type_of(item)
                if kind not in (left, "null"):
                    raise _InvalidError(item, f"IN list value is {kind}, expected {left}")
            self.check_choices(node.this, items, node)
            return "bool"
        if isinstance(node, exp.Between):
            kinds = {
                self.type_of(node.this),
                self.type_of(node.args["low"]),
                self.type_of(node.args["high"]),
            } - {"null"}
            if len(kinds) > 1:
                raise _InvalidError(
                    node,
                    "BETWEEN needs values of one type, found "
                    + " and ".join(sorted(map(str, kinds))),
                )
            return "bool"
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise _InvalidError(node, "only IS NULL and IS NOT NULL are allowed")
            self.type_of(node.this)
            return "bool"
        if isinstance(node, exp.Column):
            return self.name_type(node)
        if isinstance(node, exp.Boolean):
            return "bool"
        if isinstance(node, exp.Null):
            return "null"  # type: ignore[return-value]
        if isinstance(node, exp.Literal):
            return "text" if node.is_string else self.number(node)
        if isinstance(node, exp.Neg):
            self.expect(node.this, "int", "a minus sign")
            return "int"
        if isinstance(node, (exp.Add, exp.Sub)):
            self.expect(node.this, "int", "+ and -")
            self.expect(node.expression, "int", "+ and -")
            return "int"
        if is_date_literal(node):
            try:
                date.fromisoformat(str(node.this.this))
            except ValueError:
                raise _InvalidError(node, f"'{node.this.this}' is not a date YYYY-MM-DD") from None
            return "date"
        if isinstance(node, exp.Func):
            return self.function(node)
        raise _InvalidError(
            node, f"'{node.sql()}' is not allowed in a condition (allowed: {ALLOWED})"
        )

    def number(self, node: exp.Literal) -> Type:
        if not str(node.this).lstrip("-").isdigit():
            raise _InvalidError(node, f"'{node.this}' is not a whole number")
        return "int"

    def function(self, node: exp.Func) -> Type:
        name = function_name(node)
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise _InvalidError(
                node, f"function '{name}' is not allowed (allowed: " + ", ".join(FUNCTIONS) + ")"
            )
        args = function_args(node)
        if len(args) != len(spec.args):
            raise _InvalidError(
                node, f"{name} takes {len(spec.args)} argument(s), found {len(args)}"
            )
        for i, (arg, want) in enumerate(zip(args, spec.args, strict=True)):
            self.expect(arg, want, f"argument {i + 1} of {name}")
            if want == "int":
                self.constant_int(arg, f"argument {i + 1} of {name}")
        return spec.returns

    def expect(self, node: exp.Expr, want: Type, where: str) -> None:
        got = self.type_of(node)
        if got not in (want, "null"):
            raise _InvalidError(node, f"{where} must be {want}, found {got}")

    def check_choices(self, subject: exp.Expr, values: list[exp.Expr], where: exp.Expr) -> None:
        """Warn when a field is compared with a value it can never hold."""
        if not (isinstance(subject, exp.Column) and str(subject.name) in FIELDS):
            return
        choices = FIELDS[str(subject.name)].choices
        if not choices:
            return
        for value in values:
            if isinstance(value, exp.Literal) and value.is_string and value.this not in choices:
                self.warnings.append(
                    Issue(
                        offset_of(value),
                        f"'{value.this}' is never a value of {subject.name} "
                        f"(values: {', '.join(choices)})",
                        warning=True,
                    )
                )


def parse(
    text: str, params: Mapping[str, ParamType], *, want: Type = "bool"
) -> tuple[Condition | None, list[Issue]]:
    """Parse and check one condition; return it with warnings, or None with the errors."""
    if not text.strip():
        return None, [Issue(0, "the condition is empty")]
    try:
        statements = sqlglot.parse(text)
    except (ParseError, TokenError) as exc:
        errors = getattr(exc, "errors", None) or []
        col = int(errors[0].get("col", 1)) if errors else 1
        line = int(errors[0].get("line", 1)) if errors else 1
        offset = sum(len(x) + 1 for x in text.split("\n")[: line - 1]) + max(col - 1, 0)
        desc = errors[0].get("description", str(exc)) if errors else str(exc)
        return None, [Issue(offset, f"cannot parse the condition: {desc}")]
    real = [s for s in statements if s is not None]
    if len(real) != 1:
        return None, [
            Issue(
                text.find(";") if ";" in text else 0,
                "a condition is one expression; found several statements",
            )
        ]
    node = real[0]
    if isinstance(node, (exp.Select, exp.Query, exp.Command, exp.DDL, exp.DML)):
        return None, [Issue(0, f"a condition is an expression, not a {node.key.upper()} statement")]
    checker = _Checker(params)
    try:
        for sub in node.walk():
            if isinstance(sub, (exp.Subquery, exp.Select, exp.Table)):
                raise _InvalidError(sub, "subqueries and tables are not allowed in a condition")
        kind = checker.type_of(node)
        if kind != want:
            raise _InvalidError(node, f"the condition must be {want}, found {kind}")
    except _InvalidError as exc:
        return None, [Issue(offset_of(exc.node), exc.message)]
    cond = Condition(
        text=text, node=node, type=want, fields=checker.fields, params=checker.used_params
    )
    return cond, checker.warnings
