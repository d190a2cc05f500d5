"""Statements built once and run many times.

Building a SQLAlchemy statement (``select(…).where(…)``) and deriving its cache key costs more
than running a short indexed read on PostgreSQL; a read asked for on every request (a citizen's
status, a session) builds its statement once with bound parameters instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam

AnySelect = Select[*tuple[Any, ...]]


class Filtered:
    """A base statement and the filters a caller may add, each with its parameters bound at
    execution (``bindparam``): the statement for each combination of filters is built once.

        CALLUPS = Filtered(select(CallUp), status=CallUp.status == bindparam("status"))
        query, params = CALLUPS(status="notified", region=None)  # None: not filtered
        rows = conn.execute(query, params)
    """

    def __init__(self, base: AnySelect, **filters: ColumnElement[bool]) -> None:
        self.base = base
        self.filters = filters
        self._built: dict[tuple[frozenset[str], bool], AnySelect] = {}

    def __call__(
        self, *, limit: int | None = None, **values: Any
    ) -> tuple[AnySelect, dict[str, Any]]:
        """The statement for the filters whose value is not None, and the parameters to run
        it with; ``limit`` (if given) caps the rows."""
        params = {name: value for name, value in values.items() if value is not None}
        key = (frozenset(params), limit is not None)
        query = self._built.get(key)
        if query is None:
            query = self.base.where(*(self.filters[name] for name in sorted(params)))
            if limit is not None:
                query = query.limit(bindparam("limit"))
            self._built[key] = query
        if limit is not None:
            params["limit"] = limit
        return query, params
