"""Measuring mistakes: how many call-ups were wrongful (released as wrongful, exempt or
deferred), how each was found, how long it took from selection to release in each region and
office, and how often officers issued a notice over the decree's objection (overrides)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import Engine, case, func, select, text

from muster.audit import service as audit
from muster.cases.corrections import FOUND_BY
from muster.cases.models import Claim

MISTAKES = ("wrongful", "exempt", "deferred")
FOUND = ("notice", "correction", "amendment", "medical", "claim", "other")
AT_ISSUE = "found when the notice was to be issued"


class ErrorsRow(BaseModel):
    """Wrongful call-ups of one region or office and the days from selection to release."""

    name: str
    released: int
    median_days: float
    p90_days: float


class BoardRow(BaseModel):
    """One board's claims: pending (and of those overdue on the report day), decided,
    upheld (automatically or by the board), and deadlines it missed."""

    board: str
    pending: int
    overdue: int
    decided: int
    upheld: int
    automatic: int
    missed_deadlines: int


class ErrorsReport(BaseModel):
    called: int  # every call-up ever made, replacements included
    wrongful: int
    rate: float  # wrongful / called
    by_kind: dict[str, int] = Field(default_factory=dict)
    by_found: dict[str, int] = Field(default_factory=dict)
    by_region: list[ErrorsRow] = Field(default_factory=list)
    by_office: list[ErrorsRow] = Field(default_factory=list)
    median_days: float
    p90_days: float
    overrides: int  # notices issued although the person was not eligible that day
    boards: list[BoardRow] = Field(default_factory=list)


def found_by(reason: str) -> str:
    """How a wrongful call-up was found, read from its release reason."""
    detail = reason.split(":", 1)[-1].strip()
    if AT_ISSUE in reason:
        return "notice"
    for trigger in ("amendment", "correction"):
        if FOUND_BY + trigger in reason:
            return trigger
    if reason.startswith("claim") or detail.startswith("claim"):
        return "claim"
    if "medical board" in reason:
        return "medical"
    return "other"


def _quantile(days: list[float], q: float) -> float:
    """The nearest-rank quantile of sorted values (0 when there are none)."""
    if not days:
        return 0.0
    return round(days[max(0, math.ceil(q * len(days)) - 1)], 2)


def _rows(groups: dict[str, list[float]]) -> list[ErrorsRow]:
    return [
        ErrorsRow(
            name=name,
            released=len(days),
            median_days=_quantile(sorted(days), 0.5),
            p90_days=_quantile(sorted(days), 0.9),
        )
        for name, days in sorted(groups.items())
    ]


def _days(selected: datetime | str, released: datetime | str) -> float:
    a = selected if isinstance(selected, datetime) else datetime.fromisoformat(selected)
    b = released if isinstance(released, datetime) else datetime.fromisoformat(released)
    return (b - a).total_seconds() / 86_400


def _boards(engine: Engine, today: date) -> list[BoardRow]:
    """The claim backlog and deadline misses per board."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Claim.board,
                func.sum(case((Claim.status == "pending", 1), else_=0)),
                func.sum(case(((Claim.status == "pending") & (Claim.due_on < today), 1), else_=0)),
                func.sum(case((Claim.status != "pending", 1), else_=0)),
                func.sum(case((Claim.status == "upheld", 1), else_=0)),
                func.sum(case((Claim.automatic, 1), else_=0)),
            )
            .group_by(Claim.board)
            .order_by(Claim.board)
        ).all()
    # A miss belongs to the board that missed it, not to the one the claim moved on to.
    missed: Counter[str] = Counter(
        str(e.before["board"])
        for e in audit.events(engine, action="claim.escalated", limit=None)
        if isinstance(e.before, dict) and "board" in e.before
    )
    counts = {str(r[0]): tuple(int(n or 0) for n in r[1:]) for r in rows}
    rows_out = []
    for board in sorted(set(counts) | set(missed)):
        pending, overdue, decided, upheld, automatic = counts.get(board, (0, 0, 0, 0, 0))
        rows_out.append(
            BoardRow(
                board=board,
                pending=pending,
                overdue=overdue,
                decided=decided,
                upheld=upheld,
                automatic=automatic,
                missed_deadlines=missed[board],
            )
        )
    return rows_out


def report(engine: Engine, *, today: date | None = None) -> ErrorsReport:
    """The mistakes the system found and corrected, read from call-ups and the audit log,
    and each board's claim backlog on ``today``."""
    with engine.connect() as conn:
        called = int(conn.scalar(text("SELECT count(*) FROM call_ups")) or 0)
        rows = conn.execute(
            text(
                "SELECT c.reason, c.region_code, c.selected_at, c.updated_at, "
                "(SELECT min(o.code) FROM offices o WHERE o.region_code = p.region_code "
                "AND o.district = p.district) AS office "
                "FROM call_ups c JOIN persons p ON p.id = c.person_id "
                "WHERE c.status = 'released'"
            )
        ).all()
    kinds: Counter[str] = Counter()
    found: Counter[str] = Counter(dict.fromkeys(FOUND, 0))
    regions: dict[str, list[float]] = defaultdict(list)
    offices: dict[str, list[float]] = defaultdict(list)
    every: list[float] = []
    for reason, region, selected, released, office in rows:
        kind = str(reason or "").split(":", 1)[0].strip()
        if kind not in MISTAKES:
            continue
        kinds[kind] += 1
        found[found_by(str(reason))] += 1
        days = _days(selected, released)
        regions[str(region)].append(days)
        offices[str(office) if office else f"{region} (no district office)"].append(days)
        every.append(days)
    wrongful = sum(kinds.values())
    every.sort()
    return ErrorsReport(
        called=called,
        wrongful=wrongful,
        rate=round(wrongful / called, 6) if called else 0.0,
        by_kind=dict(kinds.most_common()),
        by_found=dict(found),
        by_region=_rows(regions),
        by_office=_rows(offices),
        median_days=_quantile(every, 0.5),
        p90_days=_quantile(every, 0.9),
        overrides=audit.count(engine, action="notice.issued_override"),
        boards=_boards(engine, today or date.today()),
    )
