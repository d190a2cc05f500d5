"""The synthetic registry's geography and employers: regions with skewed sizes, districts,
one office per district sized to its population, employers by sector with accreditation.
Deterministic by seed; independent of how many persons are drawn, except office capacities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from muster.registry import population as pop

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


def word(rng: np.random.Generator, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES, size=parts)).capitalize()


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
            base = word(rng, int(rng.integers(2, 4)))
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
    names = [f"{word(rng, 2)} {suffix[s]}" for s in sector]
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
