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

import polars as pl
from sqlalchemy import Connection, Engine, func, insert, select, update

from muster.audit import checkpoints
from muster.audit.models import AuditEvent, AuditHead
from muster.audit.schemas import ChainProblem, ChainReport, Event, EventRead
from muster.db import bulk
from muster.db.clock import now

GENESIS = "0" * 64
_SCHEMA: dict[str, Any] = {
    **dict.fromkeys(
        ("actor", "role", "action", "subject", "before", "after", "reason", "decree_version"),
        pl.String,
    ),
    "seq": pl.Int64,
    "at": pl.Datetime("us"),
    "prev_hash": pl.String,
    "hash": pl.String,
}
_PAGE = 20_000
_BULK = 200  # from this many events a batch goes through the bulk write path


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
    if len(rows) < _BULK:
        conn.execute(insert(AuditEvent), rows)
    else:
        bulk.insert(conn, "audit_events", pl.DataFrame(rows, schema=_SCHEMA))
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    if checkpoints.due(int(head.seq), seq):
        checkpoints.sign_head(conn, seq=seq, digest=prev)
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


def _span(first: int, last: int) -> str:
    return f"event {first}" if first == last else f"events {first}–{last}"


def _seqs_of(conn: Connection, hashes: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(hashes)
    for i in range(0, len(ordered), 1_000):
        rows = conn.execute(
            select(AuditEvent.hash, AuditEvent.seq).where(
                AuditEvent.hash.in_(ordered[i : i + 1_000])
            )
        )
        found |= {str(h): int(q) for h, q in rows}
    return found


def verify(engine: Engine) -> ChainReport:
    """Re-walk the chain. Each problem names the event and what happened to it:

    - edited: its content no longer hashes to its hash;
    - reordered: its content hashes correctly, but as another event (it was moved);
    - deleted: a gap in the sequence (or, as ``head``, events missing from the end);
    - inserted: an event the chain does not link to (its neighbours link past it), in place
      of an event or after the head;
    - head: the head names another last event than the log holds.
    """
    problems: list[ChainProblem] = []
    unhashed: list[Any] = []  # events whose content does not hash to their hash
    breaks: list[int] = []  # events not linked to their predecessor's hash
    beyond: list[int] = []  # events after the head
    count = 0
    with engine.connect() as conn:
        head = conn.execute(select(AuditHead).where(AuditHead.id == 1)).one()
        head_seq, head_hash = int(head.seq), str(head.hash)
        last_seq, last_hash = 0, GENESIS
        for r in _rows(conn):
            count += 1
            seq = int(r.seq)
            if seq > head_seq:
                beyond.append(seq)
                continue
            if seq != last_seq + 1:
                problems.append(
                    ChainProblem(
                        kind="deleted",
                        seq=last_seq + 1,
                        message=f"{_span(last_seq + 1, seq - 1)} "
                        f"{'is' if seq - 1 == last_seq + 1 else 'are'} missing: deleted from "
                        "the log",
                    )
                )
            elif _hash_of(r) != r.hash:
                unhashed.append(r)
            elif r.prev_hash != last_hash:
                breaks.append(seq)
            last_seq, last_hash = seq, str(r.hash)
        if last_seq < head_seq:
            problems.append(
                ChainProblem(
                    kind="head",
                    seq=last_seq + 1,
                    message=f"{_span(last_seq + 1, head_seq)} "
                    f"{'is' if last_seq + 1 == head_seq else 'are'} missing from the end: the "
                    f"log's head says it ends at event {head_seq}, the log at event {last_seq}",
                )
            )
        elif head_hash != last_hash:
            breaks.append(last_seq + 1)  # the head is the last event's successor
        if beyond:
            problems.append(
                ChainProblem(
                    kind="inserted",
                    seq=beyond[0],
                    message=f"{_span(beyond[0], beyond[-1])} "
                    f"{'comes' if len(beyond) == 1 else 'come'} after the log's head "
                    f"(event {head_seq}): inserted outside the log's writer",
                )
            )
        moved = _seqs_of(conn, {str(r.prev_hash) for r in unhashed})
    flagged = {int(r.seq) for r in unhashed}
    for r in unhashed:
        seq = int(r.seq)
        origin = 1 if r.prev_hash == GENESIS else moved.get(str(r.prev_hash), -1) + 1
        places = [origin, *(seq + d for d in (-3, -2, -1, 1, 2, 3))]
        was = next((p for p in places if p >= 1 and p != seq and _hash_of(r, p) == r.hash), None)
        problems.append(
            ChainProblem(
                kind="reordered",
                seq=seq,
                message=f"event {seq} holds what was written as event {was}: reordered",
            )
            if was is not None
            else ChainProblem(
                kind="edited",
                seq=seq,
                message=f"event {seq} ({r.action} {r.subject}) was edited after it was "
                "written: its content no longer matches its hash",
            )
        )
    broken = set(breaks)
    for seq in breaks:
        if seq - 1 in flagged:
            continue  # follows from what happened to the event before it
        if seq + 1 in broken or seq == 1:
            flagged.add(seq)
            problems.append(
                ChainProblem(
                    kind="inserted",
                    seq=seq,
                    message=f"event {seq} does not belong to the chain: it does not link "
                    + ("to the chain's start" if seq == 1 else f"to event {seq - 1}")
                    + (
                        ""
                        if seq + 1 not in broken
                        else ", nor the log's head to it"
                        if seq == last_seq
                        else f", nor event {seq + 1} to it"
                    )
                    + ": inserted",
                )
            )
        elif seq > last_seq:
            problems.append(
                ChainProblem(
                    kind="head",
                    seq=last_seq,
                    message=f"the log's head records another event {last_seq} than the log "
                    "holds: the last event was replaced, or the head was altered",
                )
            )
        else:
            flagged.add(seq - 1)
            problems.append(
                ChainProblem(
                    kind="inserted",
                    seq=seq - 1,
                    message=f"event {seq - 1} is not the event written there (event {seq} "
                    "links to another one): inserted in its place",
                )
            )
    problems.extend(checkpoints.check(engine))
    problems.sort(key=lambda p: p.seq)
    return ChainReport(
        ok=not problems,
        events=count,
        head_seq=head_seq,
        head_hash=head_hash,
        problems=problems,
    )


def events(
    engine: Engine,
    *,
    subject: str | None = None,
    action: str | None = None,
    limit: int | None = 100,
) -> list[EventRead]:
    """The latest events, newest first, optionally about one subject or of one action."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if limit is not None:
        query = query.limit(limit)
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


def count(engine: Engine, *, action: str) -> int:
    """How many events of one action (``*`` matches any run of characters) the log holds."""
    query = select(func.count()).where(AuditEvent.action.like(action.replace("*", "%")))
    with engine.connect() as conn:
        return int(conn.scalar(query) or 0)
