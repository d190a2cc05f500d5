"""Capacity-aware scheduling (pure): which waiting call-ups get a notice today, and on which
day each reports, so that no office serves more notices, receives or examines more people on
a day than it can, and no week sends more people to training than the nation can take.

Requests are taken in the order given (priority group, then lottery place); each gets the
earliest report day, at least ``lead`` days after the issue day, on which its office has a
reception and an examination free and its week has training room. A request whose office has
no notice left today, or no report day within the horizon, waits for a later batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Generic, TypeVar

KINDS = ("notices", "receptions", "exams")
HORIZON_DAYS = 120
K = TypeVar("K")


@dataclass(frozen=True)
class Capacity:
    notices: int
    receptions: int
    exams: int


@dataclass
class Plan(Generic[K]):
    """Report days chosen, requests left waiting, and what to add to the bookings."""

    assigned: list[tuple[K, str, date]] = field(default_factory=list)
    waiting: list[K] = field(default_factory=list)
    office_days: Counter[tuple[str, date, str]] = field(default_factory=Counter)
    training_weeks: Counter[date] = field(default_factory=Counter)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def schedule(
    requests: Iterable[tuple[K, str]],
    *,
    day: date,
    lead: int,
    capacity: Mapping[str, Capacity],
    booked: Mapping[tuple[str, date, str], int],
    training_per_week: int | None = None,
    training_booked: Mapping[date, int] | None = None,
    horizon: int = HORIZON_DAYS,
) -> Plan[K]:
    """Plan one batch of notices issued on ``day`` (see the module's description)."""
    plan: Plan[K] = Plan()
    weeks = dict(training_booked or {})
    first = day + timedelta(days=lead)
    last = first + timedelta(days=horizon)
    earliest: dict[str, date] = {}

    def used(office: str, d: date, kind: str) -> int:
        return booked.get((office, d, kind), 0) + plan.office_days[(office, d, kind)]

    def room(office: str, d: date) -> bool:
        cap = capacity[office]
        if used(office, d, "receptions") >= cap.receptions or used(office, d, "exams") >= cap.exams:
            return False
        if training_per_week is None:
            return True
        w = week_start(d)
        return weeks.get(w, 0) + plan.training_weeks[w] < training_per_week

    for key, office in requests:
        cap = capacity[office]
        if used(office, day, "notices") >= cap.notices or min(cap.receptions, cap.exams) <= 0:
            plan.waiting.append(key)
            continue
        d = earliest.get(office, first)
        while d <= last and not room(office, d):
            d += timedelta(days=1)
        if d > last:
            earliest[office] = d
            plan.waiting.append(key)
            continue
        earliest[office] = d
        plan.assigned.append((key, office, d))
        plan.office_days[(office, day, "notices")] += 1
        plan.office_days[(office, d, "receptions")] += 1
        plan.office_days[(office, d, "exams")] += 1
        if training_per_week is not None:
            plan.training_weeks[week_start(d)] += 1
    return plan
