"""The simulator's world in memory: a synthetic population drawn by the registry's own
generator, its regions and office capacities, and each decree version's decisions over it by
the policy engine's bulk evaluator. No database: a campaign of any size is simulated in
seconds, and the same seed gives the same world."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from muster.policy.engine import decide_frame
from muster.policy.versions import Version
from muster.registry import population as pop
from muster.registry.generate import Generator

REFERENCE = date(2022, 9, 21)
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass
class World:
    """A synthetic population and its offices, as arrays indexed by person and by region."""

    persons: pl.DataFrame  # the policy's input columns, one row per person
    region_codes: list[str]
    region_names: list[str]
    urban_share_pct: Ints
    minority: Bools
    region: Ints  # each person's region index
    rural: Bools
    fit_recorded: Bools  # fitness A or B in the registry (an examination finds the others)
    reachable: Bools  # men on the register, in the country, not serving, 18 to 60
    notices_per_day: Ints  # per region: its offices together
    receptions_per_day: Ints
    exams_per_day: Ints
    daily_capacity: Ints  # per region: per office the smaller of receptions and exams, summed
    _decisions: dict[tuple[str, int, date], Bools] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.persons.height

    def eligible(self, version: Version, as_of: date) -> Bools:
        """Who the version finds eligible on the day (cached per version and day)."""
        key = (version.decree, version.number, as_of)
        if key not in self._decisions:
            decided = decide_frame(version, self.persons, as_of).select("decision").collect()
            self._decisions[key] = (decided["decision"] == "eligible").to_numpy()
        return self._decisions[key]


def world(
    *,
    persons: int,
    seed: int,
    regions: int = 85,
    reference: date = REFERENCE,
    capacity_scale: float = 1.0,
) -> World:
    """The registry ``muster registry generate`` would write with this seed, in memory."""
    gen = Generator(seed=seed, persons=persons, regions=regions, reference=reference)
    employers = gen.employers.select(
        pl.col("code").alias("employer_id"),
        pl.col("accreditation").alias("employer_accreditation"),
        pl.col("critical").alias("employer_critical"),
        pl.col("sector").alias("employer_sector"),
    )
    frame = (
        pl.concat(list(gen.chunks()))
        .join(employers, on="employer_id", how="left", maintain_order="left")
        .drop("national_id", "family_name", "given_name", "address")
    )
    codes = gen.geo.regions["code"].to_list()
    index = {c: i for i, c in enumerate(codes)}
    region = frame["region_code"].replace_strict(index, return_dtype=pl.Int64).to_numpy()
    people = np.bincount(region, minlength=len(codes)).astype(float)

    def per_region(persons_per_slot: int) -> Ints:
        """A region's offices together, at the registry's ratio of persons to daily slots
        (without the per-office minimums, so a small world has a nation's proportions)."""
        return np.maximum(1, np.round(people * capacity_scale / persons_per_slot)).astype(np.int64)

    receptions = per_region(pop.PERSONS_PER_RECEPTION_SLOT)
    exams = per_region(pop.PERSONS_PER_EXAM_SLOT)

    age = (
        np.datetime64(reference, "D") - frame["birth_date"].to_numpy().astype("datetime64[D]")
    ).astype(np.int64) / 365.25
    reachable = (
        (frame["sex"] == "M").to_numpy()
        & frame["registered"].to_numpy()
        & (frame["status"] == "active").to_numpy()
        & (age >= 18)
        & (age < 61)
    )
    return World(
        persons=frame,
        region_codes=codes,
        region_names=gen.geo.regions["name"].to_list(),
        urban_share_pct=gen.geo.regions["urban_share_pct"].to_numpy().astype(np.int64),
        minority=gen.geo.regions["minority"].to_numpy().astype(bool),
        region=region.astype(np.int64),
        rural=(frame["settlement"] == "rural").to_numpy(),
        fit_recorded=frame["fitness"].is_in(["A", "B"]).fill_null(False).to_numpy(),
        reachable=reachable,
        notices_per_day=per_region(pop.PERSONS_PER_NOTICE_SLOT),
        receptions_per_day=receptions,
        exams_per_day=exams,
        daily_capacity=np.minimum(receptions, exams),
    )
