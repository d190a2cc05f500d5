"""On SQLite there is no queue: ``muster jobs …`` does the work in-process, idempotently."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from muster.cli.main import app
from muster.db.engine import get_engine
from muster.jobs import service as jobs
from muster.notices import service as notices
from muster.selection import service as selection
from tests.jobs.helpers import campaign, check_invariants

runner = CliRunner()
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_urls_choose_the_queue_or_in_process() -> None:
    assert jobs.queued("postgresql://muster:s3cret@db.example:5433/muster")
    assert jobs.queued("postgresql+psycopg://db.example/muster")
    assert not jobs.queued("sqlite:///muster.db")
    assert not jobs.queued("muster.db")
    assert (
        jobs.conninfo("postgresql+psycopg://muster:s3cret@db.example:5433/muster")
        == "postgresql://muster:s3cret@db.example:5433/muster"
    )


def test_jobs_carry_ids_and_dates_and_lock_their_region() -> None:
    from datetime import date

    batch = jobs.issue_jobs(campaign_id=3, day=date(2022, 10, 11), regions=["R01"], actor="a")
    fill = jobs.fill_jobs(campaign_id=3, regions=["R01"], actor="a")
    assert batch[0].args == {"campaign_id": 3, "day": "2022-10-11", "region": "R01", "actor": "a"}
    assert batch[0].lock == fill[0].lock == jobs.region_lock(3, "R01")
    assert batch[0].queueing_lock != fill[0].queueing_lock


@SQLITE
def test_jobs_issue_runs_in_process_and_twice_issues_nothing_twice(db_url: str) -> None:
    engine = get_engine(db_url)
    campaign_id = campaign(engine, persons=4_000, target=300, notices_per_day=2)
    code, out, err = _run(
        db_url, "jobs", "issue", "--campaign", str(campaign_id), "--day", "2022-10-11"
    )
    assert code == 0, err
    first = notices.list_notices(engine, campaign_id=campaign_id)
    assert first and f"{len(first):,} notices issued" in out
    waiting = notices.waiting_count(engine, campaign_id=campaign_id)
    assert waiting > 0  # two notices a day per office: the rest waits for later days
    assert f"{waiting:,} still waiting" in out

    code, out, _ = _run(
        db_url, "jobs", "issue", "--campaign", str(campaign_id), "--day", "2022-10-11"
    )
    assert code == 0 and "0 notices issued" in out
    assert notices.list_notices(engine, campaign_id=campaign_id) == first

    code, out, _ = _run(
        db_url,
        "jobs",
        "issue",
        "--campaign",
        str(campaign_id),
        "--day",
        "2022-10-12",
        "--region",
        "R01",
    )
    regions = {
        n.region
        for n in notices.list_notices(engine, campaign_id=campaign_id)
        if str(n.issued_on) == "2022-10-12"
    }
    assert code == 0 and regions <= {"R01"}
    check_invariants(engine, campaign_id)


@SQLITE
def test_fill_tops_a_region_up_to_its_quota_once(db_url: str) -> None:
    engine = get_engine(db_url)
    campaign_id = campaign(engine, persons=4_000, target=60)
    some = selection.list_callups(engine, campaign_id=campaign_id, region="R01", limit=3)
    with engine.begin() as conn:  # releases recorded without a replacement drawn
        conn.execute(
            text(
                "UPDATE call_ups SET status = 'released', reason = 'wrongful' WHERE id IN "
                f"({', '.join(str(c.id) for c in some)})"
            )
        )
    code, out, _ = _run(db_url, "jobs", "fill", "--campaign", str(campaign_id))
    assert code == 0 and "3 replacements drawn" in out
    code, out, _ = _run(db_url, "jobs", "fill", "--campaign", str(campaign_id))
    assert code == 0 and "0 replacements drawn" in out
    assert jobs.enqueue_fill(db_url, campaign_id=campaign_id, actor="t") == []
    check_invariants(engine, campaign_id)


@SQLITE
def test_worker_and_status_say_no_worker_is_needed(db_url: str) -> None:
    for command in (["worker"], ["jobs", "status"]):
        code, out, _ = _run(db_url, *command)
        assert code == 0 and "no worker is needed" in out
    assert jobs.job_status(db_url) == {}
    with pytest.raises(Exception, match="queued only on PostgreSQL"):
        jobs.enqueue(db_url, [])


@SQLITE
def test_a_job_on_a_missing_campaign_says_so(db_url: str) -> None:
    code, _, err = _run(db_url, "jobs", "issue", "--campaign", "9", "--day", "2022-10-11")
    assert code == 1 and "campaign 9" in err and "Traceback" not in err
