"""Whole campaigns on a synthetic population, day by day, in memory (docs/simulation.md).

A scenario is a decree and a way of setting quotas. The **published** way is Muster's: each
region's quota from its eligible pool by the decree's apportionment formula (or another
method), capped by what its offices can receive and examine; a lottery inside the pool;
everyone re-decided on the day a notice is issued and again when an amendment takes effect;
report days booked within reception capacity. The **opaque** baseline is how a call-up is run
without a published formula: quotas by where people are easiest to reach (men on the register
near offices, villages reached more easily than cities), notices handed out within a few days
whatever the offices can receive, a share of people taken from the register without screening
against the decree, and mistakes found only when the person claims or is examined.

Every random draw belongs to a person (their place in the lottery, how many days delivery
takes, whether they come, claim, are found unfit), made once from the seed, so two scenarios
differ only in what the scenario changes, and a seed always gives the same result.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from muster.errors import MusterError
from muster.oversight.outcome import by_region, result
from muster.oversight.scenario import (
    ACTIVE,
    CLAIM,
    DUE,
    ENLISTED,
    NOTICES,
    OUT,
    QUEUE,
    REACH_SCALE,
    RELEASED,
    WAITING,
    Draws,
    Scenario,
    scaled_target,
)
from muster.oversight.schemas import ScenarioResult, SimulationParameters
from muster.oversight.synthetic import Bools, Ints, World
from muster.policy.versions import Version
from muster.quotas import apportion


def _quotas(
    w: World,
    s: Scenario,
    version: Version,
    pool: Bools,
    target: int,
    days: int,
    p: SimulationParameters,
) -> Ints:
    regions = len(w.region_codes)
    if s.opaque:
        reach = np.where(w.rural, p.reach_rural, p.reach_urban) * w.reachable
        weights = np.bincount(w.region, weights=reach, minlength=regions)
        caps = np.bincount(w.region[w.reachable], minlength=regions)
        seats = apportion.apportion(
            [round(x * REACH_SCALE) for x in weights],
            total=target,
            method="hamilton",
            max_seats=caps.tolist(),
        ).seats
        return np.array(seats, dtype=np.int64)
    eligible = np.bincount(w.region[pool], minlength=regions)
    caps = np.minimum(eligible, w.daily_capacity * days)
    if caps.sum() < target:
        raise MusterError(
            f"the target {target:,} is more than the regions can take in {days} days: "
            f"{int(caps.sum()):,} (eligible pools capped by office capacity); lower --target, "
            "simulate more --days or raise capacity_scale"
        )
    seats = apportion.apportion(
        eligible.tolist(),
        total=target,
        method=s.method,
        min_seats=version.campaign.min_quota,
        max_seats=caps.tolist(),
    ).seats
    return np.array(seats, dtype=np.int64)


def _orders(
    w: World, s: Scenario, pool: Bools, draws: Draws, p: SimulationParameters
) -> list[Ints]:
    """Each region's order of persons to call."""
    key = draws.lottery
    if s.opaque:  # weighted by reach: the easiest to reach come first
        reach = np.where(w.rural, p.reach_rural, p.reach_urban)
        key = np.log(np.maximum(key, 1e-300)) / -reach
    orders = []
    for r in range(len(w.region_codes)):
        here = w.region == r
        screened = np.flatnonzero(here & pool)
        screened = screened[np.argsort(key[screened], kind="stable")]
        if not s.opaque:
            orders.append(screened)
            continue
        others = np.flatnonzero(here & w.reachable & ~pool)
        others = others[np.argsort(key[others], kind="stable")]
        n = len(screened) + len(others)
        coin = np.random.default_rng([int(key.size), r, 11]).random(n) < p.baseline_unscreened
        ib, ia = np.cumsum(coin) - 1, np.cumsum(~coin) - 1
        valid = np.where(coin, ib < len(others), ia < len(screened))
        picked = np.where(
            coin,
            others[np.clip(ib, 0, max(0, len(others) - 1))] if len(others) else -1,
            screened[np.clip(ia, 0, max(0, len(screened) - 1))] if len(screened) else -1,
        )
        orders.append(picked[valid].astype(np.int64))
    return orders


