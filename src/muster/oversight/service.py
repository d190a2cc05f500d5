"""Oversight of a campaign (DESIGN.md, principles 3, 4 and 6): who carries the burden per
eligible person in each region, in cities and villages and in minority regions, and how
unequal that is; the mistakes found and how fast; claims and their outcomes; office load
against capacity; the lottery's randomness audits. The report, the command line and the web
dashboard all read these functions, so they show the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import polars as pl
from pydantic import BaseModel
from sqlalchemy import Engine

from muster.cases.errors import ErrorsReport
from muster.cases.errors import report as errors_report
from muster.db.clock import Progress, quiet
from muster.errors import MusterError
from muster.oversight import analytics, reading, simulate, synthetic
from muster.oversight.scenario import Scenario
from muster.oversight.schemas import (
    ClaimOutcome,
    FairnessReport,
    LotteryCheck,
    OfficeLoad,
    SimulationParameters,
    SimulationResult,
)
from muster.policy import decree as policy
from muster.policy.versions import Decree
from muster.quotas import apportion as apportionment
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import service as selection


class OversightReport(BaseModel):
    """Everything `muster report write` prints about one campaign, as data."""

    fairness: FairnessReport
    errors: ErrorsReport
    claims: list[ClaimOutcome]
    office_load: list[OfficeLoad]
    lottery: list[LotteryCheck]
    as_of: date


def fairness(engine: Engine, *, campaign_id: int) -> FairnessReport:
    """Burden per eligible person by region, settlement type and kind of region, with the
    regional disparity (highest over lowest rate, Gini weighted by eligible persons)."""
    table = quotas.quota_table(engine, campaign_id=campaign_id)
    campaign = table.campaign
    regions = reading.regions(engine)
    people = reading.settlements(engine).join(
        regions.select("region_code", "region_kind"), on="region_code", how="left"
    )
    pool = reading.pool(engine, campaign_id=campaign_id, decree_id=campaign.decree, people=people)
    called = reading.callups(engine, campaign_id=campaign_id, people=people)
    names = dict(regions.select("region_code", "name").iter_rows())
    by_region = analytics.burden(
        pool,
        called,
        by="region_code",
        names=names,
        quotas={r.region: r.quota for r in table.regions},
    )
    by_settlement = analytics.burden(pool, called, by="settlement")
    by_minority = analytics.burden(pool, called, by="region_kind")
    eligible = pool.height
    return FairnessReport(
        campaign=campaign.id,
        decree=f"{campaign.decree}@{campaign.version}",
        target=campaign.target,
        eligible=eligible,
        called=called.height,
        enlisted=sum(r.enlisted for r in by_region),
        per_1000=round(1000 * called.height / eligible, 3) if eligible else 0.0,
        by_region=by_region,
        by_settlement=by_settlement,
        by_minority=by_minority,
        regions=analytics.disparity(by_region),
        rural_over_urban=analytics.ratio_of(by_settlement, "rural", "urban"),
        minority_over_other=analytics.ratio_of(by_minority, reading.MINORITY, reading.OTHER),
    )


def claims(engine: Engine, *, campaign_id: int) -> list[ClaimOutcome]:
    """The campaign's claims by kind: filed, appealed, pending, upheld, rejected, decided
    automatically, median days to a decision, deadlines missed."""
    return analytics.claim_outcomes(reading.claims(engine, campaign_id=campaign_id))


def office_load(engine: Engine, *, limit: int | None = None) -> list[OfficeLoad]:
    """Each office's busiest day of each kind of work against its capacity, busiest first."""
    booked, offices = reading.office_days(engine)
    table = analytics.office_load(booked, offices)
    if limit is not None:
        table = table.head(limit)
    return [
        OfficeLoad(
            office=r["office"],
            region=r["region"],
            kind=r["kind"],
            capacity=r["capacity"],
            days=r["days"],
            peak_used=r["peak_used"],
            peak_load=round(r["peak_load"], 4),
            mean_load=round(r["mean_load"], 4),
            days_full=r["days_full"],
        )
        for r in table.iter_rows(named=True)
    ]


def lottery(engine: Engine, *, campaign_id: int) -> list[LotteryCheck]:
    """The draw's randomness audits (birth date, region): is the order independent?"""
    return [
        LotteryCheck(key=key, n=a.n, p_value=a.p_value, verdict=a.verdict)
        for key, a in selection.draw_audits(engine, campaign_id=campaign_id).items()
    ]


