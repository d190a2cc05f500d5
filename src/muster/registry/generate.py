"""Deterministic synthetic population, produced in fixed-size chunks (streams to 30 million).

Everything is drawn from NumPy generators seeded by ``(seed, part, chunk)``, so the same seed
gives the same registry whatever the machine, and chunks can be produced one at a time in
constant memory. The shares live in ``population.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date

import numpy as np
import polars as pl

from muster.registry import nationalid
from muster.registry import population as pop
from muster.registry.geography import employers, geography, word
from muster.registry.schemas import PERSON_FIELDS
from muster.vocabulary import RANKS

CHUNK = 100_000
_SERIAL_SPACE = 9_000_000_000

_GIVEN_M = (
    "Ivan",
    "Pavel",
    "Oleg",
    "Artem",
    "Dmitri",
    "Sergei",
    "Nikolai",
    "Andrei",
    "Yuri",
    "Mikhail",
    "Roman",
    "Timur",
    "Ilya",
    "Maksim",
    "Bogdan",
    "Kirill",
    "Arsen",
    "Ruslan",
    "Egor",
    "Stepan",
    "Vadim",
    "Gleb",
    "Denis",
    "Marat",
    "Anton",
    "Lev",
)
_GIVEN_F = (
    "Anna",
    "Olga",
    "Irina",
    "Maria",
    "Elena",
    "Daria",
    "Zarina",
    "Alina",
    "Vera",
    "Nadia",
    "Sofia",
    "Lidia",
)
_STREETS = (
    "Central",
    "Garden",
    "Station",
    "River",
    "School",
    "Field",
    "Forest",
    "Lake",
    "Mill",
    "Bridge",
    "Market",
    "Church",
    "Hill",
    "Meadow",
    "Park",
    "Spring",
)


def _family_names(seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 11])
    suffixes = ("ov", "ev", "in", "enko", "uk", "ski", "yan", "adze", "ov", "ov")
    names = {word(rng, int(rng.integers(1, 3))) + str(rng.choice(suffixes)) for _ in range(900)}
    return np.array(sorted(names), dtype=object)


def _affine(seed: int) -> tuple[int, int]:
    """Multiplier and offset of a bijection on the serial space: unique ids, random-looking."""
    rng = np.random.default_rng([seed, 3])
    a = int(rng.integers(1_000_000_007, _SERIAL_SPACE))
    while math.gcd(a, _SERIAL_SPACE) != 1:
        a += 1
    return a, int(rng.integers(0, _SERIAL_SPACE))


def _pick(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _only(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``mask`` holds, None elsewhere."""
    out = values.astype(object)
    out[~mask] = None
    return out


def _age_weights() -> tuple[np.ndarray, np.ndarray]:
    ages = np.arange(18, 66)
    xs, ys = zip(*pop.AGE_ANCHORS, strict=True)
    w = np.interp(ages, xs, ys)
    return ages, w / w.sum()


