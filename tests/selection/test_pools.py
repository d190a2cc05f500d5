"""How the lottery stores its pools and orders, and finds a pool's members among the persons
it reads."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from muster.selection import pools

ids = st.lists(st.integers(1, 2_000_000), max_size=300, unique=True)


@given(ids)
def test_members_and_orders_come_back_as_stored(values: list[int]) -> None:
    members = np.array(sorted(values), dtype=np.int64)
    assert np.array_equal(pools.unpack_members(pools.pack_members(members)), members)
    order = np.array(values, dtype=np.int64)  # an order is any permutation
    assert np.array_equal(pools.unpack_order(pools.pack_order(order)), order)


@given(ids, ids)
def test_among_finds_exactly_the_members(read: list[int], members: list[int]) -> None:
    found = pools.among(np.array(read, dtype=np.int64), np.array(sorted(members), np.int64))
    assert found.tolist() == [i in set(members) for i in read]
