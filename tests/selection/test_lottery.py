"""The lottery protocol: keyed pseudonyms, places, order, and the record anyone can check."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from muster.selection import lottery


@given(key=st.binary(min_size=1, max_size=130), ids=st.lists(st.text(max_size=14), max_size=20))
def test_pseudonyms_are_standard_hmac_sha256(key: bytes, ids: list[str]) -> None:
    expected = [hmac.digest(key, n.encode(), "sha256") for n in ids]
    assert lottery.pseudonyms(key, ids) == expected
    assert all(lottery.pseudonym(key, n) == e for n, e in zip(ids, expected, strict=True))


def test_places_follow_the_seed_and_the_commitment_binds_it() -> None:
    names = lottery.pseudonyms(b"k" * 32, [f"{i:012d}" for i in range(50)])
    a, b = lottery.places(b"\x01" * 32, names), lottery.places(b"\x02" * 32, names)
    assert a != b and a == lottery.places(b"\x01" * 32, names)
    assert lottery.commitment(b"\x01" * 32) == hashlib.sha256(b"\x01" * 32).hexdigest()


@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.binary(min_size=32, max_size=32)),
        min_size=0,
        max_size=40,
    )
)
def test_order_is_priority_then_place_in_byte_order(entries: list[tuple[int, bytes]]) -> None:
    order = lottery.order(
        np.array([p for p, _ in entries], dtype=np.int16), [b for _, b in entries]
    )
    assert [entries[i] for i in order] == sorted(entries)


def test_pool_hash_ignores_listing_order_but_not_membership() -> None:
    names = lottery.pseudonyms(b"k", ["1", "2", "3"])
    assert lottery.pool_hash(names) == lottery.pool_hash(list(reversed(names)))
    assert lottery.pool_hash(names) != lottery.pool_hash(names[:2])
    text = "".join(sorted(n.hex() + "\n" for n in names))
    assert lottery.pool_hash(names) == hashlib.sha256(text.encode()).hexdigest()


@given(
    names=st.lists(st.binary(min_size=32, max_size=32), max_size=30),
    odd=st.lists(st.binary(max_size=40), max_size=3),
)
def test_pool_hash_is_the_hash_of_the_sorted_hex_lines(
    names: list[bytes], odd: list[bytes]
) -> None:
    """The published definition, whether every pseudonym is 32 bytes (hashed at once) or a
    tampered listing holds others (one by one): a listing re-cut into other lengths with the
    same bytes does not hash like the pool."""
    for listed in (names, names + odd):
        text = "".join(sorted(n.hex() + "\n" for n in listed))
        assert lottery.pool_hash(listed) == hashlib.sha256(text.encode()).hexdigest()
    if len(names) >= 2 and names[0] != names[1]:
        recut = [names[0] + names[1][:1], names[1][1:], *names[2:]]
        assert lottery.pool_hash(recut) != lottery.pool_hash(names)
