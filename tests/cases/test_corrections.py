"""The 2022 amendment history replayed: a campaign under the 2022-09-21 version, then the
IT / finance / media and the student amendments, and a registry correction; each releases
exactly the call-ups it excludes, with the reason, a replacement and the notices withdrawn."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from muster.audit import service as audit
from muster.cases import corrections, errors
from muster.db.clock import now
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection
from tests.conftest import DECREE_2022

DECREE = "partial-mobilization-2022"
OPENED = date(2022, 9, 22)  # only version 1 in force
IT_FINANCE_MEDIA = date(2022, 9, 23)  # version 2
STUDENTS = date(2022, 9, 24)  # version 3


def sql(engine: Engine, query: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(query), params))


def active(engine: Engine, campaign: int) -> dict[int, int]:
    """Active call-ups of the campaign: {call-up id: person id}."""
    rows = sql(
        engine,
        "SELECT id, person_id FROM call_ups WHERE campaign_id = :c "
        "AND status NOT IN ('released', 'enlisted')",
        c=campaign,
    )
    return {int(i): int(p) for i, p in rows}


def predicted(engine: Engine, campaign: int, day: date) -> dict[int, tuple[str, str]]:
    """Each active call-up its person's decision excludes on ``day``, with the release kind
    and what found it: the amendment when the version before ``day`` would still call them."""
    decree = screening.stored_decree(engine, DECREE)
    version, before = decree.in_force(day), decree.in_force(day - timedelta(days=1))
    calls = active(engine, campaign)
    people = list(calls.values())
    with engine.connect() as conn:
        now_ = screening.decide_now(conn, version=version, person_ids=people, as_of=day)
        was = screening.decide_now(conn, version=before, person_ids=people, as_of=day)
    return {
        c: (
            selection.RELEASE_FOR[now_[p][0]],
            "amendment" if was[p][0] == "eligible" else "correction",
        )
        for c, p in calls.items()
        if now_[p][0] != "eligible"
    }


def replay(engine: Engine) -> int:
    registry.generate(engine, persons=3_000, seed=7, regions=12, actor="test")
    screening.load_decree(engine, DECREE_2022, actor="test", today=OPENED)
    screening.screen(engine, as_of=OPENED, actor="test")
    campaign = quotas.open_campaign(engine, decree_id=DECREE, target=300, actor="hq")
    selection.commit(engine, campaign_id=campaign.id, actor="hq")
    selection.draw(engine, campaign_id=campaign.id, actor="hq")
    notices.issue(engine, campaign_id=campaign.id, day=OPENED, actor="officer")
    return campaign.id


def check_run(engine: Engine, campaign: int, day: date, kind: str) -> None:
    expect = predicted(engine, campaign, day)
    assert {k for k, t in expect.values() if t == "amendment"} == {kind}
    result = corrections.run(engine, as_of=day, actor="hq")
    assert {r.callup: (r.reason.split(":", 1)[0], r.trigger) for r in result.releases} == expect
    assert result.released == len(expect) == sum(result.by_trigger.values())
    assert result.replacements == len(expect)
    assert sum(result.by_region.values()) == len(expect)
    for r in result.releases:
        assert f"found by {r.trigger}" in r.reason and "(" in r.reason  # ground and reference
        assert r.replacement is not None and r.replacement in active(engine, campaign)
    left = sql(
        engine,
        "SELECT count(*) FROM notices WHERE status IN ('issued', 'delivered') AND call_up_id IN "
        f"({','.join(str(c) for c in expect)})",
    )
    assert left[0][0] == 0
    assert not predicted(engine, campaign, day)  # the replacements are eligible too


def test_amendments_and_a_correction_release_exactly_whom_they_exclude(engine: Engine) -> None:
    campaign = replay(engine)
    notified = sql(engine, "SELECT count(*) FROM notices WHERE status = 'issued'")[0][0]
    assert notified > 0

    check_run(engine, campaign, IT_FINANCE_MEDIA, "exempt")
    again = corrections.run(engine, as_of=IT_FINANCE_MEDIA, actor="hq")
    assert again.released == 0 and again.screens[0].incremental

    check_run(engine, campaign, STUDENTS, "deferred")

    callup, person = next(iter(active(engine, campaign).items()))
    since: datetime = now()
    with engine.begin() as conn:
        registry.record_fitness(
            conn, person_id=person, fitness="D", unfit_until=None, actor="t", source="correction"
        )
    fixed = corrections.run(engine, since=since, as_of=STUDENTS, actor="hq")
    assert fixed.checked == 1 and fixed.screens[0].incremental
    assert [(r.callup, r.trigger) for r in fixed.releases] == [(callup, "correction")]
    assert fixed.releases[0].reason.startswith("wrongful: ")

    runs = audit.events(engine, action="corrections.run")
    assert len(runs) == 4 and runs[2].after["released"] == 0
    assert runs[0].after["by_trigger"] == {"correction": 1}
    corrected = sql(
        engine, "SELECT count(*) FROM call_ups WHERE reason LIKE '%found by correction'"
    )

    report = errors.report(engine)
    found = report.by_found
    amended = sql(engine, "SELECT count(*) FROM call_ups WHERE reason LIKE '%found by amendment'")
    assert found["amendment"] == amended[0][0]
    assert found["correction"] == corrected[0][0] >= 1
    assert report.wrongful == sum(found.values())
    assert sum(r.released for r in report.by_region) == report.wrongful
