"""Pure computations over plain data: burden per eligible person by group, its disparity (the
highest over the lowest rate, and the Gini coefficient), office load against capacity, claim
outcomes. No database: the service reads the frames, the simulator makes its own, and anyone
can rerun these on published tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from muster.oversight.schemas import ClaimOutcome, Disparity, GroupBurden

# Call-up states that still count towards a quota (see selection/lifecycle.py).
RELEASED = "released"
ENLISTED = "enlisted"


def gini(values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """The Gini coefficient of ``values``, each held by ``weights`` people (1 each if none):
    half the mean absolute difference between two people drawn at random, over the mean.
    0 when all are equal or there is nothing to share; entries of weight 0 are ignored."""
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if x.shape != w.shape:
        raise ValueError(f"{len(x)} values but {len(w)} weights")
    if (w < 0).any() or (x < 0).any():
        raise ValueError("the Gini coefficient needs values and weights of at least 0")
    keep = w > 0
    x, w = x[keep], w[keep]
    total = float((x * w).sum())
    if x.size == 0 or total == 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    people = w / w.sum()
    lorenz = np.cumsum(x * w) / total
    previous = np.concatenate([[0.0], lorenz[:-1]])
    return float(max(0.0, 1.0 - float((people * (lorenz + previous)).sum())))


def max_min_ratio(values: Sequence[float]) -> float | None:
    """The highest value over the lowest; ``None`` when the lowest is 0 (or none are given)."""
    if not values or min(values) <= 0:
        return None
    return max(values) / min(values)


def disparity(rows: Sequence[GroupBurden]) -> Disparity:
    """The disparity of the burden per eligible person across groups that have eligible
    persons, each weighted by its eligible persons."""
    rows = [r for r in rows if r.eligible > 0]
    if not rows:
        return Disparity(groups=0, highest=None, lowest=None, max_min_ratio=None, gini=0.0)
    rates = [r.called / r.eligible for r in rows]
    high = max(range(len(rows)), key=lambda i: rates[i])
    low = min(range(len(rows)), key=lambda i: rates[i])
    ratio = max_min_ratio(rates)
    return Disparity(
        groups=len(rows),
        highest=rows[high].group,
        lowest=rows[low].group,
        max_min_ratio=None if ratio is None else round(ratio, 4),
        gini=round(gini(rates, [r.eligible for r in rows]), 6),
    )


def ratio_of(rows: Sequence[GroupBurden], numerator: str, denominator: str) -> float | None:
    """The burden per eligible person of one group over another's (``None`` if undefined)."""
    by = {r.group: r for r in rows}
    a, b = by.get(numerator), by.get(denominator)
    if a is None or b is None or not a.eligible or not b.eligible or not b.called:
        return None
    return round((a.called / a.eligible) / (b.called / b.eligible), 4)


def burden(
    pool: pl.DataFrame,
    callups: pl.DataFrame,
    *,
    by: str,
    names: dict[str, str] | None = None,
    quotas: dict[str, int] | None = None,
) -> list[GroupBurden]:
    """Burden per group ``by`` (a column of both frames). ``pool`` has a row per eligible
    person; ``callups`` a row per call-up with ``status`` and a boolean ``wrongful``."""
    eligible = pool.group_by(by).agg(pl.len().alias("eligible"))
    called = callups.group_by(by).agg(
        pl.len().alias("called"),
        (pl.col("status") == ENLISTED).sum().alias("enlisted"),
        (pl.col("status") == RELEASED).sum().alias("released"),
        pl.col("wrongful").sum().alias("wrongful"),
    )
    table = (
        eligible.join(called, on=by, how="full", coalesce=True)
        .fill_null(0)
        .with_columns(pl.col(by).cast(pl.String))
        .sort(by)
    )
    rows = []
    for row in table.iter_rows(named=True):
        group = str(row[by])
        quota = None if quotas is None else quotas.get(group, 0)
        rows.append(
            GroupBurden(
                group=group,
                name=(names or {}).get(group, group),
                eligible=int(row["eligible"]),
                quota=quota,
                called=int(row["called"]),
                enlisted=int(row["enlisted"]),
                active=int(row["called"]) - int(row["enlisted"]) - int(row["released"]),
                released=int(row["released"]),
                wrongful=int(row["wrongful"]),
                per_1000=round(1000 * row["called"] / row["eligible"], 3)
                if row["eligible"]
                else 0.0,
                fulfilment=round(row["enlisted"] / quota, 4) if quota else None,
            )
        )
    return rows


def office_load(booked: pl.DataFrame, offices: pl.DataFrame) -> pl.DataFrame:
    """Each office's booked days of each kind against its daily capacity.

    ``booked``: ``office``, ``day``, ``kind`` (notices, receptions, exams), ``used``;
    ``offices``: ``office``, ``region`` and a capacity column per kind. One row per office and
    kind it booked: days, peak used, peak and mean load (used / capacity), days full."""
    capacity = offices.unpivot(
        index=["office", "region"], variable_name="kind", value_name="capacity"
    )
    return (
        booked.join(capacity, on=["office", "kind"], how="inner")
        .with_columns(
            (pl.col("used") / pl.max_horizontal(pl.col("capacity"), pl.lit(1))).alias("load")
        )
        .group_by("office", "region", "kind", "capacity")
        .agg(
            pl.len().alias("days"),
            pl.col("used").max().alias("peak_used"),
            pl.col("load").max().alias("peak_load"),
            pl.col("load").mean().alias("mean_load"),
            (pl.col("load") >= 1).sum().alias("days_full"),
        )
        .sort(["peak_load", "office"], descending=[True, False])
    )


def claim_outcomes(claims: pl.DataFrame) -> list[ClaimOutcome]:
    """Claims by kind. ``claims``: ``kind``, ``status`` (pending, upheld, rejected),
    ``appeal`` (bool), ``automatic`` (bool), ``days`` (filing to decision, null while pending),
    ``missed`` (deadlines the boards missed)."""
    rows = []
    for (kind,), part in sorted(claims.group_by(["kind"]), key=lambda g: str(g[0][0])):
        days = [float(d) for d in part["days"].drop_nulls().to_list()]
        rows.append(
            ClaimOutcome(
                kind=str(kind),
                filed=int((~part["appeal"]).sum()),
                appeals=int(part["appeal"].sum()),
                pending=int((part["status"] == "pending").sum()),
                upheld=int((part["status"] == "upheld").sum()),
                rejected=int((part["status"] == "rejected").sum()),
                automatic=int(part["automatic"].sum()),
                median_days=median(days) or 0.0,
                missed_deadlines=int(part["missed"].sum()),
            )
        )
    return rows


def median(values: Sequence[float]) -> float | None:
    """The median (mean of the middle two for an even count), ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)
