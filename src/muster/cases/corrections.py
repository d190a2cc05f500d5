"""Corrections: a registry correction or a new decree version re-screens the persons it
touches, and every active call-up whose person is now excluded is released with the decree's
reason and replaced from the lottery order (DESIGN.md, principle 4).

A run re-screens each decree with an open or winding-down campaign incrementally (only the
persons a registry change, a new version or the new date can move; ``screening.screens``),
then reads each active call-up's person's decision as that screen stored it (under the
version in force on the as-of date) and decides again, on the registry as it stands in the
run's own transaction, the few it does not find eligible. Anyone not eligible is released —
``wrongful`` (criteria not met), ``exempt`` or ``deferred`` — with the decisive ground and its
legal reference, and the reason says what found it: ``found by amendment`` when the version
the previous screen used would still have called them, else ``found by correction``. The
releases, all made together (``notices.release_within``), withdraw the persons' notices and
draw the next eligible persons of each region's order: the same outcome as releasing them one
by one, in a few statements however many there are.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime

from sqlalchemy import Connection, Engine, and_, func, select

from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.cases.corrections_schemas import (
    CorrectionRelease,
    CorrectionScreen,
    CorrectionsResult,
    Trigger,
)
from muster.db import bulk
from muster.db.clock import Progress, quiet
from muster.notices import service as notices
from muster.policy.versions import Version
from muster.quotas import service as quotas
from muster.registry.models import Person
from muster.screening import service as screening
from muster.screening.models import Decision
from muster.selection import service as selection
from muster.selection.lifecycle import ACTIVE
from muster.selection.models import CallUp

FOUND_BY = "found by "  # the reason's marker, read back by the errors report
RUNNING = ("open", "winding_down")


def ground_words(version: Version, ground: str | None) -> str:
    """The decisive ground as a reason reads it: id, legal reference and title."""
    rule = next((r for r in version.rules if r.id == ground), None)
    if rule is None:
        return ground or "no ground"
    return f"{rule.id} ({rule.reference}): {rule.title}"


def _active(
    conn: Connection, decree_id: str, campaign_ids: list[int], since: datetime | None
) -> list[tuple[int, int, int, str, bool]]:
    """Active call-ups (id, campaign, person, region, whether the person's stored decision
    under the decree is ``eligible``) of these campaigns, in id order; with ``since``, only
    those whose person changed after it."""
    query = (
        select(
            CallUp.id,
            CallUp.campaign_id,
            CallUp.person_id,
            CallUp.region_code,
            Decision.decision == "eligible",
        )
        .outerjoin(
            Decision,
            and_(Decision.decree_id == decree_id, Decision.person_id == CallUp.person_id),
        )
        .where(
            CallUp.campaign_id.in_(campaign_ids),
            CallUp.status.in_([s for s in ACTIVE if s != "enlisted"]),
        )
        .order_by(CallUp.id)
    )
    if since is not None:
        query = query.join(Person, Person.id == CallUp.person_id).where(Person.updated_at > since)
    called = conn.scalar(select(func.count()).where(CallUp.campaign_id.in_(campaign_ids)))
    with bulk.through_index(conn, "decisions", int(called or 0)):
        rows = conn.execute(query).all()
    return [(int(i), int(c), int(p), str(r), bool(e)) for i, c, p, r, e in rows]


def run(
    engine: Engine,
    *,
    since: datetime | None = None,
    as_of: date,
    actor: str,
    role: str = "headquarters",
    progress: Progress = quiet,
) -> CorrectionsResult:
    """Re-screen, then release and replace every active call-up whose person is now excluded
    (see the module's description). ``since`` limits a run with no new decree version to the
    persons changed after that time; a new version re-decides every active call-up."""
    clock = time.perf_counter()
    campaigns = [c for c in quotas.list_campaigns(engine) if c.status in RUNNING]
    plans: list[tuple[str, Version, Version, list[int]]] = []
    screens: list[CorrectionScreen] = []
    for decree_id in sorted({c.decree for c in campaigns}):
        decree = screening.stored_decree(engine, decree_id)
        version = decree.in_force(as_of)
        last = screening.latest_screen(engine, decree_id=decree_id)
        before = decree.version(last.version) if last else version
        done = screening.screen(
            engine,
            decree_id=decree_id,
            as_of=as_of,
            changed_only=True,
            actor=actor,
            progress=progress,
        )
        screens.append(
            CorrectionScreen(
                decree=decree_id,
                before=before.ref if last else None,
                after=version.ref,
                incremental=done.incremental,
                persons=done.persons,
            )
        )
        ids = [c.id for c in campaigns if c.decree == decree_id]
        plans.append((decree_id, before, version, ids))
    releases: list[CorrectionRelease] = []
    checked = 0
    with engine.begin() as conn:
        journal: list[Event] = []
        for decree_id, before, version, ids in plans:
            amended = before.number != version.number
            rows = _active(conn, decree_id, ids, None if amended else since)
            checked += len(rows)
            suspects = [p for _, _, p, _, eligible in rows if not eligible]
            now_ = screening.decide_now(conn, version=version, person_ids=suspects, as_of=as_of)
            was = (
                screening.decide_now(conn, version=before, person_ids=suspects, as_of=as_of)
                if amended
                else {}
            )
            found: list[CorrectionRelease] = []
            for callup, campaign, person, region, _ in rows:
                decision, ground = now_.get(person, ("eligible", None))
                if decision == "eligible":
                    continue
                trigger: Trigger = (
                    "amendment" if was.get(person, ("",))[0] == "eligible" else "correction"
                )
                kind = selection.RELEASE_FOR[decision]
                reason = (
                    f"{kind}: {ground_words(version, ground)}; {decision} under {version.ref} "
                    f"as of {as_of}, {FOUND_BY}{trigger}"
                )
                found.append(
                    CorrectionRelease(
                        callup=callup,
                        campaign=campaign,
                        region=region,
                        reason=reason,
                        trigger=trigger,
                        replacement=None,
                    )
                )
            replaced = notices.release_within(
                conn,
                releases=[(r.callup, r.reason) for r in found],
                actor=actor,
                role=role,
                journal=journal,
                decree_version=version.ref,
            )
            releases += [r.model_copy(update={"replacement": replaced[r.callup]}) for r in found]
        result = CorrectionsResult(
            as_of=as_of,
            since=since,
            screens=screens,
            checked=checked,
            released=len(releases),
            replacements=sum(1 for r in releases if r.replacement is not None),
            by_reason=dict(Counter(r.reason.split(":", 1)[0] for r in releases).most_common()),
            by_region=dict(sorted(Counter(r.region for r in releases).items())),
            by_trigger=dict(Counter(r.trigger for r in releases).most_common()),
            releases=releases,
            seconds=time.perf_counter() - clock,
        )
        journal.append(
            Event(
                actor=actor,
                role=role,
                action="corrections.run",
                subject="corrections:" + (",".join(s.decree for s in screens) or "none"),
                after=result.model_dump(
                    mode="json",
                    include={
                        "as_of",
                        "since",
                        "checked",
                        "released",
                        "replacements",
                        "by_reason",
                        "by_region",
                        "by_trigger",
                    },
                ),
                decree_version=",".join(s.after for s in screens) or None,
            )
        )
        audit.record_many(conn, journal)
    return result
