"""The synthetic population: deterministic, consistent and shaped like a real registry."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from muster.registry import nationalid
from muster.registry.generate import CHUNK, Generator
from muster.registry.geography import offices
from muster.registry.schemas import PERSON_FIELDS
from muster.vocabulary import RANKS

REF = date(2022, 9, 21)


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    gen = Generator(seed=3, persons=150_000, regions=85, reference=REF)
    return pl.concat(list(gen.chunks()))


def test_same_seed_same_registry_other_seed_other_registry() -> None:
    a = Generator(seed=5, persons=1_000, regions=10, reference=REF)
    b = Generator(seed=5, persons=1_000, regions=10, reference=REF)
    c = Generator(seed=6, persons=1_000, regions=10, reference=REF)
    first = pl.concat(list(a.chunks()))
    assert first.equals(pl.concat(list(b.chunks())))
    assert not first.equals(pl.concat(list(c.chunks())))


def test_chunks_are_bounded_and_cover_every_person() -> None:
    gen = Generator(seed=1, persons=CHUNK * 2 + 17, regions=5, reference=REF)
    sizes = [chunk.height for chunk in gen.chunks()]
    assert sizes == [CHUNK, CHUNK, 17]


def test_columns_are_the_file_layout(people: pl.DataFrame) -> None:
    assert tuple(people.columns) == PERSON_FIELDS


def test_national_ids_are_valid_and_unique(people: pl.DataFrame) -> None:
    assert people["national_id"].n_unique() == people.height
    assert people.select(nationalid.valid_expr("national_id").all()).item()


def test_ages_are_18_to_65_on_the_reference_date(people: pl.DataFrame) -> None:
    b = pl.col("birth_date")
    later_in_year = (b.dt.month().cast(pl.Int32) * 100 + b.dt.day()) > REF.month * 100 + REF.day
    age = REF.year - b.dt.year() - later_in_year.cast(pl.Int32)
    ages = people.select(age.min().alias("lo"), age.max().alias("hi")).row(0)
    assert ages == (18, 65)


def test_region_sizes_are_skewed(people: pl.DataFrame) -> None:
    counts = people["region_code"].value_counts().sort("count", descending=True)["count"]
    assert counts[0] > 0.07 * people.height  # the capital
    assert counts[0] > 10 * counts[len(counts) // 2]  # far larger than the median region


def test_shares_are_plausible(people: pl.DataFrame) -> None:
    n = people.height
    share = {
        "men": (people["sex"] == "M").sum() / n,
        "rural": (people["settlement"] == "rural").sum() / n,
        "served": (people["months_served"] > 0).sum() / n,
        "fit_a_or_b": people["fitness"].is_in(["A", "B"]).sum() / n,
        "students": people["study_kind"].is_not_null().sum() / n,
        "it": (people["sector"] == "it").sum() / n,
        "serving": (people["status"] == "serving").sum() / n,
    }
    assert 0.92 < share["men"] < 0.96
    assert 0.15 < share["rural"] < 0.40
    assert 0.55 < share["served"] < 0.75
    assert 0.55 < share["fit_a_or_b"] < 0.80
    assert 0.02 < share["students"] < 0.10
    assert 0.01 < share["it"] < 0.06
    assert 0 < share["serving"] < 0.02


def test_fields_are_consistent_with_each_other(people: pl.DataFrame) -> None:
    ranked = people.filter(pl.col("rank").is_not_null())
    expected = ranked["rank"].replace_strict(RANKS)
    assert (ranked["rank_group"] == expected).all()
    assert people.filter((pl.col("months_served") == 0) & pl.col("rank").is_not_null()).is_empty()
    g = people.filter(pl.col("fitness") == "G")
    assert g["unfit_until"].is_not_null().all() and (g["unfit_until"] > REF).all()
    assert people.filter(
        (pl.col("fitness") != "G") & pl.col("unfit_until").is_not_null()
    ).is_empty()
    students = people.filter(pl.col("study_kind").is_not_null())
    assert (students["study_end"] > REF).all()
    children = (
        people.filter(pl.col("children_birth_dates").is_not_null())
        .select("birth_date", pl.col("children_birth_dates").str.split(";").alias("kids"))
        .explode("kids")
        .with_columns(pl.col("kids").str.to_date())
    )
    assert (children["kids"] > children["birth_date"]).all()
    assert (children["kids"] <= REF).all()


def test_some_fathers_have_four_or_more_children(people: pl.DataFrame) -> None:
    kids = people["children_birth_dates"].str.count_matches(";") + 1
    assert 0.002 < (kids >= 4).sum() / people.height < 0.05


def test_offices_cover_every_district_with_capacity() -> None:
    gen = Generator(seed=2, persons=30_000_000, regions=85, reference=REF)
    table = offices(gen.geo, 30_000_000)
    assert 1_500 <= table.height <= 2_500
    assert table["code"].n_unique() == table.height
    assert (table["notices_per_day"] >= 5).all()
    # national notice capacity is of the order needed to serve 300,000 in a few weeks
    assert 5_000 < table["notices_per_day"].sum() < 30_000


def test_employers_cover_every_sector_with_accreditation() -> None:
    gen = Generator(seed=2, persons=100_000, regions=20, reference=REF)
    emp = gen.employers
    assert set(emp["sector"]) >= {"it", "telecom", "media", "finance", "energy"}
    accredited = emp.filter(pl.col("accreditation") == "it_accredited")
    assert (accredited["sector"] == "it").all() and accredited.height > 0
