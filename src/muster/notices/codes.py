"""Notice verification codes (pure): what is signed, how a code is written and read back.

A code carries the notice number, the report day, the signing key's id and an HMAC-SHA256 tag
(80 bits) over the notice's content: number, national id, issue and report dates, office,
campaign, decree version and kind. It is 29 base32 letters, grouped in fours so it can be
read over the phone. Changing any signed field, or copying a code onto another person's
notice, breaks the tag; guessing a valid tag takes 2^80 tries on average.
"""

from __future__ import annotations

import base64
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from muster.errors import MusterError

FORMAT = 1
TAG_BYTES = 10
_EPOCH = date(2000, 1, 1)
_LAYOUT = struct.Struct(">BBIH")  # format, key id, notice number, report day since 2000
_LENGTH = _LAYOUT.size + TAG_BYTES
LETTERS = len(base64.b32encode(bytes(_LENGTH)).rstrip(b"="))


@dataclass(frozen=True)
class Signed:
    """The fields of a notice a code vouches for."""

    number: int
    national_id: str
    issued_on: date
    report_on: date
    office_code: str
    campaign_id: int
    decree_version: str
    kind: str

    def content(self) -> bytes:
        return "|".join(
            (
                f"muster-notice-v{FORMAT}",
                str(self.number),
                self.national_id,
                self.issued_on.isoformat(),
                self.report_on.isoformat(),
                self.office_code,
                str(self.campaign_id),
                self.decree_version,
                self.kind,
            )
        ).encode()


@dataclass(frozen=True)
class Decoded:
    key_id: int
    number: int
    report_on: date
    tag: bytes


def tag(key: bytes, signed: Signed) -> bytes:
    return hmac.digest(key, signed.content(), "sha256")[:TAG_BYTES]


def encode(*, key_id: int, key: bytes, signed: Signed) -> str:
    """The code printed on the notice and carried by its QR."""
    day = (signed.report_on - _EPOCH).days
    raw = _LAYOUT.pack(FORMAT, key_id, signed.number, day) + tag(key, signed)
    letters = base64.b32encode(raw).decode().rstrip("=")
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def normalise(code: str) -> str:
    """Upper case without separators; the digits 0, 1 and 8 read as O, I and B (they are
    never written, and are easily mistaken for those letters)."""
    text = re.sub(r"[\s\-_.]", "", code.upper())
    return text.translate(str.maketrans("018", "OIB"))


def decode(code: str) -> Decoded:
    """Read a code back; a code that is not one of ours is refused with the reason."""
    text = normalise(code)
    if not text:
        raise MusterError("the code is empty")
    if not re.fullmatch(r"[A-Z2-7]+", text):
        bad = sorted(set(re.sub(r"[A-Z2-7]", "", text)))
        raise MusterError(
            f"the code has characters a notice code never has: {' '.join(bad)} "
            "(codes use the letters A-Z and the digits 2-7)"
        )
    if len(text) != LETTERS:
        raise MusterError(f"the code has {len(text)} letters; a notice code has {LETTERS}")
    raw = base64.b32decode(text + "=" * (-len(text) % 8))
    if base64.b32encode(raw).decode().rstrip("=") != text:
        # The last letter carries one unused bit, always written as 0: a code with it set
        # was not written by us, and accepting it would let two codes name one notice.
        raise MusterError(f"the code's last letter {text[-1]} is not one a notice code ends with")
    version, key_id, number, day = _LAYOUT.unpack(raw[: _LAYOUT.size])
    if version != FORMAT:
        raise MusterError(f"the code is of format {version}; this system writes format {FORMAT}")
    return Decoded(
        key_id=key_id,
        number=number,
        report_on=_EPOCH + timedelta(days=day),
        tag=raw[_LAYOUT.size :],
    )


def matches(key: bytes, decoded: Decoded, signed: Signed) -> bool:
    """Whether the code's number, report day and tag are those of these fields (the tag is
    compared in constant time)."""
    return (
        decoded.number == signed.number
        and decoded.report_on == signed.report_on
        and hmac.compare_digest(decoded.tag, tag(key, signed))
    )


def mask(national_id: str) -> str:
    """A national id as the public page shows it: enough to recognise, not to reuse."""
    return "•" * max(0, len(national_id) - 4) + national_id[-4:]
