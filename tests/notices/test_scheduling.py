"""Capacity-aware scheduling (pure): no office and no training week is ever overbooked,
report days keep the lead time and the draw's order, and nobody waits without cause."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.notices.scheduling import KINDS, Capacity, Plan, schedule, week_start

DAY = date(2022, 10, 11)
OFFICES = ("A", "B", "C")


@dataclass
class Case:
    requests: list[tuple[int, str]]
    lead: int
    horizon: int
    capacity: dict[str, Capacity]
    booked: dict[tuple[str, date, str], int]
    training_per_week: int | None
    training_booked: dict[date, int]

    def run(self) -> Plan[int]:
        return schedule(
            self.requests,
            day=DAY,
            lead=self.lead,
            capacity=self.capacity,
            booked=self.booked,
            training_per_week=self.training_per_week,
            training_booked=self.training_booked,
            horizon=self.horizon,
        )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    lead = draw(st.integers(1, 5))
    horizon = draw(st.integers(0, 12))
    capacity = {
        o: Capacity(draw(st.integers(0, 6)), draw(st.integers(0, 3)), draw(st.integers(0, 3)))
        for o in OFFICES
    }
    days = [DAY + timedelta(days=i) for i in range(lead + horizon + 1)]
    booked = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(OFFICES), st.sampled_from(days), st.sampled_from(KINDS)),
            st.integers(0, 4),
            max_size=20,
        )
    )
    weeks = sorted({week_start(d) for d in days})
    training = draw(st.none() | st.integers(1, 8))
    training_booked = draw(st.dictionaries(st.sampled_from(weeks), st.integers(0, 8), max_size=3))
    offices = draw(st.lists(st.sampled_from(OFFICES), max_size=30))
    return Case(
        list(enumerate(offices)), lead, horizon, capacity, booked, training, training_booked
    )


class Ledger:
    """Bookings as they stand while the requests are taken in order (an independent tally)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.office: Counter[tuple[str, date, str]] = Counter(case.booked)
        self.weeks: Counter[date] = Counter(case.training_booked)

    def has_room(self, office: str, d: date) -> bool:
        cap = self.case.capacity[office]
        if self.office[(office, d, "receptions")] >= cap.receptions:
            return False
        if self.office[(office, d, "exams")] >= cap.exams:
            return False
        tpw = self.case.training_per_week
        return tpw is None or self.weeks[week_start(d)] < tpw

    def book(self, office: str, d: date) -> None:
        self.office[(office, DAY, "notices")] += 1
        self.office[(office, d, "receptions")] += 1
        self.office[(office, d, "exams")] += 1
        self.weeks[week_start(d)] += 1


def window(case: Case) -> list[date]:
    first = DAY + timedelta(days=case.lead)
    return [first + timedelta(days=i) for i in range(case.horizon + 1)]


@settings(max_examples=120, deadline=None)
@given(cases())
def test_no_office_day_is_booked_beyond_its_capacity(case: Case) -> None:
    """Existing bookings plus the plan never exceed an office's notices a day, receptions a
    day or examinations a day, on any day the plan books."""
    plan = case.run()
    for (office, d, kind), n in plan.office_days.items():
        assert n > 0
        limit = getattr(case.capacity[office], kind)
        assert case.booked.get((office, d, kind), 0) + n <= limit, (office, d, kind)


@settings(max_examples=120, deadline=None)
@given(cases())
def test_no_week_sends_more_to_training_than_the_intake(case: Case) -> None:
    plan = case.run()
    if case.training_per_week is None:
        return
    for week, n in plan.training_weeks.items():
        assert case.training_booked.get(week, 0) + n <= case.training_per_week, week


@settings(max_examples=120, deadline=None)
@given(cases())
def test_every_report_day_keeps_the_lead_time_and_the_horizon(case: Case) -> None:
    plan = case.run()
    first, last = window(case)[0], window(case)[-1]
    assert all(first <= d <= last for _, _, d in plan.assigned)


@settings(max_examples=120, deadline=None)
@given(cases())
def test_each_request_is_either_assigned_once_or_waits(case: Case) -> None:
    plan = case.run()
    assigned = [k for k, _, _ in plan.assigned]
    assert sorted(assigned + plan.waiting) == [k for k, _ in case.requests]
    requested = dict(case.requests)
    assert all(requested[k] == office for k, office, _ in plan.assigned)
    tally: Counter[tuple[str, date, str]] = Counter()
    weeks: Counter[date] = Counter()
    for _, office, d in plan.assigned:
        tally[(office, DAY, "notices")] += 1
        tally[(office, d, "receptions")] += 1
        tally[(office, d, "exams")] += 1
        weeks[week_start(d)] += 1
    assert +plan.office_days == tally
    assert +plan.training_weeks == (weeks if case.training_per_week is not None else Counter())


@settings(max_examples=120, deadline=None)
@given(cases())
def test_an_office_serves_its_requests_in_order_on_non_decreasing_days(case: Case) -> None:
    """Within an office, a request earlier in the draw's order is assigned before any later
    one and never reports later than it."""
    plan = case.run()
    keys = [k for k, _, _ in plan.assigned]
    assert keys == sorted(keys)
    for office in OFFICES:
        days = [d for _, o, d in plan.assigned if o == office]
        assert days == sorted(days), office


@settings(max_examples=120, deadline=None)
@given(cases())
def test_a_request_waits_only_when_its_office_has_no_notice_or_no_day_left(case: Case) -> None:
    """Replaying the plan in order: each assigned request gets the earliest day with room
    at that moment; a request waits only if its office had served all its notices for the
    day, or no day in the window had a reception, an examination and training room."""
    plan = case.run()
    outcome = {k: (o, d) for k, o, d in plan.assigned}
    ledger = Ledger(case)
    days = window(case)
    for key, office in case.requests:
        cap = case.capacity[office]
        out_of_notices = ledger.office[(office, DAY, "notices")] >= cap.notices
        free = [d for d in days if ledger.has_room(office, d)]
        if key in outcome:
            assert not out_of_notices and free and outcome[key][1] == free[0], key
            ledger.book(office, outcome[key][1])
        else:
            assert out_of_notices or not free, key


def test_a_full_office_does_not_hold_up_another() -> None:
    """Office A has one notice a day: its second request waits, B's requests go ahead."""
    capacity = {"A": Capacity(1, 5, 5), "B": Capacity(5, 1, 1)}
    plan = schedule(
        [(1, "A"), (2, "A"), (3, "B"), (4, "B")], day=DAY, lead=3, capacity=capacity, booked={}
    )
    assert plan.waiting == [2]
    assert plan.assigned == [
        (1, "A", DAY + timedelta(days=3)),
        (3, "B", DAY + timedelta(days=3)),
        (4, "B", DAY + timedelta(days=4)),
    ]


def test_the_training_intake_moves_report_days_to_the_next_week() -> None:
    """The week after a Friday's notices is already full: the first two report the next
    Monday, and with room for two a week the third reports a week later."""
    monday = week_start(DAY) + timedelta(days=7)
    plan = schedule(
        [(k, "A") for k in range(3)],
        day=monday - timedelta(days=3),  # a Friday
        lead=1,
        capacity={"A": Capacity(10, 10, 10)},
        booked={},
        training_per_week=2,
        training_booked={week_start(monday - timedelta(days=1)): 2},
    )
    assert [d for _, _, d in plan.assigned] == [monday, monday, monday + timedelta(days=7)]
    assert plan.waiting == []
