"""An amendment or a registry correction re-screened incrementally, set-based in the database.

``policy.carry.plan`` says, in the decree's terms, who an amendment (or a later as-of date)
can change; here that becomes SQL: the persons to decide again are staged in a temporary
table — those changed in the registry since the last screen, those whose stored decision
was made under another version or on another date (a renewed or expired deferral), and those
the plan names (an unstable rule held or holds, a criterion failed or fails, a birthday or an
end date between the two dates) — their decisions are dropped, and everyone else's stored
decision is restamped with the new version and date, its ``grounds`` bits moved to the new
rules' positions, in one UPDATE. The result is exactly what a whole screen would store
(tests/screening/test_carry.py).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from muster.policy.carry import Plan
from muster.policy.sql import Dialect, literal, to_sql
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


def stage(
    conn: Connection,
    *,
    decree_id: str,
    version: int,
    as_of: str,
    since_batch: int,
    plan: Plan,
    persons: list[str],
) -> int:
    """Stage everyone to decide again in ``STAGE``; how many. ``as_of`` is an SQL literal of
    the previous screen's date, ``persons`` the plan's tests on the persons' own fields."""
    pg = conn.dialect.name != "sqlite"
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    conn.execute(text(f"CREATE TEMPORARY TABLE {STAGE} (person_id BIGINT PRIMARY KEY)"))
    stale = [f"version <> {int(version)}", f"as_of <> {as_of}"]
    if plan.old_held:
        stale.append(f"(grounds & {plan.old_held}) <> 0")
    if plan.old_failed:
        stale.append(f"(grounds & {plan.old_failed}) <> {plan.old_failed}")
    if plan.old_deferred:
        stale.append(f"((grounds & {plan.old_deferred}) <> 0 AND decision = 'deferred')")
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


def regrounds(plan: Plan) -> str:
    """``grounds`` with each stable rule's bit moved to its new position (runs of
    neighbouring bits moved together), plus the bits of unstable criteria, which hold."""
    runs: list[list[int]] = []  # [old start, new start, length]
    for old, new in sorted(plan.moves):
        if runs and old == runs[-1][0] + runs[-1][2] and new == runs[-1][1] + runs[-1][2]:
            runs[-1][2] += 1
        else:
            runs.append([old, new, 1])
    terms = [f"(((grounds >> {a}) & {(1 << n) - 1}) << {b})" for a, b, n in runs]
    if plan.set_bits:
        terms.append(str(plan.set_bits))
    return " + ".join(terms) or "0"


def carry_over(
    conn: Connection,
    *,
    decree_id: str,
    version: int,
    as_of: str,
    screen_id: int,
    plan: Plan,
    restamp: bool,
) -> None:
    """Drop the staged persons' decisions; with ``restamp``, stamp everyone else's with the
    new version and date (``as_of``: an SQL literal) and this screen, their grounds moved to
    the new rules' positions."""
    conn.execute(
        text(
            f"DELETE FROM decisions WHERE decree_id = :d AND person_id IN "
            f"(SELECT person_id FROM {STAGE})"
        ),
        {"d": decree_id},
    )
    if not restamp:
        return
    grounds = "" if plan.identity() else f", grounds = {regrounds(plan)}"
    conn.execute(
        text(
            f"UPDATE decisions SET version = {int(version)}, as_of = {as_of}, "
            f"screen_id = {int(screen_id)}{grounds} WHERE decree_id = :d"
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
