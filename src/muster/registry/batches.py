"""Registry batches: every write to persons is one (a generation, an import, a medical board's
finding), with its source, actor and counts, so each person's data can be traced to how it came.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Connection, insert, select, update

from muster.db.clock import now
from muster.errors import MusterError, NotFoundError
from muster.registry.models import Person, PersonChange, RegistryBatch
from muster.vocabulary import FITNESS


def start_batch(
    conn: Connection, *, kind: str, source: str, actor: str, sha256: str | None = None
) -> int:
    """Open a batch in the caller's transaction; its id."""
    result = conn.execute(
        insert(RegistryBatch).values(
            kind=kind,
            source=source,
            sha256=sha256,
            actor=actor,
            started_at=now(),
            inserted=0,
            updated=0,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_batch(conn: Connection, batch_id: int, *, inserted: int, updated: int) -> None:
    """Close a batch with what it inserted and updated."""
    conn.execute(
        update(RegistryBatch)
        .where(RegistryBatch.id == batch_id)
        .values(finished_at=now(), inserted=inserted, updated=updated)
    )


def record_fitness(
    conn: Connection,
    *,
    person_id: int,
    fitness: str,
    unfit_until: date | None,
    actor: str,
    source: str,
) -> dict[str, list[str | None]]:
    """A medical board's finding as a registry correction, in the caller's transaction: the
    person's fitness (and "temporarily unfit until") change in a batch of its own, with the
    change in the person's history, so the next incremental screen sees it. The changes."""
    if fitness not in FITNESS:
        raise MusterError(f"fitness: {fitness!r} is not a category (expected {', '.join(FITNESS)})")
    if (fitness == "G") != (unfit_until is not None):
        raise MusterError(
            "fitness G (temporarily unfit) needs --until DATE; other categories take no date"
        )
    old = conn.execute(
        select(Person.fitness, Person.unfit_until).where(Person.id == person_id)
    ).first()
    if old is None:
        raise NotFoundError(f"no person with id {person_id} in the registry")
    changes: dict[str, list[str | None]] = {}
    if old.fitness != fitness:
        changes["fitness"] = [old.fitness, fitness]
    if old.unfit_until != unfit_until:
        changes["unfit_until"] = [
            None if old.unfit_until is None else str(old.unfit_until),
            None if unfit_until is None else unfit_until.isoformat(),
        ]
    if not changes:
        return changes
    batch = start_batch(conn, kind="medical", source=source, actor=actor)
    at = now()
    conn.execute(
        update(Person)
        .where(Person.id == person_id)
        .values(fitness=fitness, unfit_until=unfit_until, batch_id=batch, updated_at=at)
    )
    conn.execute(
        insert(PersonChange).values(
            person_id=person_id,
            batch_id=batch,
            changed_at=at,
            actor=actor,
            changes=json.dumps(changes, ensure_ascii=False),
        )
    )
    finish_batch(conn, batch, inserted=0, updated=1)
    return changes
