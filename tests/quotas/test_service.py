"""Campaign quotas on SQLite and PostgreSQL: published, capped by capacity, closed by decree."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, text

from muster.errors import MusterError
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening

DECREE_ID = "partial-mobilization-2022"


def test_quotas_share_the_target_by_the_eligible_pool(screened_2022: Engine) -> None:
    campaign = quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=120, actor="hq")
    assert campaign.status == "planned" and campaign.method == "huntington-hill"
    assert campaign.planned_days == 35 and campaign.version == 4
    table = quotas.quota_table(screened_2022, campaign_id=campaign.id)
    pool = screening.pool_by_region(screened_2022, decree_id=DECREE_ID)
    assert sum(r.quota for r in table.regions) == 120
    assert {r.region: r.pool for r in table.regions if r.pool} == pool
    for r in table.regions:
        assert r.quota <= r.cap == min(r.pool, r.capacity)
    # A region with twice the pool never gets fewer call-ups (no cap binding here).
    rows = sorted(table.regions, key=lambda r: r.pool)
    assert all(a.quota <= b.quota for a, b in itertools.pairwise(rows))
    assert "eligible pool" in table.formula and "35 days" in table.formula


def test_office_capacity_caps_a_region_and_the_rest_is_shared(screened_2022: Engine) -> None:
    pool = screening.pool_by_region(screened_2022, decree_id=DECREE_ID)
    biggest = max(pool, key=lambda r: pool[r])
    with screened_2022.begin() as conn:
        conn.execute(
            text("UPDATE offices SET receptions_per_day = 0 WHERE region_code = :r"), {"r": biggest}
        )
        conn.execute(
            text(
                "UPDATE offices SET receptions_per_day = 5, exams_per_day = 9 WHERE code = "
                "(SELECT min(code) FROM offices WHERE region_code = :r)"
            ),
            {"r": biggest},
        )
    assert registry.daily_capacity(screened_2022)[biggest] == 5
    campaign = quotas.open_campaign(
        screened_2022, decree_id=DECREE_ID, target=200, days=2, actor="hq"
    )
    rows = {r.region: r for r in quotas.quota_table(screened_2022, campaign_id=campaign.id).regions}
    assert rows[biggest].quota == rows[biggest].cap == 10 < pool[biggest]
    assert sum(r.quota for r in rows.values()) == 200


def test_open_refuses_what_cannot_be_met(screened_2022: Engine, populated: Engine) -> None:
    pool = sum(screening.pool_by_region(screened_2022, decree_id=DECREE_ID).values())
    with pytest.raises(MusterError, match="more than the regions can take"):
        quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=pool + 1, actor="hq")
    with pytest.raises(MusterError, match="unknown apportionment method 'lottery'"):
        quotas.open_campaign(screened_2022, decree_id=DECREE_ID, method="lottery", actor="hq")
    quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=10, actor="hq")
    with pytest.raises(MusterError, match="still running"):
        quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=10, actor="hq")


def test_open_needs_a_screen(populated: Engine) -> None:
    screening.load_decree(populated, Path("decrees/partial-mobilization-2022.yaml"), actor="t")
    with pytest.raises(MusterError, match="has not been screened; run `muster screen"):
        quotas.open_campaign(populated, decree_id=DECREE_ID, actor="hq")


def test_a_campaign_closes_only_by_a_decree_that_ends_it(
    screened_2022: Engine, tmp_path: Path
) -> None:
    campaign = quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=10, actor="hq")
    with pytest.raises(MusterError, match="does not end the call-up"):
        quotas.close(screened_2022, campaign_id=campaign.id, by=f"{DECREE_ID}@4")
    with pytest.raises(MusterError, match="takes effect on 2022-10-28"):
        quotas.close(
            screened_2022, campaign_id=campaign.id, by=f"{DECREE_ID}@5", today=date(2022, 10, 20)
        )
    other = yaml.safe_load(Path("decrees/specialist-callup-2026.yaml").read_text())
    other["versions"][-1]["ends_call_up"] = True
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(other, sort_keys=False))
    screening.load_decree(screened_2022, path, actor="t")
    with pytest.raises(MusterError, match="another decree"):
        quotas.close(screened_2022, campaign_id=campaign.id, by="specialist-callup-2026@2")
    closed = quotas.close(
        screened_2022, campaign_id=campaign.id, by=f"{DECREE_ID}@5", today=date(2022, 10, 28)
    )
    assert closed.status == "closed" and closed.closed_by == f"{DECREE_ID}@5"
    assert {r.status for r in quotas.quota_table(screened_2022, campaign_id=1).regions} == {
        "closed"
    }
    with pytest.raises(MusterError, match="is closed"):
        quotas.close(screened_2022, campaign_id=campaign.id, by=f"{DECREE_ID}@5")
    # Once closed, the decree may run a new campaign.
    assert quotas.open_campaign(screened_2022, decree_id=DECREE_ID, target=5, actor="hq").id == 2
