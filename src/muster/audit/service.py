"""The audit log: ``record`` writes state changes in the caller's transaction, each event
hashing its predecessor; ``verify`` re-walks the chain and names what was tampered with.

Writers lock the head row, so the chain has one order and no gaps, on SQLite and on
PostgreSQL alike. Record events as the last step of a transaction, after any other lock, so
the head is held only until the commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from hashlib import sha256
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from muster.audit.models import AuditEvent, AuditHead
from muster.audit.schemas import ChainProblem, ChainReport, Event, EventRead
from muster.db.clock import now

GENESIS = "0" * 64
_PAGE = 20_000


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _digest(seq: int, at: datetime, row: dict[str, Any], prev: str) -> str:
    fields = [
        seq,
        at.isoformat(),
        row["actor"],
        row["role"],
        row["action"],
        row["subject"],
        row["before"],
        row["after"],
        row["reason"],
        row["decree_version"],
        prev,
    ]
    return sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


def record(conn: Connection, event: Event) -> int:
    """Append one event; its sequence number."""
    return record_many(conn, [event])[-1]


def record_many(conn: Connection, events: Sequence[Event]) -> list[int]:
    """Append events in order, in the caller's transaction; their sequence numbers."""
    if not events:
        return []
    head = conn.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    seq, prev = int(head.seq), str(head.hash)
    at = now()
    rows: list[dict[str, Any]] = []
    for e in events:
        seq += 1
        row: dict[str, Any] = {
            "actor": e.actor,
            "role": e.role,
            "action": e.action,
            "subject": e.subject,
            "before": _dump(e.before),
            "after": _dump(e.after),
            "reason": e.reason,
            "decree_version": e.decree_version,
        }
        digest = _digest(seq, at, row, prev)
        rows.append({**row, "seq": seq, "at": at, "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(insert(AuditEvent), rows)
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    return [r["seq"] for r in rows]


def _rows(conn: Connection) -> Iterator[Any]:
    after = -1
    while True:
        page = conn.execute(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(_PAGE)
        ).all()
        if not page:
            return
        yield from page
        after = int(page[-1].seq)


def _hash_of(r: Any, seq: int | None = None) -> str:
    row = {k: getattr(r, k) for k in ("actor", "role", "action", "subject", "before", "after")}
    row |= {"reason": r.reason, "decree_version": r.decree_version}
    return _digest(r.seq if seq is None else seq, r.at, row, r.prev_hash)


def verify(engine: Engine) -> ChainReport:
    """Re-walk the chain. Each problem names the event and what happened to it: edited (its
    content no longer hashes to its hash), deleted (a gap in the sequence), inserted (an event
    the chain does not link to), reordered (an event hashing correctly under another place)."""
    problems: list[ChainProblem] = []
    count = 0
    with engine.connect() as conn:
        head = conn.execute(select(AuditHead).where(AuditHead.id == 1)).one()
        prev_seq, prev_hash = 0, GENESIS
        window: list[Any] = []
        for r in _rows(conn):
            count += 1
            seq = int(r.seq)
            own = _hash_of(r) == r.hash
            if seq != prev_seq + 1:
                missing = f"{prev_seq + 1}" + (f"–{seq - 1}" if seq - 1 > prev_seq + 1 else "")
                problems.append(
                    ChainProblem(
                        kind="deleted",
                        seq=prev_seq + 1,
                        message=f"event {missing} is missing: deleted from the log",
                    )
                )
            elif not own:
                moved = next(
                    (int(w.seq) for w in window if _hash_of(r, int(w.seq)) == r.hash), None
                )
                if moved is None and any(_hash_of(r, s) == r.hash for s in (seq + 1, seq + 2)):
                    moved = seq + 1
                if moved is not None:
                    problems.append(
                        ChainProblem(
                            kind="reordered",
                            seq=seq,
                            message=f"event {seq} was written as event {moved}: reordered",
                        )
                    )
                elif r.prev_hash != prev_hash:
                    problems.append(
                        ChainProblem(
                            kind="inserted",
                            seq=seq,
                            message=f"event {seq} does not belong to the chain: inserted",
                        )
                    )
                else:
                    problems.append(
                        ChainProblem(
                            kind="edited",
                            seq=seq,
                            message=f"event {seq} ({r.action} {r.subject}) was edited after "
                            "it was written",
                        )
                    )
            elif r.prev_hash != prev_hash and seq == prev_seq + 1 and prev_seq:
                problems.append(
                    ChainProblem(
                        kind="inserted",
                        seq=seq,
                        message=f"event {seq} does not follow event {prev_seq}: an event was "
                        "inserted or replaced before it",
                    )
                )
            window = [*window[-2:], r]
            prev_seq, prev_hash = seq, str(r.hash)
        if int(head.seq) != prev_seq or str(head.hash) != prev_hash:
            kind: Any = "inserted" if prev_seq > int(head.seq) else "head"
            problems.append(
                ChainProblem(
                    kind=kind,
                    seq=prev_seq,
                    message=(
                        f"events after {head.seq} were added outside the log's writer"
                        if prev_seq > int(head.seq)
                        else f"the log ends at event {prev_seq} but its head says "
                        f"{head.seq}: events were removed from the end"
                    ),
                )
            )
    return ChainReport(
        ok=not problems,
        events=count,
        head_seq=int(head.seq),
        head_hash=str(head.hash),
        problems=problems,
    )


def events(
    engine: Engine, *, subject: str | None = None, action: str | None = None, limit: int = 100
) -> list[EventRead]:
    """The latest events, newest first, optionally about one subject or of one action."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if subject:
        query = query.where(AuditEvent.subject == subject)
    if action:
        query = query.where(AuditEvent.action.like(action.replace("*", "%")))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        EventRead(
            seq=r.seq,
            at=r.at,
            actor=r.actor,
            role=r.role,
            action=r.action,
            subject=r.subject,
            before=None if r.before is None else json.loads(r.before),
            after=None if r.after is None else json.loads(r.after),
            reason=r.reason,
            decree_version=r.decree_version,
            hash=r.hash,
        )
        for r in rows
    ]
