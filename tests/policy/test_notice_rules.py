"""The decree's notices block: how notices are served is law too, checked and located."""

from __future__ import annotations

from pathlib import Path

from muster.policy.decree import check_text, load
from muster.policy.versions import NoticeRules
from tests.policy.conftest import HEADER, decree_from

RULE = """criteria:
  - id: adult
    title: Adult
    reference: Art. 1
    condition: age >= 18
"""
NOTICES = """campaign:
  notices:
    report_after_days: 5
    claim_within_days: 10
    delivered_when:
      - in_person:handed_over
      - electronic:opened
    training_per_week: 1000
"""
# Line of the first delivered_when entry in HEADER + RULE + NOTICES.
FIRST_ENTRY = HEADER.count("\n") + RULE.count("\n") + 6


def errors(text: str) -> list[str]:
    decree, found = check_text(text, "d.yaml")
    assert decree is None
    return [str(p) for p in found if not p.warning]


def test_the_notices_block_is_read_into_the_version() -> None:
    rules = decree_from(RULE + NOTICES).versions[0].campaign.notices
    assert rules == NoticeRules(
        report_after_days=5,
        claim_within_days=10,
        delivered_when=frozenset({("in_person", "handed_over"), ("electronic", "opened")}),
        training_per_week=1000,
    )


def test_without_a_notices_block_the_defaults_apply() -> None:
    rules = decree_from(RULE).versions[0].campaign.notices
    assert rules == NoticeRules()
    assert rules.training_per_week is None
    assert ("registered_mail", "returned_unclaimed") not in rules.delivered_when


def test_the_2022_decree_says_how_its_notices_are_served() -> None:
    rules = load(Path("decrees/partial-mobilization-2022.yaml")).versions[-1].campaign.notices
    assert (rules.report_after_days, rules.claim_within_days) == (3, 7)
    assert rules.training_per_week == 60_000
    assert rules.delivered_when == {
        ("in_person", "handed_over"),
        ("registered_mail", "signed_for"),
        ("electronic", "opened"),
    }


def test_an_unknown_outcome_is_located_with_the_known_ones() -> None:
    text = HEADER + RULE + NOTICES.replace("electronic:opened", "electronic:seen")
    assert errors(text) == [
        f"d.yaml:{FIRST_ENTRY + 1}:9: error: 'electronic:seen' is not channel:outcome of a "
        "delivery attempt (known: in_person: handed_over, refused, not_met; registered_mail: "
        "signed_for, refused, returned_unclaimed; electronic: placed_in_account, opened)"
    ]


def test_an_unknown_channel_or_a_missing_outcome_is_located() -> None:
    text = (
        HEADER
        + RULE
        + NOTICES.replace("in_person:handed_over", "pigeon:landed").replace(
            "electronic:opened", "handed_over"
        )
    )
    found = errors(text)
    assert [p.split(": error: ")[0] for p in found] == [
        f"d.yaml:{FIRST_ENTRY}:9",
        f"d.yaml:{FIRST_ENTRY + 1}:9",
    ]
    assert "'pigeon:landed' is not channel:outcome" in found[0]
    assert "'handed_over' is not channel:outcome" in found[1]


def test_out_of_range_numbers_and_unknown_fields_are_located() -> None:
    text = HEADER + RULE + NOTICES.replace("report_after_days: 5", "report_after_days: 0")
    (found,) = errors(text)
    assert found.startswith(f"d.yaml:{FIRST_ENTRY - 3}:")
    assert "report_after_days" in found
    typo = HEADER + RULE + NOTICES.replace("training_per_week", "trainig_per_week")
    (found,) = errors(typo)
    assert found.startswith(f"d.yaml:{FIRST_ENTRY + 2}:5: error: unknown field 'trainig_per_week'")
    assert "did you mean 'training_per_week'?" in found


def test_an_empty_delivered_when_is_refused() -> None:
    text = (
        HEADER
        + RULE
        + NOTICES.replace(
            "    delivered_when:\n      - in_person:handed_over\n      - electronic:opened\n",
            "    delivered_when: []\n",
        )
    )
    (found,) = errors(text)
    assert "delivered_when" in found


def test_how_notices_are_served_is_part_of_what_a_version_in_force_fixes() -> None:
    """Changing which deliveries count changes the version's content hash, so a version in
    force cannot quietly change it."""
    one = decree_from(RULE + NOTICES).content_hashes()
    other = decree_from(RULE + NOTICES.replace("electronic:opened", "electronic:placed_in_account"))
    assert one != other.content_hashes()
