"""On PostgreSQL jobs go through a real queue that worker processes share: eight workers
issuing while call-ups are released break no rule, and a worker killed mid-batch is
replaced without a notice lost or doubled."""

from __future__ import annotations

import random
import signal
import textwrap
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from muster.db.engine import get_engine
from muster.errors import MusterError
from muster.jobs import service as jobs
from muster.notices import service as notices
from muster.selection import service as selection
from tests.jobs.helpers import campaign, check_invariants, rows, worker

ON_POSTGRES = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
FIRST_DAY = date(2022, 10, 11)


def _wait_until_empty(url: str, procs: list, logs: list[Path], timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = jobs.job_status(url)
        if counts["todo"] == counts["doing"] == 0:
            return counts
        dead = [p for p in procs if p.poll() is not None]
        assert not dead, "a worker exited early:\n" + "\n".join(
            log.read_text(errors="replace")[-3000:] for log in logs
        )
        time.sleep(0.2)
    pytest.fail(f"the queue did not empty in {timeout} s: {jobs.job_status(url)}")


@ON_POSTGRES
@pytest.mark.postgres
def test_the_same_batch_is_queued_once(queue_url: str) -> None:
    engine = get_engine(queue_url)
    campaign_id = campaign(engine, persons=3_000, target=30, regions=3)
    ids = jobs.enqueue_issue(queue_url, campaign_id=campaign_id, day=FIRST_DAY, actor="t")
    assert len(ids) == 3
    again = jobs.enqueue_issue(queue_url, campaign_id=campaign_id, day=FIRST_DAY, actor="t")
    assert again == ids  # still waiting: the queued twins are reused
    later = jobs.enqueue_issue(
        queue_url, campaign_id=campaign_id, day=FIRST_DAY + timedelta(days=1), actor="t"
    )
    assert set(later).isdisjoint(ids)
    assert jobs.job_status(queue_url)["todo"] == 6
    assert jobs.ensure_schema(engine) is False


@ON_POSTGRES
@pytest.mark.postgres
@pytest.mark.slow
def test_eight_workers_issue_while_call_ups_are_released_and_break_no_rule(
    queue_url: str, spawn: list, tmp_path: Path
) -> None:
    engine = get_engine(queue_url)
    logs = [tmp_path / f"worker-{i}.log" for i in range(8)]  # they start while we set up
    spawn += [worker(queue_url, log, "--stalled-after", "10", "-v") for log in logs]
    # One notice per office a day: 2,000 call-ups take several days of batches.
    campaign_id = campaign(engine, persons=20_000, target=2_000, notices_per_day=1)
    [(per_day,)] = rows(engine, "SELECT sum(notices_per_day) FROM offices")
    assert isinstance(per_day, int) and per_day < 2_000  # more than one day's capacity

    queued: list[int] = []
    for offset in range(4):
        queued += jobs.enqueue_issue(
            queue_url, campaign_id=campaign_id, day=FIRST_DAY + timedelta(days=offset), actor="j"
        )
    queued += jobs.enqueue_fill(queue_url, campaign_id=campaign_id, actor="j")

    released: list[int] = []
    refused: list[str] = []
    failures: list[BaseException] = []
    done = threading.Event()
    rng = random.Random(5)

    def release(picks: list[int]) -> None:  # an office correcting wrongful call-ups
        try:
            for callup in picks:
                if done.is_set():
                    return
                try:
                    notices.move(
                        engine,
                        callup_id=callup,
                        to="released",
                        reason="wrongful: test",
                        actor="office",
                        role="regional_officer",
                    )
                    released.append(callup)
                except MusterError as exc:  # released already by the issue-time re-check
                    refused.append(str(exc))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    callups = [c.id for c in selection.list_callups(engine, campaign_id=campaign_id)]
    picks = rng.sample(callups, 600)
    threads = [threading.Thread(target=release, args=(picks[k::3],)) for k in range(3)]
    for t in threads:
        t.start()
    try:
        counts = _wait_until_empty(queue_url, spawn, logs, timeout=120)
    finally:
        done.set()
        for t in threads:
            t.join(timeout=60)
    assert failures == []
    for proc in spawn:
        proc.send_signal(signal.SIGTERM)
    assert [proc.wait(timeout=60) for proc in spawn] == [0] * 8
    assert counts["failed"] == 0 and counts["succeeded"] == len(set(queued))
    assert len(released) >= 20, "too few releases ran alongside the workers"

    check_invariants(engine, campaign_id)
    issued = notices.list_notices(engine, campaign_id=campaign_id)
    assert {n.issued_on for n in issued} == {FIRST_DAY + timedelta(days=d) for d in range(4)}
    assert sum(n.status == "withdrawn" for n in issued) > 0  # releases hit issued notices
    by_state = {r.region: r for r in selection.fulfilment(engine, campaign_id=campaign_id)}
    for region in by_state.values():  # every release was replaced while the order lasted
        assert region.active == region.quota or region.order_left == 0


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from muster.cli.main import app
    from muster.notices import issuing

    issuing.CHUNK = 40  # several transactions per batch
    real = issuing._issue_chunk
    calls = 0

    def chunk(conn, **kw):
        global calls
        done = real(conn, **kw)
        calls += 1
        if calls == 4:  # notices of the 4th chunk written, not yet committed: pull the plug
            os.kill(os.getpid(), signal.SIGKILL)
        return done

    issuing._issue_chunk = chunk
    app(["--db", sys.argv[1], "worker", *sys.argv[2:]])
    """
)


@ON_POSTGRES
@pytest.mark.postgres
@pytest.mark.slow
def test_a_worker_killed_mid_batch_is_replaced_and_the_batch_lands_once(
    queue_url: str, spawn: list, tmp_path: Path
) -> None:
    engine: Engine = get_engine(queue_url)
    # Offices with room for everyone, so a clean run gives every call-up exactly one notice.
    campaign_id = campaign(
        engine, persons=20_000, target=1_200, notices_per_day=1_000, report_capacity=1_000
    )
    region = max(
        selection.fulfilment(engine, campaign_id=campaign_id), key=lambda r: r.quota
    ).region
    quota = next(
        r.quota for r in selection.fulfilment(engine, campaign_id=campaign_id) if r.region == region
    )
    assert quota > 4 * 40
    [job] = jobs.enqueue_issue(
        queue_url, campaign_id=campaign_id, day=FIRST_DAY, regions=[region], actor="j"
    )
    killed = worker(queue_url, tmp_path / "killed.log", "--stalled-after", "1", code=KILLER)
    spawn.append(killed)
    assert killed.wait(timeout=60) == -signal.SIGKILL
    landed = len(notices.list_notices(engine, campaign_id=campaign_id))
    assert landed == 3 * 40  # three chunks committed, the fourth rolled back
    assert jobs.job_status(queue_url)["doing"] == 1  # left behind by the dead worker

    restarted = worker(
        queue_url, tmp_path / "restarted.log", "--until-empty", "--stalled-after", "1", "-v"
    )
    spawn.append(restarted)
    assert restarted.wait(timeout=60) == 0, (tmp_path / "restarted.log").read_text()
    assert "queued again" in (tmp_path / "restarted.log").read_text()
    counts = jobs.job_status(queue_url)
    assert counts["succeeded"] == 1 and counts["todo"] == counts["doing"] == counts["failed"] == 0

    issued = notices.list_notices(engine, campaign_id=campaign_id)
    active = selection.list_callups(engine, campaign_id=campaign_id, region=region)
    waiting = [c.id for c in active if c.status == "selected"]
    assert sorted(n.call_up for n in issued) == sorted(waiting)  # each exactly one notice
    assert len({n.number for n in issued}) == len(issued) == quota
    assert rows(engine, "SELECT count(*) FROM procrastinate_jobs WHERE id = :j", j=job) == [(1,)]
    check_invariants(engine, campaign_id)
    again = notices.issue(engine, campaign_id=campaign_id, day=FIRST_DAY, actor="t", region=region)
    assert again.issued == 0  # nothing was left for a second run
    with engine.connect() as conn:
        assert (
            conn.scalar(text("SELECT count(*) FROM notices WHERE region_code <> :r"), {"r": region})
            == 0
        )
