"""Signed checkpoints of the chain's head (Ed25519).

Every ``EVERY`` events, in the writing transaction, the head (sequence number and hash) is
signed; ``muster audit checkpoint`` signs one on demand. Checkpoints are published with the
public key, so whoever keeps a copy can later prove that the log still holds the event the
checkpoint names: a log rewritten consistently after a checkpoint (every hash recomputed)
passes the chain check but not the checkpoints.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlalchemy import Connection, Engine, insert, select

from muster.audit.models import AuditCheckpoint, AuditEvent, AuditHead, AuditKey
from muster.audit.schemas import ChainProblem, CheckpointRead
from muster.db.clock import now

EVERY = 1_000


def statement(seq: int, digest: str, at: datetime) -> bytes:
    """What a checkpoint signs."""
    return f"muster-audit-checkpoint:{seq}:{digest}:{at.isoformat()}".encode()


def _signing_key(conn: Connection) -> tuple[int, Ed25519PrivateKey]:
    row = conn.execute(
        select(AuditKey).where(AuditKey.active.is_(True)).order_by(AuditKey.id.desc()).limit(1)
    ).first()
    if row is not None:
        return int(row.id), Ed25519PrivateKey.from_private_bytes(bytes.fromhex(row.private_key))
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = conn.execute(
        insert(AuditKey).returning(AuditKey.id),
        {"public_key": public.hex(), "private_key": raw.hex(), "created_at": now(), "active": True},
    ).scalar_one()
    return int(key_id), key


def sign_head(conn: Connection, *, seq: int, digest: str) -> None:
    """Sign the head ``seq``/``digest`` in the caller's transaction (once per sequence)."""
    if seq == 0 or conn.scalar(select(AuditCheckpoint.seq).where(AuditCheckpoint.seq == seq)):
        return
    key_id, key = _signing_key(conn)
    at = now()
    conn.execute(
        insert(AuditCheckpoint),
        {
            "seq": seq,
            "hash": digest,
            "at": at,
            "key_id": key_id,
            "signature": key.sign(statement(seq, digest, at)).hex(),
        },
    )


def due(before: int, after: int) -> bool:
    """Whether appending events ``before+1 … after`` crosses a checkpoint boundary."""
    return after // EVERY > before // EVERY


def checkpoint(engine: Engine) -> CheckpointRead | None:
    """Sign the current head now; None when the log is empty."""
    with engine.begin() as conn:
        head = conn.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
        sign_head(conn, seq=int(head.seq), digest=str(head.hash))
    found = checkpoints(engine, limit=1)
    return found[0] if found else None


def checkpoints(engine: Engine, *, limit: int | None = None) -> list[CheckpointRead]:
    """Published checkpoints, newest first, each with its public key."""
    query = (
        select(AuditCheckpoint, AuditKey.public_key)
        .join(AuditKey, AuditKey.id == AuditCheckpoint.key_id)
        .order_by(AuditCheckpoint.seq.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [
            CheckpointRead(
                seq=r.seq, hash=r.hash, at=r.at, signature=r.signature, public_key=r.public_key
            )
            for r in conn.execute(query)
        ]


def valid(c: CheckpointRead) -> bool:
    """Whether the checkpoint's signature is good (anyone can check, with the public key)."""
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(c.public_key))
        public.verify(
            bytes.fromhex(c.signature), statement(c.seq, c.hash, c.at.replace(tzinfo=None))
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def check(engine: Engine) -> list[ChainProblem]:
    """Each checkpoint must be validly signed and name an event the log still holds as is."""
    problems: list[ChainProblem] = []
    published = checkpoints(engine)
    with engine.connect() as conn:
        held = {
            int(s): str(h)
            for s, h in conn.execute(
                select(AuditEvent.seq, AuditEvent.hash).where(
                    AuditEvent.seq.in_([c.seq for c in published])
                )
            )
        }
    for c in sorted(published, key=lambda c: c.seq):
        if not valid(c):
            problems.append(
                ChainProblem(
                    kind="checkpoint",
                    seq=c.seq,
                    message=f"the checkpoint of event {c.seq} does not verify with its key: "
                    "the checkpoint was altered",
                )
            )
        elif held.get(c.seq) != c.hash:
            problems.append(
                ChainProblem(
                    kind="checkpoint",
                    seq=c.seq,
                    message=f"event {c.seq} is not the event signed at "
                    f"{c.at:%Y-%m-%d %H:%M:%S} UTC: the log was rewritten up to there",
                )
            )
    return problems