class Generator:
    """Produces the persons of a synthetic registry chunk by chunk."""

    def __init__(self, *, seed: int, persons: int, regions: int, reference: date) -> None:
        self.seed, self.total, self.reference = seed, persons, reference
        self.geo = geography(seed, regions)
        self.employers = employers(seed, self.geo, persons)
        self.family = _family_names(seed)
        self.a, self.b = _affine(seed)
        d = self.geo.districts.join(
            self.geo.regions.select("code", "share", "urban_share_pct"),
            left_on="region_code",
            right_on="code",
        )
        self.d_region = d["region_code"].to_numpy().astype(object)
        self.d_code = d["district"].to_numpy().astype(object)
        self.d_name = d["name"].to_numpy().astype(object)
        self.d_urban = d["urban_share_pct"].to_numpy() / 100.0
        p = (d["share"] * d["share_in_region"]).to_numpy()
        self.d_p = p / p.sum()
        self.emp_by_sector: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for (sector,), group in self.employers.group_by(["sector"], maintain_order=True):
            w = group["size"].to_numpy()
            self.emp_by_sector[str(sector)] = (group["code"].to_numpy().astype(object), w / w.sum())

    @property
    def birth_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """For ages 18..65: the latest and earliest birth date giving that age on the reference."""

        def years_before(years: int) -> date:
            ref = self.reference
            return ref.replace(
                year=ref.year - years, day=min(ref.day, 28) if ref.month == 2 else ref.day
            )

        latest = np.array([years_before(a) for a in range(18, 66)], dtype="datetime64[D]")
        earliest = np.array(
            [years_before(a + 1) for a in range(18, 66)], dtype="datetime64[D]"
        ) + np.timedelta64(1, "D")
        return latest, earliest

    def chunks(self) -> Iterator[pl.DataFrame]:
        for index, start in enumerate(range(0, self.total, CHUNK)):
            yield self.chunk(index, start, min(CHUNK, self.total - start))

    def chunk(self, index: int, start: int, n: int) -> pl.DataFrame:
        rng = np.random.default_rng([self.seed, 100, index])
        ref = np.datetime64(self.reference, "D")
        i = start + rng.permutation(n).astype(np.int64)
        serial = 1_000_000_000 + (self.a * i + self.b) % _SERIAL_SPACE

        male = rng.random(n) < pop.MALE_SHARE
        ages, age_p = _age_weights()
        age = rng.choice(ages, size=n, p=age_p)
        latest, earliest = self.birth_bounds
        span = (latest[age - 18] - earliest[age - 18]).astype(np.int64) + 1
        birth = earliest[age - 18] + (rng.random(n) * span).astype("timedelta64[D]")

        district = rng.choice(len(self.d_p), size=n, p=self.d_p)
        urban = rng.random(n) < self.d_urban[district]

        registered = rng.random(n) < np.where(male, pop.REGISTERED_SHARE, 1.0)
        served = registered & (
            rng.random(n) < np.where(male, pop.SERVED_SHARE_MEN, pop.SERVED_SHARE_WOMEN)
        )
        contract = served & (rng.random(n) < pop.CONTRACT_SHARE)
        months = np.where(served, np.where(age >= 35, 24, 12), 0)
        months = np.where(contract, rng.integers(36, 241, n), months)
        group = _pick(rng, pop.RANK_GROUP_SHARES, n)
        group = np.where((group == "senior_officer") & (age < 30), "junior_officer", group)
        group = np.where(
            np.isin(group, ["junior_officer", "senior_officer"]) & (age < 21), "soldier", group
        )
        rank = np.empty(n, dtype=object)
        for g, shares in pop.RANK_SHARES.items():
            mask = group == g
            rank[mask] = _pick(rng, shares, int(mask.sum()))
        rank = _only(served, rank)
        group = _only(served, group)
        spec_codes = {k: v[1] for k, v in pop.SPECIALTIES.items()}
        specialty = _only(served, _pick(rng, spec_codes, n))
        combat = served & (rng.random(n) < pop.COMBAT_SHARE_OF_SERVED)

        fitness = _pick(rng, pop.FITNESS_SHARES, n)
        older = (age > 45) & (rng.random(n) < 0.25)
        fitness = np.where(older & np.isin(fitness, ["A", "B"]), "V", fitness)
        unfit_until = np.where(
            fitness == "G",
            ref + rng.integers(30, 366, n).astype("timedelta64[D]"),
            np.datetime64("NaT"),
        )

        sector = np.where(
            urban, _pick(rng, pop.SECTOR_SHARES_URBAN, n), _pick(rng, pop.SECTOR_SHARES_RURAL, n)
        )
        xs, ys = zip(*pop.STUDY_BY_AGE, strict=True)
        studying = rng.random(n) < np.interp(age, xs, ys, right=0.0)
        postgrad = (
            ~studying & (age >= 23) & (age <= 30) & (rng.random(n) < pop.POSTGRADUATE_SHARE_23_30)
        )
        study_kind = _only(studying, _pick(rng, pop.STUDY_KIND_SHARES, n))
        study_kind = np.where(postgrad, "postgraduate", study_kind)
        student = studying | postgrad
        study_end = np.where(
            student, ref + rng.integers(120, 1650, n).astype("timedelta64[D]"), np.datetime64("NaT")
        )
        sector = np.where(student & (rng.random(n) < 0.7), "none", sector)
        employer = np.full(n, None, dtype=object)
        employed = (sector != "none") & (rng.random(n) >= pop.SELF_EMPLOYED_SHARE)
        for s, (codes, w) in sorted(self.emp_by_sector.items()):
            mask = employed & (sector == s)
            employer[mask] = codes[rng.choice(len(codes), size=int(mask.sum()), p=w)]

        k = rng.choice(
            len(pop.CHILDREN_SHARES),
            size=n,
            p=np.array(pop.CHILDREN_SHARES) / sum(pop.CHILDREN_SHARES),
        )
        k = np.where(age >= 30, k, np.where(rng.random(n) < (age - 18) / 12.0, np.minimum(k, 2), 0))
        span = np.maximum(0, np.minimum(age, 45) - 19)
        offsets = rng.random((n, 7)) * span[:, None] + 19
        child = birth[:, None] + (offsets * 365.25).astype("timedelta64[D]")
        child = np.where(
            (np.arange(7)[None, :] < k[:, None]) & (child <= ref), child, np.datetime64("NaT")
        )
        child = np.sort(child, axis=1)  # NaT sorts last

        disability = np.full(n, None, dtype=object)
        u = rng.random(n) / np.clip(age / 40.0, 0.5, 1.6)
        low = 0.0
        for grade, share in pop.DISABILITY_SHARES.items():
            disability[(u >= low) & (u < low + share)] = grade
            low += share
        status = np.full(n, "active", dtype=object)
        v = rng.random(n)
        low = 0.0
        for s, share in pop.STATUS_SHARES.items():
            status[(v >= low) & (v < low + share)] = s
            low += share
        status = np.where((status == "serving") & ~(served & male & (age < 50)), "active", status)

        given = np.where(
            male,
            np.array(_GIVEN_M, dtype=object)[rng.integers(0, len(_GIVEN_M), n)],
            np.array(_GIVEN_F, dtype=object)[rng.integers(0, len(_GIVEN_F), n)],
        )
        columns = {
            "serial": serial,
            "family_name": self.family[rng.integers(0, len(self.family), n)],
            "given_name": given,
            "birth_date": birth,
            "sex": np.where(male, "M", "F"),
            "region_code": self.d_region[district],
            "district": self.d_code[district],
            "settlement": np.where(urban, "urban", "rural"),
            "house": rng.integers(1, 200, n),
            "street": np.array(_STREETS, dtype=object)[rng.integers(0, len(_STREETS), n)],
            "dname": self.d_name[district],
            "registered": registered,
            "rank": rank,
            "rank_group": group,
            "specialty_code": specialty,
            "months_served": months.astype(np.int64),
            "combat_experience": combat,
            "fitness": fitness,
            "unfit_until": unfit_until.astype("datetime64[D]"),
            "sector": sector,
            "employer_id": employer,
            "study_kind": study_kind,
            "study_end": study_end.astype("datetime64[D]"),
            "sole_carer": rng.random(n) < pop.SOLE_CARER_SHARE,
            "disability_group": disability,
            "serious_conviction": male & (rng.random(n) < pop.SERIOUS_CONVICTION_SHARE_MEN),
            "status": status,
            **{f"c{j}": child[:, j] for j in range(7)},
        }
        frame = pl.DataFrame(
            {k: v.tolist() if v.dtype == object else v for k, v in columns.items()},
            schema_overrides={
                c: pl.String
                for c in ("rank", "rank_group", "specialty_code", "employer_id", "study_kind")
            }
            | {"disability_group": pl.Int64},
            nan_to_null=True,
        )
        children = pl.concat_str(
            [pl.col(f"c{j}").dt.strftime("%Y-%m-%d") for j in range(7)],
            separator=";",
            ignore_nulls=True,
        )
        return frame.with_columns(
            nationalid.make_expr(pl.col("serial")).alias("national_id"),
            (
                pl.col("house").cast(pl.String)
                + " "
                + pl.col("street")
                + " Street, "
                + pl.when(pl.col("settlement") == "urban")
                .then(pl.col("dname"))
                .otherwise(pl.col("dname") + " village")
            ).alias("address"),
            pl.when(children == "").then(None).otherwise(children).alias("children_birth_dates"),
        ).select(PERSON_FIELDS)


assert set(RANKS.values()) == set(pop.RANK_SHARES)
