"""Property: for random decrees and random persons, the bulk evaluator (Polars, whole frame)
and the explaining evaluator (one person at a time) give the same decision, end date,
decisive ground and grounds — including dates at the edges: birthdays on the as-of date,
leap days, deferrals ending that very day, missing values."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from muster.policy.decree import check_text
from muster.policy.engine import decide_frame, explain
from muster.vocabulary import ACCREDITATIONS, FITNESS, RANKS, STUDY_KINDS
from tests.policy.conftest import BASE_PERSON, frame

AS_OF_DAYS = [
    date(2024, 2, 28),
    date(2024, 2, 29),
    date(2024, 3, 1),
    date(2023, 2, 28),
    date(2023, 3, 1),
    date(2022, 9, 21),
    date(2022, 12, 31),
]
OPS = ["<", "<=", ">", ">=", "=", "<>"]


def atoms() -> st.SearchStrategy[str]:
    ints = st.integers(min_value=0, max_value=70)
    return st.one_of(
        st.builds(lambda o, n: f"age {o} {n}", st.sampled_from(OPS), st.integers(15, 70)),
        st.builds(lambda o: f"age {o} p_age", st.sampled_from(OPS)),
        st.builds(lambda o, n: f"months_served {o} {n}", st.sampled_from(OPS), ints),
        st.builds(
            lambda xs: "fitness IN (" + ", ".join(f"'{x}'" for x in xs) + ")",
            st.lists(st.sampled_from(FITNESS), min_size=1, max_size=3, unique=True),
        ),
        st.just("fitness IN (p_fit)"),
        st.builds(lambda r: f"rank_group = '{r}'", st.sampled_from(sorted(set(RANKS.values())))),
        st.sampled_from(
            [
                "sole_carer",
                "NOT serious_conviction",
                "registered",
                "combat_experience",
                "disability_group IS NULL",
                "disability_group IN (1, 2)",
                "disability_group IN (1, NULL)",
                "unfit_until > as_of",
                "study_end <= add_years(as_of, 1)",
                "add_months(birth_date, 216) <= as_of",
                "add_days(unfit_until, 3) >= as_of",
                "birth_date BETWEEN DATE '1990-02-28' AND DATE '2000-03-01'",
                "employer_accreditation = 'it_accredited'",
                "employer_critical",
                "months_served + 6 > 18",
                "NULL = 1",
            ]
        ),
        st.builds(
            lambda n, k: f"children_under({n}) >= {k}", st.integers(1, 18), st.integers(0, 4)
        ),
    )


def conditions() -> st.SearchStrategy[str]:
    return st.recursive(
        atoms(),
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"({a}) AND ({b})", inner, inner),
            st.builds(lambda a, b: f"({a}) OR ({b})", inner, inner),
            st.builds(lambda a: f"NOT ({a})", inner),
        ),
        max_leaves=4,
    )


UNTILS = [
    "unfit_until",
    "study_end",
    "add_years(as_of, 1)",
    "add_days(as_of, 0)",
    "add_months(birth_date, 480)",
]


@st.composite
def decrees(draw: st.DrawFn) -> str:
    def rules(prefix: str, lo: int, hi: int) -> list[dict[str, Any]]:
        return [
            {
                "id": f"{prefix}{i}",
                "title": f"{prefix} {i}",
                "reference": f"Art. {i}",
                "condition": draw(conditions()),
            }
            for i in range(draw(st.integers(lo, hi)))
        ]

    criteria, exemptions, deferrals = rules("c", 1, 3), rules("e", 0, 2), rules("d", 0, 3)
    for d in deferrals:
        d["deferred_until"] = draw(st.sampled_from(UNTILS))
    targets = [r["id"] for r in criteria + exemptions + deferrals]
    exceptions = []
    for i in range(draw(st.integers(0, 2))):
        pool = targets + [f"x{j}" for j in range(i)]  # only earlier exceptions: no cycles
        exceptions.append(
            {
                "id": f"x{i}",
                "title": f"x {i}",
                "reference": "Art. 9",
                "condition": draw(conditions()),
                "exception_to": draw(
                    st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True)
                ),
            }
        )
    doc = {
        "decree": "random",
        "title": "Random",
        "legal_source": "Test",
        "parameters": {
            "p_age": {
                "title": "age",
                "values": [
                    {"effective_from": date(2020, 1, 1), "value": draw(st.integers(18, 60))},
                    {"effective_from": date(2023, 1, 1), "value": draw(st.integers(18, 60))},
                ],
            },
            "p_fit": {
                "title": "fitness",
                "values": [
                    {
                        "effective_from": date(2020, 1, 1),
                        "value": draw(st.lists(st.sampled_from(FITNESS), min_size=1, unique=True)),
                    }
                ],
            },
        },
        "versions": [
            {"version": 1, "effective_from": date(2021, 1, 1), "target": 1, "title": "v1"}
        ],
        "criteria": criteria,
        "exemptions": exemptions,
        "deferrals": deferrals,
        "exceptions": exceptions,
    }
    return yaml.safe_dump(doc, sort_keys=False)


def near(day: date) -> st.SearchStrategy[date | None]:
    return st.one_of(st.none(), st.integers(-3, 3).map(lambda n: day + timedelta(days=n)))


@st.composite
def persons(draw: st.DrawFn, as_of: date) -> dict[str, Any]:
    years = draw(st.integers(15, 70))
    try:
        anniversary = as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        anniversary = date(as_of.year - years, 2, 28)
    birth = draw(
        st.one_of(
            st.integers(-2, 2).map(lambda n: anniversary + timedelta(days=n)),
            st.just(date(as_of.year - years - (as_of.year - years) % 4, 2, 29)),
            st.dates(min_value=date(1950, 1, 1), max_value=date(2008, 12, 31)),
        )
    )
    kids = draw(
        st.lists(
            st.one_of(
                st.integers(-2, 2).map(
                    lambda n: add_years_safe(as_of, -draw(st.integers(1, 18))) + timedelta(days=n)
                ),
                st.dates(min_value=date(1990, 1, 1), max_value=as_of),
            ),
            max_size=5,
        )
    )
    rank = draw(st.one_of(st.none(), st.sampled_from(sorted(RANKS))))
    return BASE_PERSON | {
        "birth_date": birth,
        "rank": rank,
        "rank_group": RANKS[rank] if rank else None,
        "months_served": draw(st.one_of(st.none(), st.integers(0, 60))),
        "fitness": draw(st.one_of(st.none(), st.sampled_from(FITNESS))),
        "unfit_until": draw(near(as_of)),
        "study_kind": draw(st.one_of(st.none(), st.sampled_from(STUDY_KINDS))),
        "study_end": draw(near(add_years_safe(as_of, 1))),
        "sole_carer": draw(st.booleans()),
        "registered": draw(st.one_of(st.none(), st.booleans())),
        "combat_experience": draw(st.booleans()),
        "serious_conviction": draw(st.booleans()),
        "disability_group": draw(st.one_of(st.none(), st.integers(1, 3))),
        "employer_accreditation": draw(st.one_of(st.none(), st.sampled_from(ACCREDITATIONS))),
        "employer_critical": draw(st.one_of(st.none(), st.booleans())),
        "children_birth_dates": ";".join(sorted(k.isoformat() for k in kids)) or None,
    }


def add_years_safe(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_bulk_and_explaining_evaluators_agree(data: st.DataObject) -> None:
    text = data.draw(decrees())
    decree, _problems = check_text(text, "random.yaml")
    assume(decree is not None)
    assert decree is not None
    version = decree.version(1)
    as_of = data.draw(st.sampled_from(AS_OF_DAYS))
    people = data.draw(st.lists(persons(as_of), min_size=1, max_size=12))
    bulk = decide_frame(version, frame(people), as_of).collect()
    for p, row in zip(people, bulk.iter_rows(named=True), strict=True):
        one = explain(version, p, as_of)
        assert (
            one.decision,
            one.until,
            one.decisive.id if one.decisive else None,
            one.grounds,
        ) == (row["decision"], row["until"], row["ground"], row["grounds"]), (text, p)