def _book(booked: Ints, capacity: int, first: int, n: int) -> Ints:
    """Report days for ``n`` people from day ``first`` on, within a daily capacity."""
    days: list[int] = []
    day = first
    while len(days) < n:
        if day >= booked.size:
            days.extend([day] * (n - len(days)))
            break
        free = int(capacity - booked[day])
        if free > 0:
            take = min(free, n - len(days))
            booked[day] += take
            days.extend([day] * take)
        day += 1
    return np.array(days, dtype=np.int64)


def run(
    w: World,
    s: Scenario,
    *,
    days: int,
    target: int,
    start: date,
    seed: int,
    params: SimulationParameters,
) -> ScenarioResult:
    """One scenario over ``days`` days from ``start``."""
    p = params
    draws = Draws.make(w.size, seed, p)
    first = s.decree.in_force(start)
    pool = w.eligible(first, start)
    quota = _quotas(w, s, first, pool, target, days, p)
    orders = _orders(w, s, pool, draws, p)
    regions = len(w.region_codes)
    nxt = np.zeros(regions, dtype=np.int64)
    person = np.zeros(w.size, dtype=np.int64)
    state = np.zeros(w.size, dtype=np.int64)
    due = np.zeros(w.size, dtype=np.int64)
    sent = np.zeros(w.size, dtype=np.int64)
    selected = np.zeros(w.size, dtype=np.int64)
    released = np.full(w.size, -1, dtype=np.int64)
    wrongful = np.zeros(w.size, dtype=bool)
    claimed = np.zeros(w.size, dtype=bool)
    n = 0
    booked = np.zeros((regions, days + 400), dtype=np.int64)
    fulfilled = np.full(regions, -1, dtype=np.int64)
    peak = np.zeros(regions)
    enlisted_by_day: list[int] = []
    load_by_day: list[float] = []
    rules = first.campaign
    rush = np.ceil(quota / p.baseline_rush_days).astype(np.int64)

    def release(ids: Ints, day: int, mistake: bool) -> None:
        state[ids], released[ids] = RELEASED, day
        wrongful[ids] |= mistake

    def schedule(ids: Ints, first_day: int) -> None:
        """Report days: booked within reception capacity, or (opaque) whatever comes."""
        state[ids] = DUE
        if s.opaque:
            due[ids] = first_day
            return
        for r, group in by_region(ids, w.region[person[ids]]):
            due[group] = _book(booked[r], int(w.receptions_per_day[r]), first_day, group.size)

    for d in range(days):
        today = start + timedelta(days=d)
        version = s.decree.in_force(today)
        eligible = w.eligible(version, max(start, version.effective_from))
        active = np.flatnonzero(np.isin(state[:n], ACTIVE))
        if not s.opaque and d > 0 and version.effective_from == today:  # corrections run
            release(active[~eligible[person[active]]], d, True)
        # claims decided today
        ids = np.flatnonzero((state[:n] == CLAIM) & (due[:n] <= d))
        ok = ~eligible[person[ids]] | (draws.upheld[person[ids]] < p.claim_upheld)
        release(ids[ok], d, True)
        schedule(ids[~ok], d + rules.notices.report_after_days)
        # reporting: a no-show waits for a repeat notice
        ids = np.flatnonzero((state[:n] == DUE) & (due[:n] == d))
        gone = draws.no_show[person[ids], np.minimum(sent[ids] - 1, NOTICES - 1)]
        state[ids[gone]] = WAITING
        state[ids[~gone]] = QUEUE
        arrivals = np.bincount(w.region[person[ids[~gone]]], minlength=regions)
        peak = np.maximum(peak, arrivals / w.receptions_per_day)
        # examinations, first come first served, within each region's capacity
        ids = np.flatnonzero(state[:n] == QUEUE)
        if ids.size:
            reg = w.region[person[ids]]
            ids = ids[np.lexsort((ids, due[ids], reg))]
            reg = w.region[person[ids]]
            starts = np.searchsorted(reg, reg, side="left")
            ids = ids[(np.arange(ids.size) - starts) < w.exams_per_day[reg]]
            who = person[ids]
            unfit = ~w.fit_recorded[who] | (draws.unfit[who] < p.unfit_rate)
            release(ids[unfit], d, False)
            wrongful[ids[unfit]] |= ~w.fit_recorded[who[unfit]]
            fit = ids[~unfit]
            state[fit] = ENLISTED
            wrongful[fit] |= ~eligible[person[fit]]
        # delivery: a claim stops the clock
        ids = np.flatnonzero((state[:n] == OUT) & (due[:n] <= d))
        excluded = ~eligible[person[ids]]
        rate = np.where(excluded, p.wrongful_claim_rate, p.claim_rate)
        claims = draws.claim[person[ids]] < rate
        claimed[ids[claims]] = True
        auto = claims & excluded & (not s.opaque)  # the registry proves it at once
        state[ids[claims]] = CLAIM
        due[ids[claims]] = np.where(auto[claims], d, d + rules.claims.board_days)
        schedule(ids[~claims], d + rules.notices.report_after_days)
        if not version.ends_call_up:
            # draw up to each region's quota, replacements included
            counted = np.bincount(w.region[person[:n][state[:n] != RELEASED]], minlength=regions)
            for r in map(int, np.flatnonzero(counted < quota)):
                take = orders[r][nxt[r] : nxt[r] + int(quota[r] - counted[r])]
                nxt[r] += take.size
                person[n : n + take.size], state[n : n + take.size] = take, WAITING
                selected[n : n + take.size] = d
                n += take.size
            # notices: the published way re-decides on the day and keeps within capacity
            ids = np.flatnonzero(state[:n] == WAITING)
            if not s.opaque:
                bad = ~eligible[person[ids]]
                release(ids[bad], d, True)
                ids = ids[~bad]
            limit = rush if s.opaque else w.notices_per_day
            for r, group in by_region(ids, w.region[person[ids]]):
                group = group[: int(limit[r])]
                state[group] = OUT
                due[group] = (
                    d + 1 + draws.delivery_days[person[group], np.minimum(sent[group], NOTICES - 1)]
                )
                sent[group] += 1
        enlisted = np.bincount(w.region[person[:n][state[:n] == ENLISTED]], minlength=regions)
        fulfilled[(fulfilled < 0) & (enlisted >= quota)] = d + 1
        enlisted_by_day.append(int(enlisted.sum()))
        load_by_day.append(round(float(arrivals.sum() / w.receptions_per_day.sum()), 4))
    return result(
        w,
        s,
        pool,
        quota,
        person[:n],
        state[:n],
        wrongful[:n],
        selected[:n],
        released[:n],
        claimed[:n],
        fulfilled,
        peak,
        enlisted_by_day,
        load_by_day,
        days=days,
        target=target,
    )


def simulate(
    w: World,
    scenarios: list[Scenario],
    *,
    days: int,
    seed: int,
    target: int | None = None,
    start: date | None = None,
    params: SimulationParameters | None = None,
) -> list[ScenarioResult]:
    """Each scenario over the same world and the same persons' draws."""
    if days < 1:
        raise MusterError(f"--days must be at least 1, got {days}")
    if not scenarios:
        raise MusterError("nothing to simulate: name at least one scenario")
    params = params or SimulationParameters()
    results = []
    for s in scenarios:
        begin = start or s.decree.versions[0].effective_from
        goal = target if target is not None else scaled_target(s.decree, w.size)
        if goal < 1:
            raise MusterError(f"--target must be at least 1, got {goal}")
        results.append(run(w, s, days=days, target=goal, start=begin, seed=seed, params=params))
    return results
