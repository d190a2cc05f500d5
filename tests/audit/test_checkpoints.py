"""Signed checkpoints: a log rewritten consistently (every hash recomputed, so the chain walk
finds nothing) is still caught by the checkpoints signed before the rewrite."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from muster.audit import checkpoints
from muster.audit import service as audit
from muster.audit.models import AuditEvent
from muster.audit.schemas import Event


def _log(engine: Engine, n: int) -> None:
    for i in range(1, n + 1):
        with engine.begin() as conn:
            audit.record(
                conn,
                Event(actor="officer", action="callup.notified", subject=f"call_up:{i}"),
            )


def _rewrite_from(engine: Engine, seq: int) -> None:
    """Edit event ``seq`` and recompute every hash after it, and the head: what someone with
    write access to the database and the source code could do."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)
        ).all()
        prev = rows[0].prev_hash
        for r in rows:
            fields: dict[str, Any] = {
                k: getattr(r, k)
                for k in ("actor", "role", "action", "subject", "before", "after", "reason")
            }
            fields["decree_version"] = r.decree_version
            if r.seq == seq:
                fields["subject"] = "call_up:999"
            digest = audit._digest(r.seq, r.at, fields, prev)
            conn.execute(
                text(
                    "UPDATE audit_events SET subject = :s, prev_hash = :p, hash = :h WHERE seq = :q"
                ),
                {"s": fields["subject"], "p": prev, "h": digest, "q": r.seq},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})


def test_checkpoints_are_signed_every_so_many_events(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "EVERY", 5)
    _log(engine, 12)
    signed = checkpoints.checkpoints(engine)
    assert [c.seq for c in signed] == [10, 5]
    assert all(checkpoints.valid(c) for c in signed)
    assert audit.verify(engine).ok


def test_a_consistent_rewrite_passes_the_chain_but_not_the_checkpoint(engine: Engine) -> None:
    _log(engine, 8)
    assert checkpoints.checkpoint(engine) is not None  # head: event 8
    _log(engine, 2)
    _rewrite_from(engine, 3)
    report = audit.verify(engine)
    assert not report.ok
    assert [(p.kind, p.seq) for p in report.problems] == [("checkpoint", 8)]
    assert "the log was rewritten up to there" in report.problems[0].message


def test_events_after_the_last_checkpoint_are_only_as_safe_as_the_chain(engine: Engine) -> None:
    _log(engine, 4)
    checkpoints.checkpoint(engine)
    _log(engine, 4)
    _rewrite_from(engine, 6)
    assert audit.verify(engine).ok  # why checkpoints are signed often, and published


def test_an_altered_checkpoint_does_not_verify(engine: Engine) -> None:
    _log(engine, 3)
    checkpoints.checkpoint(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_checkpoints SET at = :t"), {"t": "2020-01-01 00:00:00"})
    problems = audit.verify(engine).problems
    assert [p.kind for p in problems] == ["checkpoint"]
    assert "does not verify with its key" in problems[0].message


def test_anyone_can_check_a_published_checkpoint_with_the_public_key(engine: Engine) -> None:
    _log(engine, 2)
    published = checkpoints.checkpoint(engine)
    assert published is not None and checkpoints.valid(published)
    forged = published.model_copy(update={"hash": "0" * 64})
    assert not checkpoints.valid(forged)
