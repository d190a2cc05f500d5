"""Date arithmetic the decisions rest on: ages, adding years and months, counting children."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from muster.policy.evaluate import (
    add_months,
    add_years,
    age_expr,
    age_on,
    children_cutoff,
    children_under,
    children_under_expr,
)

days = st.dates(min_value=date(1940, 1, 1), max_value=date(2040, 12, 31))


def test_add_months_and_years_clamp_to_the_month_end() -> None:
    assert add_years(date(2000, 2, 29), 1) == date(2001, 2, 28)
    assert add_years(date(2000, 2, 29), 4) == date(2004, 2, 29)
    assert add_months(date(2001, 1, 31), 1) == date(2001, 2, 28)
    assert add_months(date(2001, 3, 31), -1) == date(2001, 2, 28)


def test_age_counts_full_years() -> None:
    assert age_on(date(2000, 10, 10), date(2022, 10, 9)) == 21
    assert age_on(date(2000, 10, 10), date(2022, 10, 10)) == 22
    assert age_on(date(2000, 2, 29), date(2022, 2, 28)) == 21
    assert age_on(date(2000, 2, 29), date(2022, 3, 1)) == 22


@given(days, days)
def test_age_in_bulk_equals_age_for_one(birth: date, as_of: date) -> None:
    frame = pl.DataFrame({"birth_date": [birth]})
    assert frame.select(age_expr(as_of)).item() == age_on(birth, as_of)


@given(days, st.integers(min_value=1, max_value=30), days)
def test_under_n_years_is_born_after_the_cutoff(birth: date, years: int, as_of: date) -> None:
    assert (add_years(birth, years) > as_of) == (birth > children_cutoff(years, as_of))


@given(st.lists(days, max_size=6), st.integers(min_value=1, max_value=20), days)
def test_children_under_in_bulk_equals_for_one(kids: list[date], years: int, as_of: date) -> None:
    text = ";".join(sorted(k.isoformat() for k in kids)) or None
    frame = pl.DataFrame(
        {"children_birth_dates": [text]}, schema={"children_birth_dates": pl.String}
    )
    assert frame.select(children_under_expr(years, as_of)).item() == children_under(
        text, years, as_of
    )


def test_stray_blanks_in_a_children_list_count_the_same_both_ways() -> None:
    as_of = date(2022, 10, 10)
    for text in ("2010-01-01;2011-01-01; 2013-01-01", " 2012-05-05 ;;2014-01-01;", ""):
        frame = pl.DataFrame({"children_birth_dates": [text]})
        bulk = frame.select(children_under_expr(16, as_of)).item()
        assert bulk == children_under(text, 16, as_of) == text.count("20")
