"""An amendment or a registry correction re-screened incrementally, set-based in the database.

``policy.carry.plan`` says, in the decree's terms, who an amendment (or a later as-of date)
can change; here that becomes one SQL query, a pass over the registry and one over the stored
decisions: the persons to decide again are those changed in the registry since the last
screen (a person new to the registry among them), those whose decision was made on its own
since (a renewed or expired deferral), and those the plan names (an unstable rule held or
holds, a criterion failed or fails, a birthday or an end date between the two dates). Each is
decided again, and only a decision that now reads otherwise is overwritten; everyone else's
stored decision is left as it is: carried, it stands under the new screen.

A carried row keeps the version, date and ``grounds`` bits it was decided under; the screen
it stands under gives the version and date it holds for, and ``policy.carry.read_bits`` how
its bits read there (``decisions.current_decisions``). Read that way, the result is exactly
what a whole screen would store (tests/screening/test_carry.py).
"""

from __future__ import annotations

from muster.policy.carry import Plan, fields_read, holds_without, read_bits
from muster.policy.sql import Dialect, literal, to_sql
from muster.policy.versions import Version
from muster.registry.reading import EMPLOYER_FIELDS, field_sql


def where_persons(plan: Plan, dialect: Dialect) -> list[str] | None:
    """The plan's tests on a person's own fields, as SQL over ``persons p`` and ``employers
    e``; None when a condition cannot be stated in SQL. Tests on the employer's fields alone
    are made once per employer, not once per person."""
    ctx = plan.context
    assert ctx is not None
    tests: list[str] = []
    employers: list[str] = []
    unemployed = False  # whether a test on employers holds for a person without one
    for node, hit in [(n, "TRUE") for n in plan.holds] + [(n, "NOT TRUE") for n in plan.fails]:
        sql = to_sql(node, ctx, column=field_sql, dialect=dialect)
        if sql is None:
            return None
        test = f"({sql}) IS {hit}"  # unknown (null) neither holds nor fails to
        read = fields_read(node, ctx)
        if read and read <= set(EMPLOYER_FIELDS):
            employers.append(test)
            unemployed |= holds_without(node, ctx, read) == (hit == "TRUE")
        else:
            tests.append(test)
    if employers:
        tests.insert(
            0,
            "p.employer_id IN (SELECT e.code FROM employers e WHERE "
            + " OR ".join(employers)
            + ")"
            + (" OR p.employer_id IS NULL" if unemployed else ""),
        )
    if plan.birthdays and dialect == "sqlite":
        days = ", ".join(literal(d, dialect) for d in plan.birthdays)
        tests.append(f"substr(p.birth_date, 6, 5) IN ({days})")
    elif plan.birthdays:  # a number per day: several times cheaper than formatting the date
        days = ", ".join(str(int(d[:2]) * 100 + int(d[3:])) for d in plan.birthdays)
        tests.append(
            f"date_part('month', p.birth_date) * 100 + date_part('day', p.birth_date) IN ({days})"
        )
    tests += [f"p.children_birth_dates LIKE '%-{d}%'" for d in plan.child_birthdays]
    if plan.end_columns:
        assert plan.window is not None
        low, high = (literal(d, dialect) for d in plan.window)
        tests += [f"(p.{c} > {low} AND p.{c} <= {high})" for c in plan.end_columns]
    return tests


def _tests(
    mask: int, last: Version, versions: list[Version], *, unset: bool, extra: str = ""
) -> list[str]:
    """SQL over the stored decision ``d``: where any bit of ``mask`` (positions in ``last``, the
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
            tests.append(f"(d.version = {old.number}{extra})")
        elif stored:
            test = f"<> {stored}" if unset else "<> 0"
            tests.append(f"(d.version = {old.number} AND (d.grounds & {stored}) {test}{extra})")
    return tests


def to_redecide(
    plan: Plan,
    *,
    decree: str,
    last: Version,
    versions: list[Version],
    since_batch: int,
    persons: list[str],
    granted: str,
) -> list[str]:
    """SQL queries whose ids together are everyone to decide again (some twice, in no order):
    those changed in the registry since (``since_batch``) or named by the plan's tests on their
    own fields (``persons``, ``where_persons``); those whose stored decision (of ``decree``, an
    SQL literal) was made on its own or reads as the plan names (bits of ``last``, the last
    screen's version, read from any of the decree's ``versions``); and those a board granted
    something (``granted``, SQL for their ids). One pass over the registry (the first query,
    its test ``in_registry``), one over the decisions. (Everyone has a decision: every screen
    decides anyone without one, and a person new to the registry comes in a newer batch.)"""
    stale = [
        "d.screen_id IS NULL",  # made on its own since (at issue, a renewal): not carried
        *_tests(plan.old_held, last, versions, unset=False),
        *_tests(plan.old_failed, last, versions, unset=True),
        *_tests(
            plan.old_deferred, last, versions, unset=False, extra=" AND d.decision = 'deferred'"
        ),
    ]
    return [
        "SELECT p.id FROM persons p LEFT JOIN employers e ON e.code = p.employer_id WHERE "
        + in_registry(since_batch=since_batch, persons=persons),
        f"SELECT d.person_id FROM decisions d WHERE d.decree_id = {decree} AND ("
        + " OR ".join(stale)
        + ")",
        granted,
    ]


def in_registry(*, since_batch: int, persons: list[str]) -> str:
    """SQL over ``persons p`` and ``employers e``: whether a person is to be decided again for
    what the registry holds — changed since ``since_batch`` or named by the plan's tests on
    their own fields (``persons``, ``where_persons``)."""
    return "(" + " OR ".join([f"p.batch_id > {int(since_batch)}", *persons]) + ")"
