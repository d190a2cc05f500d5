"""The medical board: its finding written to the registry with history, the call-up
examined, the person re-decided; unfit or temporarily unfit released and replaced."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine, insert, select

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.errors import NotFoundError

# --- after issue: delivery, reporting, no-shows, the medical board ------------------------
from muster.notices.casework import move_within
from muster.notices.models import (
    Examination,
)
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection
from muster.selection.models import CallUp


def head_person(conn: Connection, callup_id: int) -> int:
    found = conn.scalar(select(CallUp.person_id).where(CallUp.id == callup_id))
    if found is None:
        raise NotFoundError(f"no call-up {callup_id}")
    return int(found)


def examine(
    engine: Engine,
    *,
    callup_id: int,
    fitness: str,
    on: date,
    actor: str,
    unfit_until: date | None = None,
    role: str = "medical_board",
) -> str:
    """The medical board's finding: recorded in the registry (with history), the call-up
    examined, and the person re-decided under the decree in force that day. Unfit, or
    temporarily unfit, or otherwise no longer eligible → released and replaced. The outcome:
    ``fit`` or the release reason."""
    head = selection.get_callup(engine, callup_id=callup_id)
    campaign = quotas.get(engine, campaign_id=head.campaign)
    version = screening.stored_decree(engine, campaign.decree).in_force(on)
    ref = f"{version.decree}@{version.number}"
    with engine.begin() as conn:
        journal: list[Event] = []
        person_id = int(head_person(conn, callup_id))
        move_within(
            conn,
            callup_id=callup_id,
            to="examined",
            reason=f"fitness {fitness}",
            actor=actor,
            role=role,
            journal=journal,
            decree_version=ref,
        )
        changes = registry.record_fitness(
            conn,
            person_id=person_id,
            fitness=fitness,
            unfit_until=unfit_until,
            actor=actor,
            source=f"medical board, call-up {callup_id}",
        )
        decision, ground = screening.decide_now(
            conn, version=version, person_ids=[person_id], as_of=on
        )[person_id]
        if decision == "eligible":
            outcome = "fit"
        else:
            outcome = {"D": "unfit", "G": "deferred"}.get(fitness, selection.RELEASE_FOR[decision])
            move_within(
                conn,
                callup_id=callup_id,
                to="released",
                reason=f"{outcome}: medical board found fitness {fitness}"
                + (f" until {unfit_until}" if unfit_until else "")
                + f"; {decision} ({ground or 'no ground'})",
                actor=actor,
                role=role,
                journal=journal,
                decree_version=ref,
            )
        conn.execute(
            insert(Examination).values(
                call_up_id=callup_id,
                person_id=person_id,
                examined_on=on,
                fitness=fitness,
                unfit_until=unfit_until,
                outcome=outcome,
                actor=actor,
            )
        )
        journal.append(
            Event(
                actor=actor,
                role=role,
                action="medical.examined",
                subject=f"call_up:{callup_id}",
                before={k: v[0] for k, v in changes.items()},
                after={"fitness": fitness, "unfit_until": unfit_until, "outcome": outcome},
                decree_version=ref,
            )
        )
        audit.record_many(conn, journal)
    return outcome
