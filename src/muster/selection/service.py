"""The campaign lottery: commit and draw; the published record (``record.py``) and call-up
moves, replacements and fulfilment (``callups.py``) are offered here too.

``lottery.py`` holds the protocol (pure); this module runs it over the registry: it freezes
each region's pool at commit, orders it at the draw, selects down the order up to the quota
(re-checking each person's latest decision), and continues down the same order for every
replacement. Region rows are locked while a region's call-ups change, so concurrent workers
never push a region past its quota.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import Engine, insert, select, text, update

from muster.audit import service as audit_log
from muster.audit.schemas import Event
from muster.db import bulk
from muster.db.clock import Progress, now, quiet
from muster.errors import MusterError
from muster.policy.engine import priority_column, priority_inputs
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import lottery
from muster.selection.callups import (
    RELEASE_FOR,
    fulfilment,
    get_callup,
    list_callups,
    move,
    release_many,
    transition,
)
from muster.selection.models import Lottery, LotteryRegion
from muster.selection.pools import (
    IDS,
    among,
    by_region,
    hashed,
    pack_members,
    pack_order,
    unpack_members,
)
from muster.selection.reading import stored_lottery
from muster.selection.record import published, write_record
from muster.selection.replacements import select_next, top_up
from muster.selection.schemas import (
    CommitRead,
    DrawRead,
    LotteryAudit,
)


def commit(
    engine: Engine, *, campaign_id: int, actor: str, progress: Progress = quiet
) -> CommitRead:
    """Freeze each region's pool (pseudonyms hashed into the pool hash) and commit to a secret
    seed: the commitment and the pool hashes are published before the draw."""
    campaign = quotas.get(engine, campaign_id=campaign_id)
    with engine.connect() as conn:
        quotas.require_status(
            conn, campaign_id=campaign_id, allowed=("planned",), doing="commit a lottery seed"
        )
        if conn.execute(
            select(Lottery.campaign_id).where(Lottery.campaign_id == campaign_id)
        ).first():
            raise MusterError(
                f"campaign {campaign_id} has already committed its seed; a commitment is made "
                "once, so the order cannot be chosen after the fact"
            )
    key, seed = secrets.token_bytes(32), secrets.token_bytes(32)
    pool = hashed(
        engine,
        decree_id=campaign.decree,
        columns=["national_id", "region_code"],
        eligible_only=True,
        key=key,
        progress=progress,
        phase="pseudonyms",
    )
    rows: list[dict[str, Any]] = []
    hashes: dict[str, str] = {}
    for region, part in sorted(by_region(pool.people).items()):
        hashes[region] = lottery.pool_hash(pool.names[part["row"].to_numpy()])
        rows.append(
            {
                "campaign_id": campaign_id,
                "region_code": region,
                "size": part.height,
                "pool_sha256": hashes[region],
                "members": pack_members(part["id"].to_numpy()),
                "ordered": None,
                "priorities": None,
                "next_position": 0,
                "skipped": 0,
            }
        )
    progress("pseudonyms", pool.people.height, pool.people.height)
    committed = now()
    commitment = lottery.commitment(seed)
    pools = lottery.regions_hash(hashes)
    with engine.begin() as conn:
        quotas.require_status(
            conn, campaign_id=campaign_id, allowed=("planned",), doing="commit a lottery seed"
        )
        conn.execute(
            insert(Lottery).values(
                campaign_id=campaign_id,
                pseudonym_key=key,
                seed=seed,
                commitment=commitment,
                pool_sha256=pools,
                committed_at=committed,
                actor=actor,
            )
        )
        if rows:
            conn.execute(insert(LotteryRegion), rows)
        audit_log.record(
            conn,
            Event(
                actor=actor,
                role="headquarters",
                action="lottery.committed",
                subject=f"campaign:{campaign_id}",
                after={"commitment": commitment, "pool_sha256": pools, "pool": pool.people.height},
            ),
        )
    return CommitRead(
        campaign=campaign_id,
        commitment=commitment,
        pool_sha256=pools,
        pool=pool.people.height,
        regions=hashes,
        committed_at=committed,
    )


def _place_values(places: lottery.Digests) -> npt.NDArray[np.float64]:
    """Each place as a number in [0, 1) (its first 64 bits): uniform and independent of
    everything about the person if the lottery is fair, and comparable across regions."""
    words = np.frombuffer(lottery.raw(places), dtype=">u8").reshape(len(places), 4)[:, 0]
    return words.astype(np.float64) / 2.0**64


def draw(engine: Engine, *, campaign_id: int, actor: str, progress: Progress = quiet) -> DrawRead:
    """Reveal the seed, order each region's frozen pool, select down the order up to the quota
    (skipping anyone no longer eligible), audit the order's randomness, open the campaign."""
    clock = time.perf_counter()
    campaign = quotas.get(engine, campaign_id=campaign_id)
    version = screening.stored_decree(engine, campaign.decree).version(campaign.version)
    with engine.connect() as conn:
        quotas.require_status(conn, campaign_id=campaign_id, allowed=("planned",), doing="draw")
        lot = stored_lottery(conn, campaign_id)
        if lot.drawn_at is not None:
            raise MusterError(f"campaign {campaign_id} has already been drawn")
        regions = {
            r.region_code: r
            for r in conn.execute(
                select(LotteryRegion).where(LotteryRegion.campaign_id == campaign_id)
            )
        }
        quota = quotas.quotas(conn, campaign_id=campaign_id)
    if lottery.commitment(lot.seed) != lot.commitment:
        raise MusterError(f"campaign {campaign_id}: the stored seed does not match its commitment")
    groups = version.campaign.priority_groups
    columns = list(
        dict.fromkeys(["national_id", "region_code", "birth_date", *priority_inputs(version)])
    )
    members = {code: unpack_members(r.members) for code, r in regions.items()}
    pool = hashed(
        engine,
        decree_id=campaign.decree,
        columns=columns,
        eligible_only=False,
        key=lot.pseudonym_key,
        seed=lot.seed,
        within=np.sort(np.concatenate([np.empty(0, np.int64), *members.values()])),
        progress=progress,
        phase="draw",
        total=sum(r.size for r in regions.values()),
    )
    assert pool.places is not None
    people = pool.people
    parts = by_region(people)
    selected, skipped_all = 0, 0
    callups: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audit_dates: list[pl.Series] = []
    audit_ranks: list[npt.NDArray[np.float64]] = []
    audit_regions: list[pl.Series] = []
    per_region: dict[str, int] = {}
    drawn = now()
    for code, region in sorted(regions.items()):
        part = parts.get(code, people.clear())
        part = part.filter(pl.Series(among(part["id"].to_numpy(), members[code])))
        if part.height != region.size:
            raise MusterError(
                f"region {code}: {region.size - part.height} persons of the pool frozen at "
                "commit are no longer in the registry; the draw cannot reproduce the pool"
            )
        at = part["row"].to_numpy()
        if lottery.pool_hash(pool.names[at]) != region.pool_sha256:
            raise MusterError(
                f"region {code}: the pool no longer hashes to the committed "
                f"{region.pool_sha256[:16]}…; a national id changed after the commit"
            )
        places = pool.places[at]
        priority = (
            priority_column(version, part, campaign.as_of).to_numpy()
            if groups
            else np.zeros(part.height, dtype=np.int16)
        )
        order = lottery.order(priority, places)
        ids = part["id"].to_numpy()[order]
        eligible = (part["decision"] == "eligible").to_numpy()[order]
        want = quota.get(code, (0, "closed"))[0]
        take = np.flatnonzero(eligible)[:want]
        if want == 0:
            next_position = 0
        elif len(take) == want:
            next_position = int(take[-1]) + 1
        else:  # the order ran out before the quota was met
            next_position = len(ids)
        skipped = next_position - len(take)
        prio = priority[order]
        for pos in take:
            callups.append(
                {
                    "campaign_id": campaign_id,
                    "person_id": int(ids[pos]),
                    "region_code": code,
                    "position": int(pos),
                    "priority": int(prio[pos]),
                    "status": "selected",
                    "reason": None,
                    "replaces": None,
                    "selected_at": drawn,
                    "updated_at": drawn,
                    "actor": actor,
                }
            )
        counts = np.bincount(priority.astype(np.int64), minlength=len(groups) + 1)
        updates.append(
            {
                "r": code,
                "ordered": pack_order(ids),
                "priorities": json.dumps([int(c) for c in counts]),
                "next_position": next_position,
                "skipped": skipped,
            }
        )
        per_region[code] = len(take)
        selected += len(take)
        skipped_all += skipped
        if part.height:
            audit_dates.append(part["birth_date"])
            audit_ranks.append(_place_values(places))
            audit_regions.append(pl.repeat(code, part.height, dtype=pl.String, eager=True))
    audit = _audit(audit_dates, audit_ranks, audit_regions)
    with engine.begin() as conn:
        quotas.require_status(conn, campaign_id=campaign_id, allowed=("planned",), doing="draw")
        for u in updates:
            conn.execute(
                update(LotteryRegion)
                .where(
                    LotteryRegion.campaign_id == campaign_id, LotteryRegion.region_code == u["r"]
                )
                .values(
                    ordered=u["ordered"],
                    priorities=u["priorities"],
                    next_position=u["next_position"],
                    skipped=u["skipped"],
                )
            )
        if callups:
            bulk.insert(conn, "call_ups", pl.DataFrame(callups))
            if conn.dialect.name != "sqlite":  # the planner's figures for the new rows: each
                conn.execute(text("ANALYZE call_ups"))  # replacement's look-up by index
        conn.execute(
            update(Lottery)
            .where(Lottery.campaign_id == campaign_id)
            .values(drawn_at=drawn, audit=json.dumps(audit))
        )
        quotas.set_status(conn, campaign_id=campaign_id, status="open")
        audit_log.record(
            conn,
            Event(
                actor=actor,
                role="headquarters",
                action="lottery.drawn",
                subject=f"campaign:{campaign_id}",
                before={"status": "planned"},
                after={"status": "open", "seed": lot.seed.hex(), "selected": selected},
                decree_version=f"{campaign.decree}@{campaign.version}",
            ),
        )
    return DrawRead(
        campaign=campaign_id,
        seed=lot.seed.hex(),
        commitment=lot.commitment,
        selected=selected,
        skipped=skipped_all,
        by_region=per_region,
        audit=audit,
        seconds=time.perf_counter() - clock,
    )


