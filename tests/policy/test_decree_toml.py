"""Decrees written in TOML: the same decree as in YAML, and every problem located."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from muster.policy.decree import check_text, load
from muster.policy.located import detect
from tests.policy.conftest import HEADER

TOML_HEADER = """decree = "test-decree"
title = "Test decree"
legal_source = "Test law"

[[versions]]
version = 1
effective_from = 2022-01-01
target = 100
title = "First"

"""
GOOD_RULE = """[[criteria]]
id = "adult"
title = "Adult"
reference = "Art. 1"
condition = "age >= 18"
"""
RULE_LINE = TOML_HEADER.count("\n") + 1  # the line of [[criteria]]


def problems(text: str) -> list[str]:
    decree, found = check_text(text, "d.toml")
    assert (decree is None) == any(not p.warning for p in found)
    return [str(p) for p in found]


def only(text: str) -> str:
    found = [p for p in problems(text) if ": error: " in p]
    assert len(found) == 1, found
    return found[0]


def _squeezed(data: Any) -> Any:
    """Data with the whitespace of strings collapsed (YAML folds, TOML keeps line breaks)."""
    if isinstance(data, dict):
        return {k: _squeezed(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_squeezed(v) for v in data]
    return " ".join(data.split()) if isinstance(data, str) else data


def test_the_toml_sample_is_the_yaml_sample() -> None:
    from_yaml = load(Path("decrees/partial-mobilization-2022.yaml"))
    from_toml = load(Path("decrees/partial-mobilization-2022.toml"))
    assert from_toml.warnings == []
    assert from_toml.content_hashes() == from_yaml.content_hashes()
    assert [v.ref for v in from_toml.versions] == [v.ref for v in from_yaml.versions]
    assert _squeezed(tomllib.loads(from_toml.text)) == _squeezed(yaml.safe_load(from_yaml.text))


def test_format_is_told_by_suffix_then_by_the_first_line() -> None:
    toml_text = Path("decrees/partial-mobilization-2022.toml").read_text()
    yaml_text = Path("decrees/partial-mobilization-2022.yaml").read_text()
    assert detect(toml_text, "x (stored, 0123456789ab)") == "toml"
    assert detect(yaml_text, "x (stored, 0123456789ab)") == "yaml"
    assert detect("[campaign]\nplanned_days = 3\n", "x") == "toml"
    assert detect('"decree" . x = 1\n', "x") == "toml"
    assert detect(yaml_text, "x.toml") == "toml"
    decree, found = check_text(toml_text, "stored")
    assert decree is not None and found == []


def test_toml_syntax_error_is_located() -> None:
    text = TOML_HEADER + GOOD_RULE.replace('"age >= 18"', "age >= 18")
    assert only(text) == f"d.toml:{RULE_LINE + 4}:13: error: not valid TOML: Invalid value"


def test_toml_syntax_error_at_the_end_is_located_on_the_last_line() -> None:
    text = TOML_HEADER + GOOD_RULE.replace('"age >= 18"\n', '"age >= 18')
    found = only(text)
    assert found.startswith(f"d.toml:{RULE_LINE + 4}:")
    assert "not valid TOML: Unterminated string" in found


def test_duplicate_key_is_a_toml_syntax_error() -> None:
    text = TOML_HEADER + GOOD_RULE.replace('title = "Adult"\n', 'title = "Adult"\ntitle = "B"\n')
    found = only(text)
    assert found.startswith(f"d.toml:{RULE_LINE + 3}:") and "Cannot overwrite a value" in found


def test_unknown_field_is_located_at_its_key() -> None:
    found = problems(TOML_HEADER + GOOD_RULE.replace("condition =", "conditon ="))
    assert (
        f"d.toml:{RULE_LINE + 4}:1: error: unknown field 'conditon'; did you mean 'condition'?"
        in found
    )
    assert f"d.toml:{RULE_LINE}:1: error: 'condition' is required here" in found


def test_unknown_field_in_an_inline_table_is_located_at_its_key() -> None:
    text = (
        TOML_HEADER
        + "[parameters.cap]\n"
        + 'title = "Cap"\n'
        + "values = [{ effective_from = 2022-01-01, valeu = 30 }]\n\n"
        + GOOD_RULE.replace("age >= 18", "age < cap")
    )
    found = problems(text)
    line = RULE_LINE + 2
    assert f"d.toml:{line}:42: error: unknown field 'valeu'; did you mean 'value'?" in found
    assert f"d.toml:{line}:11: error: 'value' is required here" in found


@pytest.mark.parametrize(
    ("condition", "message", "col"),
    [
        ("1=1; DROP TABLE persons", "a condition is one expression; found several statements", 17),
        ("agee >= 18", "unknown field or parameter 'agee'; did you mean 'age'?", 14),
        ("age >= DATE '2000-01-01'", "cannot compare int with date", 14),
    ],
)
def test_bad_condition_is_located_inside_its_string(condition: str, message: str, col: int) -> None:
    found = only(TOML_HEADER + GOOD_RULE.replace("age >= 18", condition))
    assert found.startswith(f"d.toml:{RULE_LINE + 4}:{col}: error: ") and message in found


@pytest.mark.parametrize("quote", ['"""', "'''"])
def test_position_inside_a_multi_line_condition(quote: str) -> None:
    rule = GOOD_RULE.replace(
        '"age >= 18"',
        f"{quote}\n  age >= 18\n  AND months_served > 0\n  AND rnak = 'major'\n{quote}",
    )
    found = only(TOML_HEADER + rule)
    assert found.startswith(
        f"d.toml:{RULE_LINE + 7}:7: error: unknown field or parameter 'rnak'"
    ), found


