"""Bad decree files: every problem is located (FILE:LINE:COL) and nothing is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from muster.policy.decree import DecreeError, check_text, load
from tests.policy.conftest import HEADER

GOOD_RULE = """criteria:
  - id: adult
    title: Adult
    reference: Art. 1
    condition: age >= 18
"""


def problems(text: str) -> list[str]:
    decree, found = check_text(text, "d.yaml")
    errors = [str(p) for p in found if not p.warning]
    assert (decree is None) == bool(errors)
    return [str(p) for p in found]


def only(text: str) -> str:
    found = [p for p in problems(text) if ": error: " in p]
    assert len(found) == 1, found
    return found[0]


def test_sample_decrees_are_clean() -> None:
    for path in sorted(Path("decrees").glob("*.*")):
        decree, found = check_text(path.read_text(), str(path))
        assert decree is not None and found == [], found


@pytest.mark.parametrize(
    ("condition", "message", "col"),
    [
        ("1=1; DROP TABLE persons", "a condition is one expression; found several statements", 20),
        ("age > (SELECT max(age) FROM persons)", "subqueries and tables are not allowed", 24),
        ("persons.age > 3", "'persons.age' refers to another table", 28),
        ("upper(sex) = 'M'", "function 'upper' is not allowed", 22),
        ("agee >= 18", "unknown field or parameter 'agee'; did you mean 'age'?", 16),
        ("age >= DATE '2000-01-01'", "cannot compare int with date", 16),
        ("age >= 18 AND", "cannot parse the condition", 16),
        ("age", "the condition must be bool, found int", 16),
        ("sex LIKE 'M%'", "is not allowed in a condition", 20),
    ],
)
def test_bad_conditions_are_rejected_with_position(condition: str, message: str, col: int) -> None:
    text = HEADER + GOOD_RULE.replace("age >= 18", condition)
    found = only(text)
    assert message in found
    line = HEADER.count("\n") + 5
    assert found.startswith(f"d.yaml:{line}:")


def test_position_inside_a_folded_condition() -> None:
    text = (
        HEADER
        + """criteria:
  - id: adult
    title: Adult
    reference: Art. 1
    condition: >
      age >= 18
      AND months_served > 0
      AND rnak = 'major'
"""
    )
    found = only(text)
    line = HEADER.count("\n") + 8
    assert found.startswith(f"d.yaml:{line}:11: error: unknown field or parameter 'rnak'")


def test_unknown_field_suggests_the_right_one() -> None:
    found = problems(HEADER + GOOD_RULE.replace("condition:", "conditon:"))
    line = HEADER.count("\n") + 5
    assert f"d.yaml:{line}:5: error: unknown field 'conditon'; did you mean 'condition'?" in found
    assert f"d.yaml:{line - 3}:5: error: 'condition' is required here" in found


def test_type_error_in_file_structure() -> None:
    found = problems(HEADER.replace("target: 100", "target: many") + GOOD_RULE)
    assert any("versions.0.target" in p and "'many'" in p for p in found)


def test_yaml_syntax_error_is_located() -> None:
    found = only(HEADER + "criteria:\n  - id: [unclosed\n")
    assert "not valid YAML" in found and f"d.yaml:{HEADER.count(chr(10)) + 3}:" in found


def test_unknown_parameter_and_unknown_exception_target() -> None:
    text = (
        HEADER
        + GOOD_RULE.replace("age >= 18", "age < age_cap")
        + """exceptions:
  - {id: x, title: X, reference: Y, condition: sole_carer, exception_to: [adlut]}
"""
    )
    found = problems(text)
    assert any("unknown field or parameter 'age_cap'" in p for p in found)
    assert any("no rule 'adlut'; did you mean 'adult'?" in p for p in found)


def test_cycle_of_exceptions_is_an_unordered_conflict() -> None:
    text = (
        HEADER
        + GOOD_RULE
        + """exceptions:
  - {id: a, title: A, reference: R, condition: sole_carer, exception_to: [b]}
  - {id: b, title: B, reference: R, condition: registered, exception_to: [a]}
"""
    )
    found = only(text)
    assert "unordered conflict: a → b → a set each other aside" in found


def test_rule_that_can_never_apply() -> None:
    found = only(HEADER + GOOD_RULE.replace("age >= 18", "age >= 40 AND age < 30"))
    assert "rule 'adult' can never apply" in found


def test_dates_in_the_wrong_order() -> None:
    versions = HEADER.replace(
        "  - {version: 1, effective_from: 2022-01-01, target: 100, title: First}",
        "  - {version: 1, effective_from: 2022-01-01, target: 100, title: First}\n"
        "  - {version: 2, effective_from: 2021-06-01, target: 100, title: Second}",
    )
    assert "dates must increase" in only(versions + GOOD_RULE)
    repealed = GOOD_RULE + "    in_force_from: 2022-05-01\n    repealed_from: 2022-02-01\n"
    assert "dates are in the wrong order" in only(HEADER + repealed)


def test_parameter_date_gap() -> None:
    text = (
        HEADER
        + """parameters:
  cap:
    title: Cap
    values:
      - {effective_from: 2022-03-01, value: 30}
"""
        + GOOD_RULE.replace("age >= 18", "age < cap")
    )
    assert "date gap: parameter 'cap' has no value on 2022-01-01" in only(text)


def test_duplicate_rule_ids_and_keys() -> None:
    text = (
        HEADER
        + GOOD_RULE
        + """  - id: adult
    title: Again
    reference: Art. 2
    condition: registered
"""
    )
    assert "rule id 'adult' is used twice" in only(text)
    dup_key = HEADER + GOOD_RULE.replace("    title: Adult\n", "    title: Adult\n    title: B\n")
    assert "'title' appears twice" in only(dup_key)


def test_deferral_needs_an_end_date() -> None:
    text = (
        HEADER
        + GOOD_RULE
        + """deferrals:
  - {id: d, title: D, reference: R, condition: sole_carer}
"""
    )
    assert "needs 'deferred_until'" in only(text)


def test_warning_for_a_value_a_field_never_holds() -> None:
    text = HEADER + GOOD_RULE.replace("age >= 18", "age >= 18 OR fitness = 'Z'")
    decree, found = check_text(text, "d.yaml")
    assert decree is not None
    assert [str(p) for p in found] == [
        f"d.yaml:{HEADER.count(chr(10)) + 5}:39: warning: 'Z' is never a value of fitness "
        "(values: A, B, V, G, D)"
    ]


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(HEADER + GOOD_RULE.replace("age >= 18", "agee >= 18 AND sexx = 'M'"))
    with pytest.raises(DecreeError) as info:
        load(path)
    assert len(info.value.problems) == 1  # the first unknown name stops that condition
    assert "the decree was not loaded" in str(info.value)
