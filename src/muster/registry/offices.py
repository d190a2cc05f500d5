"""Reads of offices and regions: each office's daily capacities, each region's capacity and name."""

from __future__ import annotations

from sqlalchemy import Engine, select, text

from muster.registry.models import Office
from muster.registry.schemas import OfficeRead


def daily_capacity(engine: Engine) -> dict[str, int]:
    """People each region's offices can receive and examine a day: per office the smaller of
    its reception and examination capacity, summed over the region's offices."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT region_code, sum(CASE WHEN receptions_per_day < exams_per_day "
                "THEN receptions_per_day ELSE exams_per_day END) FROM offices GROUP BY region_code"
            )
        ).all()
    return {str(r[0]): int(r[1] or 0) for r in rows}


def region_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {str(c): str(n) for c, n in conn.execute(text("SELECT code, name FROM regions"))}


def list_offices(engine: Engine, *, region: str | None = None) -> list[OfficeRead]:
    """Every office (or one region's) with its daily capacities, by code."""
    query = select(Office).order_by(Office.code)
    if region is not None:
        query = query.where(Office.region_code == region)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        OfficeRead(
            code=r.code,
            name=r.name,
            region=r.region_code,
            district=r.district,
            address=r.address,
            notices_per_day=r.notices_per_day,
            receptions_per_day=r.receptions_per_day,
            exams_per_day=r.exams_per_day,
        )
        for r in rows
    ]