def overview(engine: Engine, *, campaign_id: int, today: date | None = None) -> OversightReport:
    """Everything above for one campaign, and the errors report, as of ``today``."""
    today = today or date.today()
    return OversightReport(
        fairness=fairness(engine, campaign_id=campaign_id),
        errors=errors_report(engine, today=today),
        claims=claims(engine, campaign_id=campaign_id),
        office_load=office_load(engine),
        lottery=lottery(engine, campaign_id=campaign_id),
        as_of=today,
    )


def scenarios(
    engine: Engine | None, *, decree: str, compare: Sequence[str] = ("opaque",)
) -> list[Scenario]:
    """The decree's own published formula first, then each thing to compare it with:
    ``opaque`` (the baseline), an apportionment method, or another decree (a file, or the id
    of a decree loaded in the database)."""
    base = _decree(engine, decree)
    out = [Scenario(name="published", decree=base, method=base.versions[0].campaign.apportionment)]
    for item in compare:
        if item == "opaque":
            out.append(Scenario(name="opaque", decree=base, method="hamilton", opaque=True))
        elif item in apportionment.METHODS:
            method = apportionment.canonical(item)
            out.append(Scenario(name=method, decree=base, method=method))
        else:
            other = _decree(engine, item)
            method = other.versions[0].campaign.apportionment
            out.append(Scenario(name=other.id, decree=other, method=method))
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise MusterError(f"each scenario must differ; got {', '.join(names)}")
    return out


def _decree(engine: Engine | None, ref: str) -> Decree:
    path = Path(ref)
    if path.suffix in (".yaml", ".yml", ".toml") or path.is_file():
        if not path.is_file():
            raise MusterError(f"{ref}: no such decree file")
        return policy.load(path)
    unknown = MusterError(
        f"{ref!r} is not a scenario (opaque or an apportionment method: "
        f"{', '.join(sorted(apportionment.METHODS))}), a decree file, or a decree loaded in "
        "the database; load it with `muster decree load FILE` or give the file's path"
    )
    if engine is None:
        raise unknown
    try:
        return screening.stored_decree(engine, ref)
    except MusterError:
        raise unknown from None


def simulation(
    engine: Engine | None,
    *,
    decree: str,
    persons: int,
    days: int,
    seed: int = 1,
    compare: Sequence[str] = ("opaque",),
    target: int | None = None,
    params: SimulationParameters | None = None,
    progress: Progress = quiet,
) -> SimulationResult:
    """Simulate the decree's campaign and what it is compared with on one synthetic world."""
    if persons < 100:
        raise MusterError(f"--persons must be at least 100, got {persons}")
    if not 1 <= days <= 366:
        raise MusterError(f"--days must be from 1 to 366, got {days}")
    params = params or SimulationParameters()
    chosen = scenarios(engine, decree=decree, compare=compare)
    progress("synthetic world", 0, 1)
    w = synthetic.world(persons=persons, seed=seed, capacity_scale=params.capacity_scale)
    progress("synthetic world", 1, 1)
    results = []
    for i, s in enumerate(chosen):
        progress("scenarios", i, len(chosen))
        results += simulate.simulate(w, [s], days=days, seed=seed, target=target, params=params)
    progress("scenarios", len(chosen), len(chosen))
    return SimulationResult(
        persons=persons,
        seed=seed,
        start=chosen[0].decree.versions[0].effective_from,
        days=days,
        parameters=params,
        scenarios=results,
    )


def tables(report: OversightReport) -> dict[str, pl.DataFrame]:
    """The report's tables, by file name, for CSV and XLSX."""
    f = report.fairness

    def frame(rows: list[BaseModel]) -> pl.DataFrame:
        return pl.DataFrame([r.model_dump() for r in rows]) if rows else pl.DataFrame()

    return {
        "burden_by_region": frame(list(f.by_region)),
        "burden_by_settlement": frame(list(f.by_settlement)),
        "burden_by_region_kind": frame(list(f.by_minority)),
        "wrongful_by_region": frame(list(report.errors.by_region)),
        "wrongful_by_office": frame(list(report.errors.by_office)),
        "claims": frame(list(report.claims)),
        "claim_boards": frame(list(report.errors.boards)),
        "office_load": frame(list(report.office_load)),
        "lottery_audit": frame(list(report.lottery)),
    }
