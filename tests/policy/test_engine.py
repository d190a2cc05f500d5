"""Decision semantics a citizen and a judge rely on, on hand-made cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from muster.policy.decree import Version, load
from muster.policy.engine import decide_frame, explain
from muster.policy.schemas import Explanation
from tests.policy.conftest import decree_from, frame, person

AS_OF = date(2022, 10, 10)

RULES = """
parameters:
  age_limit:
    title: Age limit
    reference: Art. 1
    values:
      - {effective_from: 2022-01-01, value: 35}
      - {effective_from: 2022-06-01, value: 40}
criteria:
  - {id: young-enough, title: Young enough, reference: Art. 1, condition: age < age_limit}
  - {id: served, title: Served, reference: Art. 2, condition: months_served > 0}
exemptions:
  - {id: it, title: IT worker, reference: Art. 3,
     condition: employer_accreditation = 'it_accredited'}
deferrals:
  - {id: unfit, title: Temporarily unfit, reference: Art. 4, condition: fitness = 'G',
     deferred_until: unfit_until}
  - {id: student, title: Student, reference: Art. 5, condition: study_kind IS NOT NULL,
     deferred_until: study_end}
exceptions:
  - {id: it-officers, title: Not for officers, reference: Art. 3.2,
     condition: "rank_group IN ('junior_officer', 'senior_officer')", exception_to: [it]}
  - {id: it-officer-doctors, title: Except doctors, reference: Art. 3.3,
     condition: specialty_code = 'MS-610', exception_to: [it-officers]}
  - {id: veterans, title: Veterans need no service record, reference: Art. 2.1,
     condition: combat_experience, exception_to: [served]}