def test_duplicate_rule_id_names_the_first_line() -> None:
    again = GOOD_RULE.replace('title = "Adult"', 'title = "Again"')
    found = only(TOML_HEADER + GOOD_RULE + "\n" + again)
    assert found == (
        f"d.toml:{RULE_LINE + 7}:6: error: rule id 'adult' is used twice "
        f"(also on line {RULE_LINE + 1})"
    )


def test_deferral_without_end_is_located_at_its_table() -> None:
    deferral = '[[deferrals]]\nid = "d"\ntitle = "D"\nreference = "R"\ncondition = "sole_carer"\n'
    found = only(TOML_HEADER + GOOD_RULE + "\n" + deferral)
    assert found.startswith(f"d.toml:{RULE_LINE + 6}:1: error: deferral 'd' needs")


def test_bad_parameter_and_campaign_values_are_located() -> None:
    text = (
        TOML_HEADER
        + "[parameters.cap]\n"
        + 'title = "Cap"\n'
        + "values = [\n  { effective_from = 2022-01-01, value = 30 },\n"
        + "  { effective_from = 2021-01-01, value = 31 },\n]\n\n"
        + "[campaign.notices]\n"
        + 'delivered_when = ["in_person:handed_over", "pigeon:landed"]\n\n'
        + GOOD_RULE.replace("age >= 18", "age < cap")
    )
    found = [p for p in problems(text) if ": error: " in p]
    assert len(found) == 2, found
    assert found[0].startswith(f"d.toml:{RULE_LINE + 4}:22: error: parameter 'cap': values")
    assert found[1].startswith(f"d.toml:{RULE_LINE + 8}:44: error: 'pigeon:landed' is not")


@pytest.mark.parametrize(
    ("toml_date", "yaml_date"),
    [
        ("2022-01-01T10:00:00", "2022-01-01 10:00:00"),
        ('"21.01.2022"', '"21.01.2022"'),
    ],
)
def test_dates_validate_as_in_yaml(toml_date: str, yaml_date: str) -> None:
    in_toml = only(TOML_HEADER.replace("2022-01-01", toml_date) + GOOD_RULE)
    yaml_rule = "criteria:\n  - {id: adult, title: A, reference: R, condition: age >= 18}\n"
    _, in_yaml = check_text(HEADER.replace("2022-01-01", yaml_date) + yaml_rule, "d.yaml")
    assert in_toml == f"d.toml:7:18: error: {in_yaml[0].message}"


def test_native_toml_dates_and_quoted_dates_are_the_same() -> None:
    native, _ = check_text(TOML_HEADER + GOOD_RULE, "d.toml")
    quoted, _ = check_text(TOML_HEADER.replace("2022-01-01", '"2022-01-01"') + GOOD_RULE, "d.toml")
    assert native is not None and quoted is not None
    assert native.content_hashes() == quoted.content_hashes()
