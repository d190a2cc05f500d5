"""What oversight reads from the store of record, as plain Polars frames for ``analytics``."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine, text

from muster.cases.errors import MISTAKES
from muster.registry import service as registry
from muster.registry.reading import person_frames
from muster.screening import service as screening
from muster.selection import service as selection

MINORITY = "minority regions"
OTHER = "other regions"


def _frame(engine: Engine, query: str, schema: dict[str, Any], **params: Any) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(query), params)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def regions(engine: Engine) -> pl.DataFrame:
    """``region_code``, ``name``, ``urban_share_pct``, ``minority`` (the aggregate-only flag
    of ``registry/geography.py``) and ``region_kind`` (minority or other regions)."""
    frame = _frame(
        engine,
        "SELECT code, name, urban_share_pct, CASE WHEN minority THEN 1 ELSE 0 END "
        "FROM regions ORDER BY code",
        {
            "region_code": pl.String,
            "name": pl.String,
            "urban_share_pct": pl.Int64,
            "minority": pl.Int64,
        },
    )
    return frame.with_columns(
        pl.col("minority").cast(pl.Boolean),
        pl.when(pl.col("minority").cast(pl.Boolean))
        .then(pl.lit(MINORITY))
        .otherwise(pl.lit(OTHER))
        .alias("region_kind"),
    )


def settlements(engine: Engine) -> pl.DataFrame:
    """Every person's ``id``, ``region_code`` and ``settlement`` (urban or rural)."""
    frames = list(person_frames(engine, columns=["region_code", "settlement"]))
    if not frames:
        return pl.DataFrame(
            schema={"id": pl.Int64, "region_code": pl.String, "settlement": pl.String}
        )
    return pl.concat(frames)


def pool(engine: Engine, *, campaign_id: int, decree_id: str, people: pl.DataFrame) -> pl.DataFrame:
    """One row per eligible person of the campaign: the pools the lottery froze at commit, or
    before the commitment the latest decisions."""
    frozen = selection.pools(engine, campaign_id=campaign_id)
    if frozen:
        ids = pl.DataFrame(
            {"id": pl.concat([pl.Series(v, dtype=pl.Int64) for v in frozen.values()])}
        )
        return ids.join(people, on="id", how="inner")
    frames = list(
        screening.decided_frames(
            engine, decree_id=decree_id, columns=["region_code", "settlement"], eligible_only=True
        )
    )
    if not frames:
        return people.clear()
    return pl.concat(frames).select(people.columns)


def callups(engine: Engine, *, campaign_id: int, people: pl.DataFrame) -> pl.DataFrame:
    """One row per call-up of the campaign: ``id`` (the person), ``status``, ``wrongful``
    (released as wrongful, exempt or deferred), with the person's region and settlement."""
    frame = _frame(
        engine,
        "SELECT person_id, status, reason FROM call_ups WHERE campaign_id = :c",
        {"id": pl.Int64, "status": pl.String, "reason": pl.String},
        c=campaign_id,
    )
    kind = pl.col("reason").fill_null("").str.split(":").list.first().str.strip_chars()
    return frame.with_columns(
        ((pl.col("status") == "released") & kind.is_in(list(MISTAKES))).alias("wrongful")
    ).join(people, on="id", how="inner")


def claims(engine: Engine, *, campaign_id: int) -> pl.DataFrame:
    """The campaign's claims: ``kind``, ``status``, ``appeal``, ``automatic``, ``days`` (from
    filing to decision), ``missed``."""
    frame = _frame(
        engine,
        "SELECT kind, status, CASE WHEN appeal_of IS NULL THEN 0 ELSE 1 END, "
        "CASE WHEN automatic THEN 1 ELSE 0 END, CAST(filed_on AS TEXT), "
        "CAST(decided_on AS TEXT), missed FROM claims WHERE campaign_id = :c",
        {
            "kind": pl.String,
            "status": pl.String,
            "appeal": pl.Int64,
            "automatic": pl.Int64,
            "filed_on": pl.String,
            "decided_on": pl.String,
            "missed": pl.Int64,
        },
        c=campaign_id,
    )
    as_date = {
        c: pl.col(c).str.slice(0, 10).str.to_date("%Y-%m-%d") for c in ("filed_on", "decided_on")
    }
    flags = {c: pl.col(c).cast(pl.Boolean) for c in ("appeal", "automatic")}
    return frame.with_columns(**as_date, **flags).with_columns(
        (pl.col("decided_on") - pl.col("filed_on")).dt.total_days().alias("days")
    )


def office_days(engine: Engine) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Office days booked (``office``, ``day``, ``kind``, ``used``) and each office's daily
    capacity by kind (``office``, ``region``, ``notices``, ``receptions``, ``exams``)."""
    booked = _frame(
        engine,
        "SELECT office_code, CAST(day AS TEXT), kind, used FROM office_days",
        {"office": pl.String, "day": pl.String, "kind": pl.String, "used": pl.Int64},
    )
    offices = pl.DataFrame(
        [
            (o.code, o.region, o.notices_per_day, o.receptions_per_day, o.exams_per_day)
            for o in registry.list_offices(engine)
        ],
        schema={
            "office": pl.String,
            "region": pl.String,
            "notices": pl.Int64,
            "receptions": pl.Int64,
            "exams": pl.Int64,
        },
        orient="row",
    )
    return booked, offices