def _audit(
    dates: list[pl.Series], ranks: list[npt.NDArray[np.float64]], regions: list[pl.Series]
) -> dict[str, Any]:
    """The draw's own randomness audit: each person's lottery place (priority groups aside)
    against birth date and against region."""
    if not ranks or sum(len(r) for r in ranks) < 3:
        return {}
    from muster.selection import randomness  # SciPy loads only when a draw is audited

    rank = pl.Series("place", np.concatenate(ranks))
    return {
        "birth_date": randomness.audit_ranks(pl.concat(dates), rank).model_dump(mode="json"),
        "region": randomness.audit_ranks(pl.concat(regions).alias("region"), rank).model_dump(
            mode="json"
        ),
    }


def pools(engine: Engine, *, campaign_id: int) -> dict[str, IDS]:
    """Each region's pool as the lottery froze it at commit: person ids, sorted (empty before
    the commitment)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(LotteryRegion.region_code, LotteryRegion.members).where(
                LotteryRegion.campaign_id == campaign_id
            )
        ).all()
    return {str(region): unpack_members(blob) for region, blob in rows}


def draw_audits(engine: Engine, *, campaign_id: int) -> dict[str, LotteryAudit]:
    """The randomness audits stored with a campaign's draw, by key (birth date, region); empty
    before the draw."""
    with engine.connect() as conn:
        stored = conn.scalar(select(Lottery.audit).where(Lottery.campaign_id == campaign_id))
    if not stored:
        return {}
    return {key: LotteryAudit.model_validate(a) for key, a in json.loads(stored).items()}


def forget_campaigns(engine: Engine) -> None:
    """Drop every campaign with its lottery and call-ups (before the registry they select
    from is replaced)."""
    with engine.begin() as conn:
        for table in ("call_ups", "lottery_regions", "lotteries", "campaign_regions", "campaigns"):
            conn.execute(text(f"DELETE FROM {table}"))


__all__ = [
    "RELEASE_FOR",
    "commit",
    "draw",
    "draw_audits",
    "forget_campaigns",
    "fulfilment",
    "get_callup",
    "list_callups",
    "move",
    "pools",
    "published",
    "release_many",
    "select_next",
    "top_up",
    "transition",
    "write_record",
]
