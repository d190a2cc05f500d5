"""Grants: what a board decided about a person under a decree when the registry did not show
it (an upheld claim: exempt, deferred, not liable), honoured by every later decision of that
decree — whole and incremental screens, decisions made at issue, renewals, explanations — so
a person a board released is not in the next campaign's pool.

A grant is in force on a day while it has not ended and, for a deferral with an end date,
before that date. It stands over the registry's decision only where it is the stronger one
(ineligible over exempt over deferred over eligible): a board's deferral never hides that the
registry already shows an exemption.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    and_,
    bindparam,
    insert,
    or_,
    select,
    update,
)

from muster.errors import MusterError
from muster.policy.schemas import Explanation, Granted
from muster.screening.models import Decision, Grant

RANK = {"eligible": 0, "deferred": 1, "exempt": 2, "ineligible": 3}
SCHEMA = {
    "person_id": pl.Int64,
    "granted_decision": pl.String,
    "granted_ground": pl.String,
    "granted_until": pl.Date,
    "granted_rank": pl.Int64,
    "granted_on": pl.Date,
    "granted_source": pl.String,
}


def grant(
    conn: Connection,
    *,
    decree_id: str,
    person_id: int,
    decision: str,
    ground: str,
    until: date | None,
    granted_on: date,
    source: str,
) -> int:
    """Record a board's decision, and let the person's stored decision under the decree read
    so if the grant is the stronger; the id of the grant."""
    if decision not in ("exempt", "deferred", "ineligible"):
        raise MusterError(f"a grant is exempt, deferred or ineligible, not {decision!r}")
    if until is not None and decision != "deferred":
        raise MusterError(f"only a deferral has an end date; a grant of {decision} has none")
    key = conn.execute(
        insert(Grant).values(
            decree_id=decree_id,
            person_id=person_id,
            decision=decision,
            ground=ground,
            until=until,
            granted_on=granted_on,
            source=source,
            ended_on=None,
        )
    ).inserted_primary_key
    assert key is not None
    # The stored decision reads so at once (made on its own: the next screen decides again).
    weaker = [d for d, r in RANK.items() if r < RANK[decision]]
    conn.execute(
        update(Decision)
        .where(
            Decision.decree_id == decree_id,
            Decision.person_id == person_id,
            Decision.decision.in_(weaker),
        )
        .values(decision=decision, until=until, ground=ground, screen_id=None)
    )
    return int(key[0])


def renew_until(conn: Connection, *, source: str, until: date | None) -> None:
    """A deferral granted on ``source`` goes on, to a new end date (None: until reviewed)."""
    conn.execute(
        update(Grant).where(Grant.source == source, Grant.ended_on.is_(None)).values(until=until)
    )


def end(conn: Connection, *, source: str, on: date) -> None:
    """End the grants made on ``source`` (a deferral whose end came and whose ground the
    registry does not show)."""
    conn.execute(
        update(Grant).where(Grant.source == source, Grant.ended_on.is_(None)).values(ended_on=on)
    )


def _in_force(
    decree_id: str | BindParameter[str], as_of: date | BindParameter[date]
) -> ColumnElement[bool]:
    return and_(
        Grant.decree_id == decree_id,
        Grant.ended_on.is_(None),
        or_(Grant.until.is_(None), Grant.until > as_of),
    )


# One person's grants in force (asked on every explanation and status): built once.
_ONE = select(Grant.decision, Grant.ground, Grant.until, Grant.granted_on, Grant.source).where(
    _in_force(bindparam("decree_id"), bindparam("as_of")),
    Grant.person_id == bindparam("person_id"),
)


def in_force(
    conn: Connection, *, decree_id: str, as_of: date, person_ids: Sequence[int] | None = None
) -> pl.DataFrame:
    """The strongest grant in force on ``as_of`` for each person that has one (of these
    persons, or everyone): ``person_id``, ``granted_decision``, ``granted_ground``,
    ``granted_until``, ``granted_rank``, ``granted_on``, ``granted_source``."""
    query = select(
        Grant.person_id, Grant.decision, Grant.ground, Grant.until, Grant.granted_on, Grant.source
    ).where(_in_force(decree_id, as_of))
    few = person_ids is not None and len(person_ids) <= 1_000
    if few:
        query = query.where(Grant.person_id.in_(list(person_ids or ())))
    rows = conn.execute(query).all()
    if person_ids is not None and not few:
        wanted = set(person_ids)
        rows = [r for r in rows if r[0] in wanted]
    frame = pl.DataFrame(
        [(int(p), str(d), str(g), u, RANK[str(d)], on, str(f)) for p, d, g, u, on, f in rows],
        schema=SCHEMA,
        orient="row",
    )
    return frame.sort(
        ["person_id", "granted_rank", "granted_until"],
        descending=[False, True, True],
        nulls_last=False,
    ).unique("person_id", keep="first", maintain_order=True)


def apply(decided: pl.DataFrame, grants: pl.DataFrame, *, key: str = "person_id") -> pl.DataFrame:
    """``decided`` (``key`` and ``decide_frame``'s columns) with each grant in force standing
    over the registry's decision where it is the stronger: decision, end date and decisive
    ground become the grant's; the ``grounds`` bits stay what the registry shows."""
    if grants.is_empty() or decided.is_empty():
        return decided
    joined = decided.join(grants.rename({"person_id": key}), on=key, how="left")
    stronger = pl.col("granted_rank").fill_null(-1) > pl.col("decision").replace_strict(
        RANK, return_dtype=pl.Int64
    )
    return joined.with_columns(
        pl.when(stronger).then("granted_decision").otherwise("decision").alias("decision"),
        pl.when(stronger).then("granted_until").otherwise("until").alias("until"),
        pl.when(stronger).then("granted_ground").otherwise("ground").alias("ground"),
    ).select(decided.columns)


def explained(conn: Connection, explanation: Explanation, *, person_id: int) -> Explanation:
    """The explanation with the strongest grant in force standing over the registry's
    decision, if there is one and it is the stronger."""
    rows = conn.execute(
        _ONE,
        {"decree_id": explanation.decree, "person_id": person_id, "as_of": explanation.as_of},
    ).all()
    if not rows:
        return explanation
    # The strongest, as ``in_force`` picks it: the highest rank, then no end, then the latest.
    best = max(rows, key=lambda r: (RANK[str(r.decision)], r.until is None, r.until or date.min))
    if RANK[str(best.decision)] <= RANK[explanation.decision]:
        return explanation
    return explanation.model_copy(
        update={
            "decision": str(best.decision),
            "until": best.until,
            "granted": Granted(
                decision=str(best.decision),
                ground=str(best.ground),
                until=best.until,
                granted_on=best.granted_on,
                source=str(best.source),
                registry_decision=explanation.decision,
            ),
        }
    )


def persons_sql(decree: str) -> str:
    """SQL: the persons with any grant under ``decree`` (an SQL literal), ended or not —
    decided again by every incremental screen, as a grant can start or end between two."""
    return f"SELECT g.person_id FROM grants g WHERE g.decree_id = {decree}"
