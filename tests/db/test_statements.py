"""A filtered read builds its statement once per combination of filters and binds the values."""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, select

from muster.db.statements import Filtered
from muster.registry.models import Person


def _persons() -> Filtered:
    return Filtered(
        select(Person.national_id).order_by(Person.national_id),
        region=Person.region_code == bindparam("region"),
        ids=Person.national_id.in_(bindparam("ids", expanding=True)),
    )


def test_filters_given_are_applied_and_none_means_unfiltered(populated: Engine) -> None:
    persons = _persons()
    with populated.connect() as conn:
        everyone = list(conn.scalars(*persons(region=None, ids=None)))
        r01 = list(conn.scalars(*persons(region="R01", ids=None)))
        expected = list(
            conn.scalars(
                select(Person.national_id)
                .where(Person.region_code == "R01")
                .order_by(Person.national_id)
            )
        )
        two = list(conn.scalars(*persons(region=None, ids=everyone[:2])))
        none = list(conn.scalars(*persons(region=None, ids=[])))
        first = list(conn.scalars(*persons(region="R01", limit=3)))
    assert len(everyone) == 3_000
    assert r01 == expected and 0 < len(r01) < 3_000
    assert two == everyone[:2]
    assert none == []
    assert first == expected[:3]


def test_each_combination_of_filters_is_built_once() -> None:
    persons = _persons()
    a, _ = persons(region="R01", ids=None)
    b, params = persons(region="R02", ids=None)
    c, _ = persons(region=None, ids=None)
    assert a is b and params == {"region": "R02"}
    assert c is not a
    limited, params = persons(region="R01", limit=5)
    assert limited is not a and params == {"region": "R01", "limit": 5}
