"""A simulated campaign's outcome: per region and per group, the burden, the mistakes and
the days to fulfil, in the same terms as a real campaign's oversight report."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from muster.oversight import analytics
from muster.oversight.scenario import ENLISTED, RELEASED, Scenario
from muster.oversight.schemas import GroupBurden, RegionOutcome, ScenarioResult
from muster.oversight.synthetic import Bools, Ints, World


def by_region(ids: Ints, region: Ints) -> list[tuple[int, Ints]]:
    """Call-up ids grouped by region, each group in call-up order."""
    if not ids.size:
        return []
    order = np.lexsort((ids, region))
    ids, region = ids[order], region[order]
    cuts = np.flatnonzero(np.diff(region)) + 1
    return [
        (int(g[0]), i) for g, i in zip(np.split(region, cuts), np.split(ids, cuts), strict=True)
    ]


def result(
    w: World,
    s: Scenario,
    pool: Bools,
    quota: Ints,
    person: Ints,
    state: Ints,
    wrongful: Bools,
    selected: Ints,
    released: Ints,
    claimed: Bools,
    fulfilled: Ints,
    peak: npt.NDArray[np.float64],
    enlisted_by_day: list[int],
    load_by_day: list[float],
    *,
    days: int,
    target: int,
) -> ScenarioResult:
    regions = len(w.region_codes)
    region = w.region[person]
    eligible = np.bincount(w.region[pool], minlength=regions)
    called = np.bincount(region, minlength=regions)
    enlisted = np.bincount(region[state == ENLISTED], minlength=regions)
    wrong = np.bincount(region[wrongful], minlength=regions)
    rows = [
        RegionOutcome(
            region=code,
            name=w.region_names[r],
            urban_share_pct=int(w.urban_share_pct[r]),
            minority=bool(w.minority[r]),
            eligible=int(eligible[r]),
            quota=int(quota[r]),
            called=int(called[r]),
            enlisted=int(enlisted[r]),
            wrongful=int(wrong[r]),
            per_1000=round(1000 * called[r] / eligible[r], 3) if eligible[r] else 0.0,
            days_to_fulfil=int(fulfilled[r]) if fulfilled[r] >= 0 else None,
            peak_load=round(float(peak[r]), 3),
        )
        for r, code in enumerate(w.region_codes)
    ]

    def group(name: str, in_pool: Bools, in_called: Bools) -> GroupBurden:
        n_pool, n_called = int(in_pool.sum()), int(in_called.sum())
        return GroupBurden(
            group=name,
            name=name,
            eligible=n_pool,
            called=n_called,
            enlisted=0,
            active=0,
            released=0,
            wrongful=0,
            per_1000=round(1000 * n_called / n_pool, 3) if n_pool else 0.0,
        )

    rural = w.rural[person]
    minority = w.minority[region]
    settlement = [
        group("rural", pool & w.rural, rural),
        group("urban", pool & ~w.rural, ~rural),
    ]
    kinds = [
        group("minority", pool & w.minority[w.region], minority),
        group("other", pool & ~w.minority[w.region], ~minority),
    ]
    by_region = [
        group(r.region, w.region == i, region == i).model_copy(
            update={"eligible": r.eligible, "per_1000": r.per_1000}
        )
        for i, r in enumerate(rows)
    ]
    corrected = (state == RELEASED) & wrongful
    done = [int(d) for d in fulfilled if d >= 0]
    return ScenarioResult(
        name=s.name,
        description=s.description,
        decree=s.decree.id,
        method="opaque" if s.opaque else s.method,
        target=target,
        days=days,
        eligible=int(pool.sum()),
        called=int(person.size),
        enlisted=int(enlisted.sum()),
        wrongful=int(wrongful.sum()),
        wrongful_enlisted=int((wrongful & (state == ENLISTED)).sum()),
        median_days_to_correction=analytics.median(
            (released[corrected] - selected[corrected]).tolist()
        ),
        fulfilled_regions=len(done),
        median_days_to_fulfil=analytics.median(done),
        max_days_to_fulfil=max(done) if len(done) == int((quota > 0).sum()) else None,
        regions=analytics.disparity(by_region),
        rural_over_urban=analytics.ratio_of(settlement, "rural", "urban"),
        minority_over_other=analytics.ratio_of(kinds, "minority", "other"),
        peak_load=round(float(peak.max()), 3) if peak.size else 0.0,
        claims=int(claimed.sum()),
        by_region=rows,
        enlisted_by_day=enlisted_by_day,
        load_by_day=load_by_day,
    )
