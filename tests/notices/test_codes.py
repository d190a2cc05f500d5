"""Verification codes (pure): a code vouches for exactly the notice it was printed on."""

from __future__ import annotations

import dataclasses
import string
from datetime import date, timedelta

import pytest

from muster.errors import MusterError
from muster.notices import codes

KEY = bytes(range(32))
KEYS = {3: KEY}
SIGNED = codes.Signed(
    number=123_456,
    national_id="937180150493",
    issued_on=date(2022, 10, 11),
    report_on=date(2022, 10, 14),
    office_code="R01-067",
    campaign_id=1,
    decree_version="partial-mobilization-2022@4",
    kind="first",
)
CODE = codes.encode(key_id=3, key=KEY, signed=SIGNED)
ALPHABET = string.ascii_uppercase + "234567"


def accepted(code: str, signed: codes.Signed = SIGNED) -> bool:
    """What a checker does: read the code, find its key, compare it with the notice."""
    try:
        decoded = codes.decode(code)
    except MusterError:
        return False
    key = KEYS.get(decoded.key_id)
    return key is not None and codes.matches(key, decoded, signed)


def test_a_code_reads_back_as_the_notice_it_was_printed_on() -> None:
    decoded = codes.decode(CODE)
    assert (decoded.key_id, decoded.number, decoded.report_on) == (3, 123_456, SIGNED.report_on)
    assert codes.matches(KEY, decoded, SIGNED)
    assert accepted(CODE)


def test_a_code_is_29_letters_in_groups_of_four_for_reading_aloud() -> None:
    groups = CODE.split("-")
    assert all(len(g) == 4 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 4
    assert len("".join(groups)) == 29
    assert set("".join(groups)) <= set(ALPHABET)


CHANGES = {
    "number": 123_457,
    "national_id": "937180150494",
    "issued_on": SIGNED.issued_on + timedelta(days=1),
    "report_on": SIGNED.report_on + timedelta(days=1),
    "office_code": "R01-068",
    "campaign_id": 2,
    "decree_version": "partial-mobilization-2022@5",
    "kind": "repeat",
}


def test_every_signed_field_is_covered() -> None:
    assert set(CHANGES) == {f.name for f in dataclasses.fields(codes.Signed)}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_changing_any_signed_field_breaks_the_code(field: str) -> None:
    """A notice whose number, person, dates, office, campaign, decree or kind differ from
    what was signed does not match the code."""
    other = dataclasses.replace(SIGNED, **{field: CHANGES[field]})
    assert not codes.matches(KEY, codes.decode(CODE), other)
    assert not accepted(CODE, other)


def test_another_key_does_not_match() -> None:
    assert not codes.matches(bytes(32), codes.decode(CODE), SIGNED)


def test_a_code_with_any_one_letter_changed_is_refused() -> None:
    """Every single-letter misreading or forgery, at every place, fails the check (either
    the code is unreadable or it vouches for nothing)."""
    letters = CODE.replace("-", "")
    for i, original in enumerate(letters):
        for other in ALPHABET:
            if other != original:
                changed = letters[:i] + other + letters[i + 1 :]
                assert not accepted(changed), f"letter {i + 1}: {original} → {other}"


@pytest.mark.parametrize(
    "written",
    [
        CODE.lower(),
        CODE.replace("-", " "),
        CODE.replace("-", ""),
        "  " + CODE.replace("-", " - ") + "\n",
        CODE.replace("-", "."),
    ],
)
def test_a_code_is_read_however_it_is_written(written: str) -> None:
    """Lower case, spaces, dots or no separators at all: the same code."""
    assert accepted(written)


def test_digits_mistaken_for_letters_are_read_as_the_letters() -> None:
    """0, 1 and 8 are never written; a reader who types them for O, I and B is understood."""
    assert codes.normalise("o0-i1-b8") == "OOIIBB"
    confused = CODE.replace("O", "0").replace("I", "1").replace("B", "8")
    assert accepted(confused)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "the code is empty"),
        ("  - - ", "the code is empty"),
        (CODE.replace("A", "9", 1), "characters a notice code never has: 9"),
        (CODE + "é!", "characters a notice code never has: ! É"),
        (CODE[:-5], "the code has 25 letters; a notice code has 29"),
        (CODE + "AAAA", "the code has 33 letters; a notice code has 29"),
    ],
)
def test_bad_codes_are_refused_with_the_reason(code: str, message: str) -> None:
    with pytest.raises(MusterError, match=message):
        codes.decode(code)


def test_a_last_letter_with_its_unused_bit_set_is_refused() -> None:
    """The last letter has a bit no code uses; a code with it set would be a second spelling
    of the same notice, so it is refused."""
    letters = CODE.replace("-", "")
    odd = ALPHABET[ALPHABET.index(letters[-1]) | 1]
    with pytest.raises(MusterError, match=f"the code's last letter {odd} is not one"):
        codes.decode(letters[:-1] + odd)


def test_a_code_of_another_format_is_refused() -> None:
    letters = CODE.replace("-", "")
    other = "AI" + letters[2:]  # the first byte, the format, becomes 2
    with pytest.raises(MusterError, match="format 2; this system writes format 1"):
        codes.decode(other)


def test_a_national_id_is_shown_masked() -> None:
    assert codes.mask("937180150493") == "••••••••0493"
    assert codes.mask("12") == "12"
