"""The published draw record: the JSON record and its order file, for anyone to verify.

``lottery.verify_record`` checks a record against the protocol; this module writes one from
the stored lottery. No names, no national ids: only pseudonyms, hashes, quotas and the audit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, select

from muster.db.clock import Progress, quiet
from muster.errors import MusterError
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import lottery
from muster.selection.models import Lottery, LotteryRegion
from muster.selection.pools import unpack_order
from muster.selection.reading import read_persons, stored_lottery
from muster.selection.schemas import DrawPublished


def published(engine: Engine, *, campaign_id: int) -> DrawPublished | None:
    """The campaign's public lottery facts; None before the commitment."""
    with engine.connect() as conn:
        lot = conn.execute(select(Lottery).where(Lottery.campaign_id == campaign_id)).first()
    if lot is None:
        return None
    return DrawPublished(
        campaign=campaign_id,
        commitment=lot.commitment,
        pool_sha256=lot.pool_sha256,
        committed_at=lot.committed_at,
        drawn_at=lot.drawn_at,
        seed=lot.seed.hex() if lot.drawn_at is not None else None,
        audit=json.loads(lot.audit) if lot.audit else None,
    )


def write_record(
    engine: Engine, *, campaign_id: int, path: Path, progress: Progress = quiet
) -> dict[str, Any]:
    """Publish the draw record: ``path`` (JSON: commitment, seed, pool hashes, quotas, the
    randomness audit) and next to it the order file (Parquet: each region's pseudonyms in
    lottery order with their priority group). No names, no national ids."""
    campaign = quotas.get(engine, campaign_id=campaign_id)
    with engine.connect() as conn:
        lot = stored_lottery(conn, campaign_id)
        if lot.drawn_at is None:
            raise MusterError(
                f"campaign {campaign_id} has not been drawn; the record is published after "
                f"`muster campaign draw {campaign_id}`"
            )
        regions = [
            r
            for r in conn.execute(
                select(LotteryRegion)
                .where(LotteryRegion.campaign_id == campaign_id)
                .order_by(LotteryRegion.region_code)
            )
        ]
        quota = quotas.quotas(conn, campaign_id=campaign_id)
    people = read_persons(
        engine,
        decree_id=campaign.decree,
        columns=["national_id"],
        eligible_only=False,
        progress=progress,
    )
    nid = dict(zip(people["id"].to_list(), people["national_id"].to_list(), strict=True))
    frames = []
    for region in regions:
        assert region.ordered is not None
        ids = unpack_order(region.ordered)
        names = lottery.pseudonyms(lot.pseudonym_key, [nid[int(i)] for i in ids])
        bounds = np.cumsum(json.loads(region.priorities or "[]"))
        frames.append(
            pl.DataFrame(
                {
                    "region": [region.region_code] * len(ids),
                    "position": np.arange(len(ids), dtype=np.int32),
                    "priority": np.searchsorted(bounds, np.arange(len(ids)), side="right").astype(
                        np.int16
                    ),
                    "pseudonym": [n.hex() for n in names],
                }
            )
        )
    order_path = path.with_name(path.stem + ".order.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = order_path.with_suffix(".tmp")
    (
        pl.concat(frames)
        if frames
        else pl.DataFrame(
            schema={
                "region": pl.String,
                "position": pl.Int32,
                "priority": pl.Int16,
                "pseudonym": pl.String,
            }
        )
    ).write_parquet(tmp)
    tmp.replace(order_path)
    version = screening.stored_decree(engine, campaign.decree).version(campaign.version)
    record = {
        "format": lottery.RECORD_FORMAT,
        "campaign": campaign_id,
        "decree": version.ref,
        "as_of": campaign.as_of.isoformat(),
        "target": campaign.target,
        "method": campaign.method,
        "protocol": (
            "pseudonym = HMAC-SHA256(campaign key, national id); place = HMAC-SHA256(seed, "
            "pseudonym bytes); order = by priority group, then place; pool hash = SHA-256 of "
            "the region's pseudonyms in hex, sorted, one per line"
        ),
        "priority_groups": [
            {"id": g.id, "title": g.title, "reference": g.reference, "condition": g.condition.text}
            for g in version.campaign.priority_groups
        ],
        "commitment": lot.commitment,
        "committed_at": lot.committed_at.isoformat(),
        "seed": lot.seed.hex(),
        "drawn_at": lot.drawn_at.isoformat(),
        "pool_sha256": lot.pool_sha256,
        "regions": [
            {
                "region": r.region_code,
                "size": r.size,
                "pool_sha256": r.pool_sha256,
                "quota": quota.get(r.region_code, (0, ""))[0],
                "priority_groups": json.loads(r.priorities or "[]"),
            }
            for r in regions
        ],
        "order_file": order_path.name,
        "order_sha256": lottery.file_sha256(order_path),
        "audit": json.loads(lot.audit or "{}"),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return record
