"""HMAC-SHA256 over many messages: the same digests in this process and in worker processes."""

from __future__ import annotations

import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from muster.selection.hashing import Hasher, Keyed


@given(key=st.binary(max_size=130), messages=st.lists(st.binary(max_size=80), max_size=30))
def test_keyed_is_standard_hmac_sha256(key: bytes, messages: list[bytes]) -> None:
    assert Keyed(key).many(messages) == [hmac.digest(key, m, "sha256") for m in messages]


def test_workers_give_the_same_digests_in_the_same_order() -> None:
    messages = [f"{i:010d}".encode() * (1 + i % 5) for i in range(5_000)]
    key = bytes(range(70))  # longer than a block: hashed first, as HMAC says
    expected = [hmac.digest(key, m, "sha256") for m in messages]
    with Hasher(processes=2, parallel_from=100) as hasher:
        assert hasher.many(key, messages) == expected
        # the same workers serve the next batch, with another key
        assert hasher.many(b"seed", expected[:700]) == [
            hmac.digest(b"seed", m, "sha256") for m in expected[:700]
        ]


@settings(max_examples=20)
@given(messages=st.lists(st.binary(max_size=40), max_size=300))
def test_small_batches_stay_in_this_process(messages: list[bytes]) -> None:
    hasher = Hasher(processes=2, parallel_from=10_000)
    assert hasher.many(b"k", messages) == [hmac.digest(b"k", m, "sha256") for m in messages]
    assert hasher._pool is None  # no worker was started
