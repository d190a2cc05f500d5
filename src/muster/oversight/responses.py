"""People's responses to a real campaign in the database, drawn at the simulator's rates, so
a demonstration (``muster demo``) or a rehearsal exercises every step through the ordinary
services: delivery attempts, reporting, the medical board, claims and the boards' decisions.
Deterministic by seed and day. Every step is the same call an officer's command makes, with
its audit event."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import numpy as np
from pydantic import BaseModel
from sqlalchemy import Engine

from muster.cases import service as cases
from muster.db.clock import Progress, quiet
from muster.notices import service as notices
from muster.oversight.schemas import SimulationParameters
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import service as selection

UNFIT_MONTHS = 6


class DayResponses(BaseModel):
    day: date
    counts: dict[str, int]


def respond(
    engine: Engine,
    *,
    campaign_id: int,
    day: date,
    actor: str,
    seed: int = 1,
    params: SimulationParameters | None = None,
    progress: Progress = quiet,
) -> DayResponses:
    """One day of responses: boards decide the claims filed before today; notices out are
    attempted (in person); people due today report or do not; those who reported are
    examined; some of those notified today claim an exemption."""

    p = params or SimulationParameters()
    rng = np.random.default_rng([seed, day.toordinal(), campaign_id])
    counts: Counter[str] = Counter()
    at = datetime.combine(day, time(10, 0))
    version = screening.stored_decree(
        engine, quotas.get(engine, campaign_id=campaign_id).decree
    ).in_force(day)
    grounds = [r.id for r in version.rules if r.kind == "exemption"] or ["criteria-not-met"]

    pending = [
        c
        for c in cases.list_claims(engine, status="pending", campaign_id=campaign_id)
        if c.filed_on < day
    ]
    for i, claim in enumerate(pending):
        upheld = bool(rng.random() < p.claim_upheld)
        cases.decide(
            engine,
            claim_id=claim.id,
            upheld=upheld,
            reasons="The evidence shows the ground applies."
            if upheld
            else "The evidence does not show the ground applies; the registry stands.",
            board=claim.board,
            actor=actor,
            today=day,
        )
        counts["claims upheld" if upheld else "claims rejected"] += 1
        progress("board decisions", i + 1, len(pending))

    out = [
        n
        for n in notices.list_notices(engine, campaign_id=campaign_id, status="issued")
        if n.issued_on < day
    ]
    notified: list[str] = []
    for i, n in enumerate(out):
        handed = bool(rng.random() < p.delivery_success)
        notices.deliver(
            engine,
            number=n.number,
            channel="in_person",
            outcome="handed_over" if handed else "not_met",
            actor=actor,
            at=at,
        )
        counts["notices handed over" if handed else "not met at home"] += 1
        if handed:
            notified.append(n.national_id)
        progress("deliveries", i + 1, len(out))

    due = {
        n.call_up
        for n in notices.list_notices(engine, campaign_id=campaign_id, status="delivered")
        if n.report_on == day
    }
    coming = [
        c.id
        for c in selection.list_callups(engine, campaign_id=campaign_id, status="notified")
        if c.id in due
    ]
    for i, callup in enumerate(coming):
        if rng.random() < p.no_show:
            counts["did not come"] += 1
        else:
            notices.report(engine, callup_id=callup, actor=actor)
            counts["reported"] += 1
        progress("reporting", i + 1, len(coming))

    examined = selection.list_callups(engine, campaign_id=campaign_id, status="reported")
    for i, c in enumerate(examined):
        unfit = bool(rng.random() < p.unfit_rate)
        outcome = notices.examine(
            engine,
            callup_id=c.id,
            fitness="G" if unfit else "A",
            unfit_until=day + timedelta(days=30 * UNFIT_MONTHS) if unfit else None,
            on=day,
            actor=actor,
        )
        if outcome == "fit":
            notices.move(
                engine,
                callup_id=c.id,
                to="enlisted",
                reason="fit for service; enlisted",
                actor=actor,
                role="regional_officer",
            )
        counts["enlisted" if outcome == "fit" else "released by the medical board"] += 1
        progress("medical board", i + 1, len(examined))

    claimants = [nid for nid in notified if rng.random() < p.claim_rate]
    for i, national_id in enumerate(claimants):
        claim = cases.file_claim(
            engine,
            national_id=national_id,
            kind="exemption",
            ground=str(rng.choice(grounds)),
            filed_by="person",
            filer=national_id,
            today=day,
            actor=actor,
            campaign_id=campaign_id,
        )
        counts["claims filed"] += 1
        if claim.automatic:
            counts["claims proven by the registry"] += 1
        progress("claims", i + 1, len(claimants))
    return DayResponses(day=day, counts=dict(counts))
