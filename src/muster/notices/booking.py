"""Office capacity as booked: which office serves a district, the days booked per office
and kind, and the national training weeks (locked, in date order, after the region's row)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, insert, select, update

from muster.notices import scheduling
from muster.notices.models import (
    OfficeDay,
    TrainingWeek,
)
from muster.registry.schemas import OfficeRead


@dataclass(frozen=True)
class Offices:
    """A region's offices: by code, by the district each serves, and the one serving
    people of a district without an office (the one receiving the most a day)."""

    by_code: dict[str, OfficeRead]
    by_district: dict[str, str]
    fallback: str

    def serving(self, district: str) -> str:
        """The code of the office serving a district's people."""
        return self.by_district.get(district, self.fallback)


def offices_of(region: str, offices: list[OfficeRead]) -> Offices | None:
    mine = {o.code: o for o in offices if o.region == region}
    if not mine:
        return None
    return Offices(
        by_code=mine,
        by_district={o.district or o.code: o.code for o in mine.values()},
        fallback=max(mine.values(), key=lambda o: o.receptions_per_day).code,
    )


def booked_days(
    conn: Connection, offices: list[str], first: date, last: date
) -> dict[tuple[str, date, str], int]:
    rows = conn.execute(
        select(OfficeDay.office_code, OfficeDay.day, OfficeDay.kind, OfficeDay.used).where(
            OfficeDay.office_code.in_(offices), OfficeDay.day >= first, OfficeDay.day <= last
        )
    )
    return {(str(o), d, str(k)): int(u) for o, d, k, u in rows}


def book(conn: Connection, counts: Mapping[tuple[str, date, str], int]) -> None:
    """Add to office-day bookings (the region's lock makes these rows ours alone)."""
    if not counts:
        return
    keys = list(counts)
    existing = {
        (str(o), d, str(k))
        for o, d, k in conn.execute(
            select(OfficeDay.office_code, OfficeDay.day, OfficeDay.kind).where(
                OfficeDay.office_code.in_({k[0] for k in keys}),
                OfficeDay.day.in_({k[1] for k in keys}),
            )
        )
    }
    fresh = [
        {"office_code": o, "day": d, "kind": k, "used": n}
        for (o, d, k), n in counts.items()
        if (o, d, k) not in existing
    ]
    if fresh:
        conn.execute(insert(OfficeDay), fresh)
    for (o, d, k), n in counts.items():
        if (o, d, k) in existing:
            conn.execute(
                update(OfficeDay)
                .where(OfficeDay.office_code == o, OfficeDay.day == d, OfficeDay.kind == k)
                .values(used=OfficeDay.used + n)
            )


def training_weeks(conn: Connection, first: date, last: date) -> dict[date, int]:
    """Training weeks booked in the window, locked: the intake is national, so every region's
    writer takes these rows in date order after its own region's."""
    weeks = []
    w = scheduling.week_start(first)
    while w <= last:
        weeks.append(w)
        w += timedelta(days=7)
    have = set(
        conn.scalars(select(TrainingWeek.week_start).where(TrainingWeek.week_start.in_(weeks)))
    )
    missing = [{"week_start": w, "used": 0} for w in weeks if w not in have]
    if missing:
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(TrainingWeek).values(missing).on_conflict_do_nothing())
        else:
            conn.execute(insert(TrainingWeek), missing)
    rows = conn.execute(
        select(TrainingWeek.week_start, TrainingWeek.used)
        .where(TrainingWeek.week_start.in_(weeks))
        .order_by(TrainingWeek.week_start)
        .with_for_update()
    )
    return {d: int(u) for d, u in rows}
