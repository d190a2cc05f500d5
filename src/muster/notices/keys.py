"""The keys that sign notice codes: created on first use, rotated by headquarters; a
retired key still verifies the notices it signed."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db.clock import now
from muster.errors import MusterError
from muster.notices.models import (
    SigningKey,
)


def _signing_key(conn: Connection) -> tuple[int, bytes]:
    row = conn.execute(
        select(SigningKey.id, SigningKey.secret)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise MusterError("no notice signing key; run `muster notices rotate-key` first")
    return int(row[0]), bytes(row[1])


def signing_keys(conn: Connection) -> dict[int, bytes]:
    return {int(i): bytes(s) for i, s in conn.execute(select(SigningKey.id, SigningKey.secret))}


def ensure_key(engine: Engine, *, actor: str) -> int:
    """The id of the key that signs new notices, creating the first one if there is none."""
    with engine.connect() as conn:
        found = conn.scalar(select(func.max(SigningKey.id)).where(SigningKey.retired_at.is_(None)))
    if found is not None:
        return int(found)
    try:
        return rotate_key(engine, actor=actor)
    except IntegrityError:  # another worker created it at the same moment
        return ensure_key(engine, actor=actor)


def rotate_key(engine: Engine, *, actor: str) -> int:
    """Retire the signing key in use and create a new one. Notices signed with a retired key
    still verify; new notices are signed with the new key."""
    with engine.begin() as conn:
        last = int(conn.scalar(select(func.max(SigningKey.id))) or 0)
        if last >= 255:
            raise MusterError("255 signing keys have been used; codes have room for no more")
        at = now()
        conn.execute(
            update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=at)
        )
        conn.execute(
            insert(SigningKey).values(
                id=last + 1, secret=secrets.token_bytes(32), created_at=at, actor=actor
            )
        )
        audit.record(
            conn,
            Event(
                actor=actor,
                role="headquarters",
                action="notices.key_rotated",
                subject=f"signing_key:{last + 1}",
            ),
        )
    return last + 1
