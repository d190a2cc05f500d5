"""An amendment or a registry correction re-screened incrementally, set-based in the database.

``policy.carry.plan`` says, in the decree's terms, who an amendment (or a later as-of date)
can change; here that becomes SQL: the persons to decide again are staged in a temporary
table — those changed in the registry since the last screen, those whose stored decision
was made on its own since (a renewed or expired deferral, a decision at issue), and those
the plan names (an unstable rule held or holds, a criterion failed or fails, a birthday or an
end date between the two dates) — their decisions are dropped and made again, and everyone
else's stored decision is left as it is: carried, it stands under the new screen. Nothing is
rewritten for the persons an amendment does not touch.

A carried row keeps the version, date and ``grounds`` bits it was decided under; the screen
it stands under gives the version and date it holds for, and ``policy.carry.read_bits`` how
its bits read there (``decisions.current_decisions``). Read that way, the result is exactly
what a whole screen would store (tests/screening/test_carry.py).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from muster.policy.carry import Plan, read_bits
from muster.policy.sql import Dialect, literal, to_sql
from muster.policy.versions import Version
from muster.registry.reading import field_sql

STAGE = "_screen_redecide"


def where_persons(plan: Plan, dialect: Dialect) -> list[str] | None:
    """The plan's tests on a person's own fields, as SQL over ``persons p`` and ``employers
    e``; None when a condition cannot be stated in SQL."""
    assert plan.context is not None
    tests: list[str] = []
    for node, hit in [(n, "1") for n in plan.holds] + [(n, "0") for n in plan.fails]:
        sql = to_sql(node, plan.context, column=field_sql, dialect=dialect)
        if sql is None:
            return None
        tests.append(f"(CASE WHEN {sql} THEN 1 ELSE 0 END) = {hit}")
    if plan.birthdays:
        day = (
            "substr(p.birth_date, 6, 5)"
            if dialect == "sqlite"
            else "to_char(p.birth_date, 'MM-DD')"
        )
        tests.append(f"{day} IN ({', '.join(literal(d, dialect) for d in plan.birthdays)})")
    tests += [f"p.children_birth_dates LIKE '%-{d}%'" for d in plan.child_birthdays]
    if plan.end_columns:
        assert plan.window is not None
        low, high = (literal(d, dialect) for d in plan.window)
        tests += [f"(p.{c} > {low} AND p.{c} <= {high})" for c in plan.end_columns]
    return tests


def _tests(
    mask: int, last: Version, versions: list[Version], *, unset: bool, extra: str = ""
) -> list[str]:
    """SQL over ``decisions`` rows: where any bit of ``mask`` (positions in ``last``, the
    version of the last screen) is set (or, with ``unset``, unset) in the decision as it reads
    under ``last`` — whatever version each row was decided under (``read_bits``)."""
    if not mask:
        return []
    tests: list[str] = []
    for old in versions:
        pairs, criteria = read_bits(old, last)
        paired = sum(1 << b for _, b in pairs)
        stored = sum(1 << a for a, b in pairs if mask >> b & 1)
        # bits of ``mask`` that read the same for every carried row: criteria set, others unset
        always = mask & ~paired & (~criteria if unset else criteria)
        if always:
            tests.append(f"(version = {old.number}{extra})")
        elif stored:
            test = f"<> {stored}" if unset else "<> 0"
            tests.append(f"(version = {old.number} AND (grounds & {stored}) {test}{extra})")
    return tests


def stage(
    conn: Connection,
    *,
    decree_id: str,
    last: Version,
    versions: list[Version],
    since_batch: int,
    plan: Plan,
    persons: list[str],
) -> int:
    """Stage everyone to decide again in ``STAGE``; how many. ``last`` is the last screen's
    version, ``versions`` every version of the decree, ``persons`` the plan's tests on the
    persons' own fields."""
    pg = conn.dialect.name != "sqlite"
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    conn.execute(text(f"CREATE TEMPORARY TABLE {STAGE} (person_id BIGINT PRIMARY KEY)"))
    stale = [
        "screen_id IS NULL",  # decided on its own since (at issue, a renewal): not carried
        *_tests(plan.old_held, last, versions, unset=False),
        *_tests(plan.old_failed, last, versions, unset=True),
        *_tests(plan.old_deferred, last, versions, unset=False, extra=" AND decision = 'deferred'"),
    ]
    parts = [
        f"SELECT id FROM persons WHERE batch_id > {int(since_batch)}",
        "SELECT person_id FROM decisions WHERE decree_id = :d AND (" + " OR ".join(stale) + ")",
    ]
    if persons:
        parts.append(
            "SELECT p.id FROM persons p LEFT JOIN employers e ON e.code = p.employer_id WHERE "
            + " OR ".join(persons)
        )
    conn.execute(
        text(f"INSERT INTO {STAGE} (person_id) " + " UNION ".join(parts)), {"d": decree_id}
    )
    if pg:
        conn.execute(text(f"ANALYZE {STAGE}"))
    return int(conn.scalar(text(f"SELECT count(*) FROM {STAGE}")) or 0)


def drop_staged(conn: Connection, *, decree_id: str) -> None:
    """Drop the staged persons' decisions; everyone else's stays as it is, carried."""
    conn.execute(
        text(
            f"DELETE FROM decisions WHERE decree_id = :d AND person_id IN "
            f"(SELECT person_id FROM {STAGE})"
        ),
        {"d": decree_id},
    )


def unscreened(conn: Connection, *, decree_id: str) -> int:
    """After a carry-over: stage anyone in the registry without a decision (and drop
    decisions of persons no longer in it); how many were staged. Normally none: a cheap
    count says so."""
    persons = int(conn.scalar(text("SELECT count(*) FROM persons")) or 0)
    decided = int(
        conn.scalar(text("SELECT count(*) FROM decisions WHERE decree_id = :d"), {"d": decree_id})
        or 0
    )
    if persons == decided:
        return 0
    conn.execute(
        text(
            "DELETE FROM decisions WHERE decree_id = :d AND person_id NOT IN "
            "(SELECT id FROM persons)"
        ),
        {"d": decree_id},
    )
    conn.execute(text(f"DELETE FROM {STAGE}"))
    conn.execute(
        text(
            f"INSERT INTO {STAGE} (person_id) SELECT p.id FROM persons p WHERE NOT EXISTS "
            "(SELECT 1 FROM decisions d WHERE d.decree_id = :d AND d.person_id = p.id)"
        ),
        {"d": decree_id},
    )
    return int(conn.scalar(text(f"SELECT count(*) FROM {STAGE}")) or 0)


def unstage(conn: Connection) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