"""


@pytest.fixture(scope="module")
def version() -> Version:
    return decree_from(RULES).version(1)


def both(version: Version, p: dict[str, Any], as_of: date = AS_OF) -> Explanation:
    """Decide with both evaluators; they must agree."""
    bulk = decide_frame(version, frame([p]), as_of).collect().row(0, named=True)
    one = explain(version, p, as_of)
    assert (one.decision, one.until, one.decisive.id if one.decisive else None, one.grounds) == (
        bulk["decision"],
        bulk["until"],
        bulk["ground"],
        bulk["grounds"],
    )
    return one


def test_eligible_when_every_criterion_holds_and_nothing_releases(version: Version) -> None:
    assert both(version, person()).decision == "eligible"


def test_first_failing_criterion_is_decisive(version: Version) -> None:
    result = both(version, person(birth_date=date(1950, 1, 1), months_served=0))
    assert result.decision == "ineligible" and result.decisive.id == "young-enough"
    assert [r.id for r in result.rules if r.kind == "criterion" and not r.held] == [
        "young-enough",
        "served",
    ]


def test_parameter_value_follows_the_as_of_date(version: Version) -> None:
    p = person(birth_date=date(1985, 1, 1))  # 37: over 35, under 40
    assert both(version, p, date(2022, 5, 1)).decision == "ineligible"
    later = both(version, p, date(2022, 7, 1))
    assert later.decision == "eligible"
    [used] = later.parameters
    assert (used.name, used.value, used.effective_from) == ("age_limit", 40, date(2022, 6, 1))


def test_age_limit_on_the_birthday(version: Version) -> None:
    p = person(birth_date=date(1982, 10, 10))
    assert both(version, p, date(2022, 10, 9)).decision == "eligible"  # 39 the day before
    assert both(version, p, date(2022, 10, 10)).decision == "ineligible"  # 40 on the day


def test_leap_day_birthday_counts_from_first_of_march(version: Version) -> None:
    p = person(birth_date=date(1984, 2, 29))
    assert both(version, p, date(2024, 2, 28)).decision == "eligible"  # still 39
    assert both(version, p, date(2023, 2, 28)).decision == "eligible"
    assert both(version, p, date(2024, 2, 29)).decision == "ineligible"  # 40


def test_exemption_releases_and_exception_sets_it_aside(version: Version) -> None:
    it = person(employer_accreditation="it_accredited")
    assert both(version, it).decision == "exempt"
    officer = person(
        employer_accreditation="it_accredited", rank="captain", rank_group="junior_officer"
    )
    result = both(version, officer)
    assert result.decision == "eligible"
    [it_rule] = [r for r in result.rules if r.id == "it"]
    assert it_rule.held and not it_rule.applies and it_rule.set_aside_by == ["it-officers"]


def test_exception_to_an_exception_restores_the_exemption(version: Version) -> None:
    doctor = person(
        employer_accreditation="it_accredited",
        rank="captain",
        rank_group="junior_officer",
        specialty_code="MS-610",
    )
    assert both(version, doctor).decision == "exempt"


def test_exception_to_a_criterion_waives_it(version: Version) -> None:
    assert both(version, person(months_served=0, combat_experience=True)).decision == "eligible"


def test_deferral_lasts_until_its_end_date(version: Version) -> None:
    p = person(fitness="G", unfit_until=date(2022, 12, 1))
    result = both(version, p)
    assert (result.decision, result.until) == ("deferred", date(2022, 12, 1))
    assert both(version, p, date(2022, 12, 1)).decision == "eligible"  # ends that day


def test_latest_of_two_deferrals_decides(version: Version) -> None:
    p = person(
        fitness="G",
        unfit_until=date(2022, 12, 1),
        study_kind="state_university",
        study_end=date(2024, 6, 30),
    )
    result = both(version, p)
    assert (result.decision, result.until, result.decisive.id) == (
        "deferred",
        date(2024, 6, 30),
        "student",
    )


def test_deferral_with_unknown_end_lasts_until_reviewed(version: Version) -> None:
    result = both(version, person(study_kind="state_university", study_end=None))
    assert (result.decision, result.until) == ("deferred", None)


def test_unknown_input_means_the_rule_does_not_apply(version: Version) -> None:
    result = both(version, person(months_served=None))
    assert result.decision == "ineligible" and result.decisive.id == "served"


def test_explanation_lists_inputs_with_their_source(version: Version) -> None:
    result = both(version, person())
    names = {i.name: i for i in result.inputs}
    assert names["age"].source.startswith("derived")
    assert names["months_served"].source == "registry: persons.months_served"
    assert names["months_served"].value == 12


def test_sample_decree_2022_history() -> None:
    decree = load(Path("decrees/partial-mobilization-2022.yaml"))
    assert [v.number for v in decree.versions] == [1, 2, 3, 4, 5]
    assert [v.ends_call_up for v in decree.versions] == [False] * 4 + [True]
    it_worker = person(birth_date=date(1995, 3, 3), employer_accreditation="it_accredited")
    assert both(decree.version(1), it_worker, date(2022, 9, 22)).decision == "eligible"
    assert both(decree.version(2), it_worker, date(2022, 9, 23)).decision == "exempt"
    student = person(
        birth_date=date(2001, 3, 3), study_kind="private_university", study_end=date(2025, 6, 30)
    )
    assert both(decree.version(3), student, date(2022, 9, 30)).decision == "eligible"
    assert both(decree.version(4), student, date(2022, 10, 5)).decision == "deferred"
    assert decree.in_force(date(2022, 9, 30)).number == 3
    old = person(birth_date=date(1980, 1, 1))
    result = both(decree.version(1), old, date(2022, 9, 21))
    assert result.decisive.id == "reserve-age"


def test_bulk_frame_keeps_row_order() -> None:
    v = decree_from(RULES).version(1)
    rows = [person(months_served=m) for m in (0, 5, 0, 7)]
    out = decide_frame(v, frame(rows), AS_OF).collect()
    assert out["decision"].to_list() == ["ineligible", "eligible", "ineligible", "eligible"]
    assert isinstance(out, pl.DataFrame)


THREE_VALUED = """
criteria:
  - {id: c, title: C, reference: A, condition: months_served >= 0}
exemptions:
  - {id: e1, title: E1, reference: B, condition: "NOT (disability_group IN (1, NULL))"}
  - {id: e2, title: E2, reference: B, condition: "NOT (employer_critical AND registered)"}
"""


@pytest.mark.parametrize(
    ("dg", "critical", "registered", "decision"),
    [
        (2, True, True, "eligible"),  # 2 IN (1, NULL) is unknown, and NOT unknown is unknown
        (None, None, False, "exempt"),  # unknown AND false is false; NOT false is true
        (3, None, True, "eligible"),  # unknown AND true is unknown
        (1, True, True, "eligible"),
    ],
)
def test_sql_three_valued_logic(
    dg: int | None, critical: bool | None, registered: bool, decision: str
) -> None:
    v = decree_from(THREE_VALUED).version(1)
    p = person(disability_group=dg, employer_critical=critical, registered=registered)
    assert both(v, p).decision == decision
