"""The issue's must-show, as properties over random sequences of filing, deciding, appealing,
trying to enlist and letting days pass: a person with a pending claim is never enlisted; an
upheld claim always releases; a missed deadline always escalates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from muster.cases import service as cases
from muster.errors import MusterError
from muster.notices import service as notices
from muster.registry import service as registry
from muster.selection import service as selection
from tests.cases.conftest import DAY, Called

OPS = ("file", "unfit", "uphold", "reject", "appeal", "enlist", "wait")
steps = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 40), st.integers(0, 12)), max_size=8
)


def _check(c: Called) -> None:
    states = {x.id: x.status for x in selection.list_callups(c.engine, campaign_id=c.campaign)}
    for claim in cases.list_claims(c.engine):
        if claim.call_up is None:
            continue
        if claim.status == "pending":
            assert states[claim.call_up] == "claim_pending"
        if claim.status == "upheld":
            assert states[claim.call_up] == "released"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_claims_stop_the_clock_release_when_upheld_and_escalate_when_late(
    called: Called, plan: list[tuple[str, int, int]]
) -> None:
    c = called
    today = max([DAY, *(x.filed_on for x in cases.list_claims(c.engine))]) + timedelta(days=1)
    for op, pick, days in plan:
        callups = selection.list_callups(c.engine, campaign_id=c.campaign)
        claims = cases.list_claims(c.engine)
        callup = callups[pick % len(callups)]
        if op in ("file", "unfit"):
            if callup.status in ("released", "enlisted", "claim_pending"):
                continue
            if op == "unfit":
                with c.engine.begin() as conn:
                    person = conn.scalar(
                        text("SELECT person_id FROM call_ups WHERE id = :i"), {"i": callup.id}
                    )
                    registry.record_fitness(
                        conn,
                        person_id=int(person),
                        fitness="D",
                        unfit_until=None,
                        actor="t",
                        source="property",
                    )
            claim = cases.file_claim(
                c.engine,
                national_id=callup.national_id,
                kind="unfit" if op == "unfit" else "exemption",
                ground="unfit" if op == "unfit" else "accredited-it",
                filed_by="person",
                filer=callup.national_id,
                campaign_id=c.campaign,
                today=today,
                actor="citizen",
            )
            assert claim.status == ("upheld" if op == "unfit" else "pending")
        elif op in ("uphold", "reject"):
            pending = [x for x in claims if x.status == "pending"]
            if pending:
                cases.decide(
                    c.engine,
                    claim_id=pending[pick % len(pending)].id,
                    upheld=op == "uphold",
                    reasons="Decided on the file.",
                    board="board",
                    actor="board",
                    today=today,
                )
        elif op == "appeal":
            open_ = [
                x
                for x in claims
                if x.status == "rejected"
                and x.tier < cases.TOP_TIER
                and not any(y.appeal_of == x.id for y in claims)
                and x.decided_on is not None
                and today <= x.decided_on + timedelta(days=14)
            ]
            if open_:
                chosen = open_[pick % len(open_)]
                if chosen.call_up_status in ("released", "enlisted"):
                    with pytest.raises(MusterError, match="nothing left to appeal"):
                        cases.appeal(
                            c.engine, claim_id=chosen.id, reasons="Look.", actor="c", today=today
                        )
                else:
                    up = cases.appeal(
                        c.engine,
                        claim_id=chosen.id,
                        reasons="Please look again.",
                        actor="citizen",
                        today=today,
                    )
                    assert up.status == "pending" and up.tier >= 2
        elif op == "enlist" and callup.status == "claim_pending":
            with pytest.raises(MusterError, match="can't enlist"):
                notices.move(c.engine, callup_id=callup.id, to="enlisted", actor="officer")
        elif op == "wait":
            today += timedelta(days=days)
            overdue = {x.id: x for x in claims if x.status == "pending" and x.due_on < today}
            result = cases.escalate_overdue(c.engine, today=today, actor="system")
            assert result.escalated + result.at_top == len(overdue)
            for after in cases.list_claims(c.engine, ids=list(overdue)):
                before = overdue[after.id]
                assert after.missed == before.missed + 1 and after.due_on >= today
                assert after.tier == min(before.tier + 1, cases.TOP_TIER)
        _check(c)
