"""Deterministic synthetic population, produced in fixed-size chunks (streams to 30 million).

Everything is drawn from NumPy generators seeded by ``(seed, part, chunk)``, so the same seed
gives the same registry whatever the machine, and chunks can be produced one at a time in
constant memory. The shares live in ``population.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from muster.registry import nationalid
from muster.registry import population as pop
from muster.registry.schemas import PERSON_FIELDS
from muster.vocabulary import RANKS

CHUNK = 100_000
_SERIAL_SPACE = 9_000_000_000

_SYLLABLES = (
    "va",
    "ro",
    "ne",
    "ka",
    "li",
    "mo",
    "sta",
    "bel",
    "gor",
    "du",
    "vi",
    "ra",
    "to",
    "ze",
    "mi",
    "lo",
    "pre",
    "sko",
    "tu",
    "ba",
    "chi",
    "da",
    "lev",
    "no",
)
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


def _word(rng: np.random.Generator, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES, size=parts)).capitalize()


def _family_names(seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 11])
    suffixes = ("ov", "ev", "in", "enko", "uk", "ski", "yan", "adze", "ov", "ov")
    names = {_word(rng, int(rng.integers(1, 3))) + str(rng.choice(suffixes)) for _ in range(900)}
    return np.array(sorted(names), dtype=object)


@dataclass(frozen=True)
class Geography:
    regions: pl.DataFrame  # code, name, urban_share_pct, minority, share
    districts: pl.DataFrame  # region_code, district, name, share_in_region


def geography(seed: int, n_regions: int) -> Geography:
    """Regions with skewed sizes (two metropolises, a long tail) and their districts."""
    rng = np.random.default_rng([seed, 1])
    metro = pop.METROPOLIS_SHARES[: max(0, min(2, n_regions - 1))]
    rest = rng.lognormal(0.0, pop.REGION_SIZE_SIGMA, size=n_regions - len(metro))
    rest = np.sort(rest)[::-1] / rest.sum() * (1.0 - sum(metro))
    shares = np.concatenate([np.array(metro, dtype=float), rest])
    codes = [f"R{i + 1:02d}" for i in range(n_regions)]
    names: list[str] = []
    used: set[str] = set()
    for i in range(n_regions):
        while True:
            base = _word(rng, int(rng.integers(2, 4)))
            if base not in used:
                used.add(base)
                break
        names.append(f"{base} City" if i < len(metro) else f"{base} Region")
    urban = np.where(
        np.arange(n_regions) < len(metro),
        rng.integers(97, 101, n_regions),
        rng.integers(45, 86, n_regions),
    )
    # minority regions: drawn more often among the smaller regions, and more rural
    smallness = np.arange(n_regions) / max(1, n_regions - 1)
    minority = (rng.random(n_regions) < pop.MINORITY_SHARE * 2 * smallness) & (
        np.arange(n_regions) >= len(metro)
    )
    urban = np.where(minority, np.maximum(30, urban - 15), urban)
    regions = pl.DataFrame(
        {
            "code": codes,
            "name": names,
            "urban_share_pct": urban.astype(np.int64),
            "minority": minority,
            "share": shares,
        }
    )
    rows: list[tuple[str, str, str, float]] = []
    for code, name, share in zip(codes, names, shares, strict=True):
        count = int(min(125, max(3, round(share * pop.DISTRICTS_PER_REGION_SHARE))))
        weights = rng.lognormal(0.0, 0.5, size=count)
        weights /= weights.sum()
        base = name.rsplit(" ", 1)[0]
        for k in range(count):
            rows.append(
                (code, f"{code}-{k + 1:03d}", f"{base} district {k + 1}", float(weights[k]))
            )
    districts = pl.DataFrame(
        rows, schema=["region_code", "district", "name", "share_in_region"], orient="row"
    )
    return Geography(regions, districts)


def offices(geo: Geography, persons: int) -> pl.DataFrame:
    """One office per district, capacities sized to the district's expected population."""
    d = geo.districts.join(
        geo.regions.select("code", "share"), left_on="region_code", right_on="code"
    )
    expected = pl.col("share") * pl.col("share_in_region") * persons

    def cap(per: int, least: int) -> pl.Expr:
        return pl.max_horizontal((expected / per).round(0).cast(pl.Int64), pl.lit(least))

    return d.select(
        pl.col("district").alias("code"),
        (pl.col("name") + " office").alias("name"),
        "region_code",
        "district",
        (pl.lit("1 Office Square, ") + pl.col("name")).alias("address"),
        cap(pop.PERSONS_PER_NOTICE_SLOT, 5).alias("notices_per_day"),
        cap(pop.PERSONS_PER_RECEPTION_SLOT, 4).alias("receptions_per_day"),
        cap(pop.PERSONS_PER_EXAM_SLOT, 3).alias("exams_per_day"),
    )


def employers(seed: int, geo: Geography, persons: int) -> pl.DataFrame:
    """Employers by sector in proportion to the employed, with accreditation and critical flags."""
    rng = np.random.default_rng([seed, 2])
    count = max(60, persons // pop.PERSONS_PER_EMPLOYER)
    sector_share = {
        s: (pop.SECTOR_SHARES_URBAN[s] + pop.SECTOR_SHARES_RURAL[s]) / 2
        for s in pop.SECTOR_SHARES_URBAN
        if s != "none"
    }
    sectors = list(sector_share)
    p = np.array([sector_share[s] for s in sectors])
    drawn = rng.choice(len(sectors), size=count, p=p / p.sum())
    drawn[: len(sectors)] = np.arange(len(sectors))  # every sector has an employer
    sector = np.array(sectors, dtype=object)[drawn]
    accreditation = np.full(count, None, dtype=object)
    u = rng.random(count)
    for s, shares in pop.ACCREDITATION_SHARES.items():
        low = 0.0
        for label, share in shares.items():
            accreditation[(sector == s) & (u >= low) & (u < low + share)] = label
            low += share
    critical = np.zeros(count, dtype=bool)
    v = rng.random(count)
    for s, share in pop.CRITICAL_SHARES.items():
        critical |= (sector == s) & (v < share)
    region = rng.choice(
        geo.regions["code"].to_numpy(), size=count, p=geo.regions["share"].to_numpy()
    )
    suffix = {
        "it": "Systems",
        "telecom": "Telecom",
        "media": "Media",
        "finance": "Bank",
        "energy": "Energy",
        "agriculture": "Agro",
        "health": "Clinic",
        "education": "School",
        "defence_industry": "Works",
        "public_service": "Agency",
        "other": "Trading",
    }
    names = [f"{_word(rng, 2)} {suffix[s]}" for s in sector]
    return pl.DataFrame(
        {
            "code": [f"E{i + 1:07d}" for i in range(count)],
            "name": names,
            "sector": sector.tolist(),
            "accreditation": accreditation.tolist(),
            "critical": critical,
            "region_code": region.tolist(),
            "size": rng.lognormal(0.0, 1.2, size=count),
        },
        schema_overrides={"accreditation": pl.String},
    )


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
