"""Deadlines: a board that misses one passes the claim up a tier (at the top, the deadline is
renewed); every miss is counted against the board that missed it and audited."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select, update

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.cases.grounds import (
    TOP_TIER,
    board_of,
)
from muster.cases.models import Claim
from muster.cases.reading import claim_row
from muster.cases.schemas import EscalationResult
from muster.screening import service as screening


def escalate_overdue(
    engine: Engine, *, today: date, actor: str, role: str = "system"
) -> EscalationResult:
    """Every pending claim whose board missed its deadline moves one tier up with a new
    deadline; at the national board the deadline is renewed. Every miss is counted."""
    with engine.connect() as conn:
        overdue = [
            (int(i), str(ref))
            for i, ref in conn.execute(
                select(Claim.id, Claim.decree_version)
                .where(Claim.status == "pending", Claim.due_on < today)
                .order_by(Claim.id)
            )
        ]
    days_for = {
        ref: screening.version_ref(engine, ref).campaign.claims.board_days
        for ref in {r for _, r in overdue}
    }
    result = EscalationResult(day=today, escalated=0, at_top=0, missed_by_board={})
    for claim_id, ref in overdue:
        days = days_for[ref]
        with engine.begin() as conn:
            claim = claim_row(conn, claim_id, lock=True)
            if claim.status != "pending" or claim.due_on >= today:
                continue
            tier = min(claim.tier + 1, TOP_TIER)
            board = claim.board if tier == claim.tier else board_of(tier, "")
            conn.execute(
                update(Claim)
                .where(Claim.id == claim_id)
                .values(
                    tier=tier,
                    board=board,
                    due_on=today + timedelta(days=days),
                    missed=claim.missed + 1,
                )
            )
            audit.record(
                conn,
                Event(
                    actor=actor,
                    role=role,
                    action="claim.escalated",
                    subject=f"claim:{claim_id}",
                    before={"tier": claim.tier, "board": claim.board, "due_on": claim.due_on},
                    after={"tier": tier, "board": board, "due_on": today + timedelta(days=days)},
                    reason=f"{claim.board} missed its deadline of {claim.due_on}",
                    decree_version=claim.decree_version,
                ),
            )
        result.missed_by_board[claim.board] = result.missed_by_board.get(claim.board, 0) + 1
        if tier == claim.tier:
            result.at_top += 1
        else:
            result.escalated += 1
    return result
