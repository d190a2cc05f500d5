"""Notices on SQLite and PostgreSQL: issued only to the eligible, within office capacity;
delivered, reported, examined and verified as the people who rely on them expect."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from muster.audit import service as audit
from muster.errors import MusterError
from muster.notices import codes
from muster.notices import service as notices
from muster.notices.schemas import IssueResult, NoticeRead
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection
from muster.selection.schemas import CallUpRead
from tests.notices.conftest import DAY, DECREE_ID, Drawn, execute, sql


def issue(
    d: Drawn,
    day: date = DAY,
    *,
    region: str | None = None,
    overrides: dict[int, str] | None = None,
) -> IssueResult:
    return notices.issue(
        d.engine, campaign_id=d.id, day=day, actor="officer", region=region, overrides=overrides
    )


def callups(d: Drawn, status: str | None = None) -> list[CallUpRead]:
    return selection.list_callups(d.engine, campaign_id=d.id, status=status)


def issued(d: Drawn) -> list[NoticeRead]:
    return notices.list_notices(d.engine, campaign_id=d.id)


def person_of(d: Drawn, callup_id: int) -> int:
    return int(sql(d.engine, "SELECT person_id FROM call_ups WHERE id = :i", i=callup_id)[0][0])


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0)


def test_issue_gives_each_selected_eligible_call_up_one_notice(drawn: Drawn) -> None:
    result = issue(drawn)
    selected = callups(drawn, "selected")
    out = issued(drawn)
    assert result.issued == len(out) == len(selected) == 60
    assert result.waiting == 0 and result.overrides == 0
    assert sorted(n.call_up for n in out) == sorted(c.id for c in selected)
    assert {(n.kind, n.status, n.issued_on) for n in out} == {("first", "issued", DAY)}
    assert all(n.report_on >= DAY + timedelta(days=3) for n in out)
    assert {n.decree_version for n in out} == {f"{DECREE_ID}@4"}
    for n in out[:10]:
        why = screening.explain(drawn.engine, national_id=n.national_id, as_of=DAY)
        assert why.decision == "eligible", n


def test_issuing_again_the_same_day_issues_nothing_new(drawn: Drawn) -> None:
    """A batch cut short by its limit is continued by the next run; once everyone has a
    notice, running the batch again issues nothing."""
    part = notices.issue(drawn.engine, campaign_id=drawn.id, day=DAY, actor="o", limit=25)
    assert (part.issued, part.waiting) == (25, 35)
    rest = issue(drawn)
    assert (rest.issued, rest.waiting) == (35, 0)
    before = issued(drawn)
    again = issue(drawn)
    assert again.issued == 0 and again.released == {} and again.replacements == 0
    assert issued(drawn) == before
    assert len({n.call_up for n in before}) == 60


def test_concurrent_batches_issue_each_notice_once(drawn: Drawn, db_url: str) -> None:
    """Three workers running the same day's batch at once: every call-up gets one notice and
    no office serves more than it can (PostgreSQL; a SQLite file has one writer)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent writers are a PostgreSQL matter")
    execute(drawn.engine, "UPDATE offices SET notices_per_day = 1")
    results: list[IssueResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(issue(drawn))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    out = issued(drawn)
    assert sum(r.issued for r in results) == len(out)
    assert len({n.call_up for n in out}) == len(out)
    assert max(Counter(n.office for n in out).values()) == 1
    assert audit.verify(drawn.engine).ok


def test_an_office_never_serves_more_notices_a_day_than_it_can(drawn: Drawn) -> None:
    """Everyone called in a region lives in one district whose office serves two notices a
    day: two are served each day, the rest wait, and a re-run the same day adds nothing."""
    region, n = Counter(c.region for c in callups(drawn)).most_common(1)[0]
    assert n >= 5
    office = f"{region}-001"
    execute(
        drawn.engine,
        "UPDATE persons SET district = :o WHERE id IN "
        "(SELECT person_id FROM call_ups WHERE campaign_id = :c AND region_code = :r)",
        o=office,
        c=drawn.id,
        r=region,
    )
    execute(drawn.engine, "UPDATE offices SET notices_per_day = 2 WHERE code = :o", o=office)
    cap = sql(
        drawn.engine,
        "SELECT receptions_per_day, exams_per_day FROM offices WHERE code = :o",
        o=office,
    )[0]
    served: list[int] = []
    for day, again in [(DAY, False), (DAY, True), (DAY + timedelta(days=1), False)]:
        result = issue(drawn, day=day, region=region)
        served.append(result.issued)
        assert result.waiting == n - sum(served)
        assert result.regions == ([region] if result.issued else [])
        assert again or result.issued == 2
    assert served == [2, 0, 2]
    mine = [x for x in issued(drawn) if x.office == office]
    assert Counter(x.issued_on for x in mine) == {DAY: 2, DAY + timedelta(days=1): 2}
    assert max(Counter(x.report_on for x in mine).values()) <= min(cap)
    assert notices.waiting_count(drawn.engine, campaign_id=drawn.id) == 60 - 4


def test_a_person_no_longer_eligible_at_issue_is_released_with_the_reason_and_replaced(
    drawn: Drawn,
) -> None:
    """The registry changed after the draw: fitness D or a serious conviction (wrongful),
    an accredited IT employer (exempt), full-time study (deferred). None of them gets a
    notice; each is released with the reason and replaced, and the replacement is served."""
    changed = [c for c in callups(drawn, "selected") if c.region in ("R01", "R03", "R04")][:4]
    unfit, convicted, exempt, student = (person_of(drawn, c.id) for c in changed)
    execute(drawn.engine, "UPDATE persons SET fitness = 'D' WHERE id = :p", p=unfit)
    execute(drawn.engine, "UPDATE persons SET serious_conviction = true WHERE id = :p", p=convicted)
    execute(
        drawn.engine,
        "UPDATE persons SET employer_id = (SELECT min(code) FROM employers "
        "WHERE accreditation = 'it_accredited') WHERE id = :p",
        p=exempt,
    )
    execute(
        drawn.engine,
        "UPDATE persons SET study_kind = 'state_university', study_end = :e WHERE id = :p",
        e=date(2025, 6, 30),
        p=student,
    )
    result = issue(drawn)
    assert result.released == {"wrongful": 2, "exempt": 1, "deferred": 1}
    assert result.replacements == 4
    after = {c.id: c for c in callups(drawn)}
    served = {n.call_up for n in issued(drawn)}
    for c, why in zip(changed, ["wrongful", "wrongful", "exempt", "deferred"], strict=True):
        assert after[c.id].status == "released"
        assert (after[c.id].reason or "").startswith(f"{why}: ")
        assert "found when the notice was to be issued" in (after[c.id].reason or "")
        assert c.id not in served
        replacement = [r for r in after.values() if r.replaces == c.id]
        assert len(replacement) == 1 and replacement[0].id in served
    assert result.issued == len(served) == 60
    events = audit.events(drawn.engine, action="callup.released")
    assert {e.subject for e in events} == {f"call_up:{c.id}" for c in changed}


def test_an_override_needs_a_reason_and_is_counted_and_audited(drawn: Drawn) -> None:
    ineligible, eligible = callups(drawn, "selected")[:2]
    execute(
        drawn.engine,
        "UPDATE persons SET fitness = 'D' WHERE id = :p",
        p=person_of(drawn, ineligible.id),
    )
    with pytest.raises(MusterError, match=f"override for call-up {ineligible.id} needs a reason"):
        issue(drawn, overrides={ineligible.id: "  "})
    assert issued(drawn) == []
    why = "Court ruling 2-115/2022 orders the call-up to stand"
    result = issue(drawn, overrides={ineligible.id: why, eligible.id: "not needed"})
    assert result.overrides == 1 and result.released == {} and result.issued == 60
    by_callup = {n.call_up: n for n in issued(drawn)}
    assert by_callup[ineligible.id].override_reason == why
    assert by_callup[eligible.id].override_reason is None
    logged = audit.events(drawn.engine, action="notice.issued_override")
    assert [(e.subject, e.reason) for e in logged] == [(f"call_up:{ineligible.id}", why)]
    assert len(audit.events(drawn.engine, action="notice.issued", limit=1000)) == 59


def test_only_a_delivery_the_decree_counts_makes_a_call_up_notified(drawn: Drawn) -> None:
    issue(drawn)
    n = issued(drawn)[0]
    when = at(DAY + timedelta(days=1))
    for channel, outcome in [
        ("registered_mail", "returned_unclaimed"),
        ("registered_mail", "refused"),
        ("electronic", "placed_in_account"),
        ("in_person", "not_met"),
    ]:
        attempt = notices.deliver(
            drawn.engine, number=n.number, channel=channel, outcome=outcome, actor="o", at=when
        )
        assert not attempt.counts_as_delivered and attempt.call_up_status == "selected"
    assert notices.get_notice(drawn.engine, number=n.number).status == "issued"
    done = notices.deliver(
        drawn.engine,
        number=n.number,
        channel="registered_mail",
        outcome="signed_for",
        actor="o",
        at=when,
    )
    assert done.counts_as_delivered and done.call_up_status == "notified"
    assert notices.get_notice(drawn.engine, number=n.number).status == "delivered"
    attempts = audit.events(drawn.engine, action="notice.delivery_attempted")
    assert len(attempts) == 5


def test_a_delivery_does_not_end_a_pending_claim(drawn: Drawn) -> None:
    """A claim filed after a no-show stops the clock: delivering the repeat notice records
    the delivery, and the call-up's claim stays pending."""
    issue(drawn)
    n = issued(drawn)[0]
    notices.deliver(
        drawn.engine,
        number=n.number,
        channel="in_person",
        outcome="handed_over",
        actor="o",
        at=at(DAY),
    )
    after = n.report_on + timedelta(days=1)
    notices.no_shows(drawn.engine, campaign_id=drawn.id, day=after, actor="o")
    issue(drawn, day=after)
    repeat = notices.list_notices(drawn.engine, call_up=n.call_up)[-1]
    notices.move(drawn.engine, callup_id=n.call_up, to="claim_pending", actor="citizen")
    done = notices.deliver(
        drawn.engine,
        number=repeat.number,
        channel="in_person",
        outcome="handed_over",
        actor="o",
        at=at(after),
    )
    assert done.counts_as_delivered and done.call_up_status == "claim_pending"
    assert notices.get_notice(drawn.engine, number=repeat.number).status == "delivered"


def test_an_unknown_channel_outcome_or_notice_is_refused(engine: Engine) -> None:
    with pytest.raises(
        MusterError,
        match="channel: 'pigeon' is not a delivery channel "
        r"\(expected in_person, registered_mail, electronic\)",
    ):
        notices.deliver(engine, number=1, channel="pigeon", outcome="landed", actor="o")
    with pytest.raises(
        MusterError,
        match="outcome: 'opened' is not an outcome of registered_mail "
        r"\(expected signed_for, refused, returned_unclaimed\)",
    ):
        notices.deliver(engine, number=1, channel="registered_mail", outcome="opened", actor="o")
    with pytest.raises(MusterError, match="no notice number 999999"):
        notices.deliver(
            engine, number=999_999, channel="in_person", outcome="handed_over", actor="o"
        )


def test_a_no_show_gets_a_case_note_and_a_repeat_notice_nothing_else(drawn: Drawn) -> None:
    """After the report day has passed, a delivered notice not answered makes a no-show with
    a case note, and the next batch serves a repeat notice; one who has become exempt in the
    meantime is released instead, and the notice delivered before is withdrawn."""
    issue(drawn)
    first = issued(drawn)
    day = first[0].report_on
    n, m = [x for x in first if x.report_on == day][:2]
    for x in (n, m):
        notices.deliver(
            drawn.engine,
            number=x.number,
            channel="in_person",
            outcome="handed_over",
            actor="o",
            at=at(DAY),
        )
    assert notices.no_shows(drawn.engine, campaign_id=drawn.id, day=day, actor="o") == []
    after = day + timedelta(days=1)
    missed = notices.no_shows(drawn.engine, campaign_id=drawn.id, day=after, actor="o")
    assert missed == sorted([n.call_up, m.call_up])
    assert selection.get_callup(drawn.engine, callup_id=n.call_up).status == "no_show"
    notes = sql(drawn.engine, "SELECT text FROM case_notes WHERE call_up_id = :c", c=n.call_up)
    assert len(notes) == 1 and "no other measure applies" in notes[0][0]
    assert issue(drawn, day=day).issued == 0  # not before the report day has passed

    execute(
        drawn.engine,
        "UPDATE persons SET employer_id = (SELECT min(code) FROM employers "
        "WHERE accreditation = 'it_accredited') WHERE id = :p",
        p=person_of(drawn, m.call_up),
    )
    result = issue(drawn, day=after)
    assert result.released == {"exempt": 1} and result.replacements == 1
    assert result.issued == 2  # n's repeat and m's replacement's first notice
    assert notices.get_notice(drawn.engine, number=m.number).status == "withdrawn"
    assert notices.verify(drawn.engine, m.code).verdict == "withdrawn"
    repeat = notices.list_notices(drawn.engine, call_up=n.call_up)[-1]
    assert (repeat.kind, repeat.issued_on) == ("repeat", after)
    assert repeat.report_on >= after + timedelta(days=3)
    sequences = sql(
        drawn.engine,
        "SELECT sequence, kind FROM notices WHERE call_up_id = :c ORDER BY sequence",
        c=n.call_up,
    )
    assert [tuple(s) for s in sequences] == [(1, "first"), (2, "repeat")]
    assert issue(drawn, day=after).issued == 0
    again = notices.deliver(
        drawn.engine,
        number=repeat.number,
        channel="electronic",
        outcome="opened",
        actor="o",
        at=at(after),
    )
    assert again.call_up_status == "notified"


def _reported(d: Drawn, k: int) -> list[NoticeRead]:
    issue(d)
    out = issued(d)[:k]
    for n in out:
        notices.deliver(
            d.engine,
            number=n.number,
            channel="in_person",
            outcome="handed_over",
            actor="o",
            at=at(DAY),
        )
        notices.report(d.engine, callup_id=n.call_up, actor="o")
    return out


def test_the_medical_board_releases_the_unfit_and_deferred_and_keeps_the_fit(
    drawn: Drawn,
) -> None:
    unfit, later, fit = _reported(drawn, 3)
    on = DAY + timedelta(days=4)
    with pytest.raises(MusterError, match=r"fitness G \(temporarily unfit\) needs"):
        notices.examine(drawn.engine, callup_id=later.call_up, fitness="G", on=on, actor="m")
    assert selection.get_callup(drawn.engine, callup_id=later.call_up).status == "reported"
    assert (
        notices.examine(drawn.engine, callup_id=unfit.call_up, fitness="D", on=on, actor="m")
        == "unfit"
    )
    assert (
        notices.examine(
            drawn.engine,
            callup_id=later.call_up,
            fitness="G",
            unfit_until=date(2023, 4, 1),
            on=on,
            actor="m",
        )
        == "deferred"
    )
    assert (
        notices.examine(drawn.engine, callup_id=fit.call_up, fitness="A", on=on, actor="m") == "fit"
    )
    rows = {c.id: c for c in callups(drawn)}
    for n, why in [(unfit, "unfit"), (later, "deferred")]:
        assert rows[n.call_up].status == "released"
        assert (rows[n.call_up].reason or "").startswith(f"{why}: medical board found fitness")
        assert [c for c in rows.values() if c.replaces == n.call_up]
        assert notices.get_notice(drawn.engine, number=n.number).status == "withdrawn"
    assert rows[fit.call_up].status == "examined"
    assert notices.move(drawn.engine, callup_id=fit.call_up, to="enlisted", actor="o").status == (
        "enlisted"
    )
    history = registry.history(drawn.engine, unfit.national_id)
    assert history[-1].changes["fitness"][1] == "D"
    assert history[-1].source == f"medical board, call-up {unfit.call_up}"
    g = registry.history(drawn.engine, later.national_id)[-1].changes
    assert g["fitness"][1] == "G" and g["unfit_until"] == [None, "2023-04-01"]
    examined = audit.events(drawn.engine, action="medical.examined")
    assert {e.after["outcome"] for e in examined} == {"unfit", "deferred", "fit"}


def test_verification_tells_genuine_from_altered_forged_and_withdrawn(drawn: Drawn) -> None:
    issue(drawn, region="R01")
    new_key = notices.rotate_key(drawn.engine, actor="hq")
    issue(drawn)
    keys = {n.region: codes.decode(n.code).key_id for n in issued(drawn)}
    assert keys["R01"] == new_key - 1 and keys["R02"] == new_key
    assert all(notices.verify(drawn.engine, n.code).verdict == "genuine" for n in issued(drawn))
    first, second = issued(drawn)[:2]
    ok = notices.verify(drawn.engine, first.code)
    assert ok.verdict == "genuine" and ok.number == first.number
    assert ok.report_on == first.report_on and ok.office == first.office
    assert ok.masked_national_id == codes.mask(first.national_id) != first.national_id
    same = notices.verify(
        drawn.engine,
        first.code.lower().replace("-", " "),
        national_id=first.national_id,
        report_on=first.report_on,
        issued_on=first.issued_on,
        office=first.office,
        number=first.number,
    )
    assert same.verdict == "genuine"

    later = notices.verify(drawn.engine, first.code, report_on=first.report_on + timedelta(days=9))
    assert later.verdict == "altered"
    assert later.mismatches == [
        f"report date: the document says {first.report_on + timedelta(days=9)}, "
        f"the notice says {first.report_on}"
    ]
    copied = notices.verify(drawn.engine, first.code, national_id=second.national_id)
    assert copied.verdict == "altered" and "national id" in copied.mismatches[0]
    assert first.national_id not in copied.message

    key = bytes(32)
    fake = codes.encode(
        key_id=1,
        key=key,
        signed=codes.Signed(
            first.number,
            first.national_id,
            first.issued_on,
            first.report_on,
            first.office,
            drawn.id,
            first.decree_version,
            "first",
        ),
    )
    assert notices.verify(drawn.engine, fake).verdict == "forged"
    letters = first.code.replace("-", "")
    flipped = letters[:20] + ("A" if letters[20] != "A" else "B") + letters[21:]
    assert notices.verify(drawn.engine, flipped).verdict == "forged"
    garbage = notices.verify(drawn.engine, "HELLO-WORLD")
    assert garbage.verdict == "forged" and garbage.message.startswith("not a notice code: ")

    notices.move(
        drawn.engine,
        callup_id=first.call_up,
        to="released",
        reason="exempt: claim upheld",
        actor="o",
    )
    gone = notices.verify(drawn.engine, first.code)
    assert gone.verdict == "withdrawn" and "do not report" in gone.message
    assert "exempt: claim upheld" in gone.message


def test_the_backlog_adds_up_to_the_campaign(drawn: Drawn) -> None:
    execute(drawn.engine, "UPDATE offices SET notices_per_day = 1")
    region = Counter(c.region for c in callups(drawn)).most_common(1)[0][0]
    execute(
        drawn.engine,
        "UPDATE persons SET district = :o WHERE id IN "
        "(SELECT person_id FROM call_ups WHERE campaign_id = :c AND region_code = :r)",
        o=f"{region}-001",
        c=drawn.id,
        r=region,
    )
    result = issue(drawn)
    n = issued(drawn)[0]
    notices.deliver(
        drawn.engine,
        number=n.number,
        channel="in_person",
        outcome="handed_over",
        actor="o",
        at=at(DAY),
    )
    rows = notices.backlog(drawn.engine, campaign_id=drawn.id, day=DAY)
    status = Counter(x.status for x in issued(drawn))
    assert result.waiting > 0
    assert sum(r.waiting for r in rows) == result.waiting
    assert result.waiting == notices.waiting_count(drawn.engine, campaign_id=drawn.id)
    assert sum(r.issued for r in rows) == status["issued"]
    assert sum(r.delivered for r in rows) == status["delivered"] == 1
    assert sum(r.notices_today for r in rows) == result.issued
    assert all(r.notices_today <= r.notices_per_day for r in rows)
    mine = next(r for r in rows if r.office == f"{region}-001")
    assert mine.notices_today == 1 and mine.waiting > 0


def test_issue_refuses_what_the_decree_does_not_allow(drawn: Drawn) -> None:
    with pytest.raises(MusterError, match="not in force on 2022-09-01"):
        issue(drawn, day=date(2022, 9, 1))
    with pytest.raises(MusterError, match="ends the call-up"):
        issue(drawn, day=date(2022, 10, 28))
    with pytest.raises(MusterError, match="no region 'R99'"):
        issue(drawn, region="R99")
    assert issued(drawn) == []


def test_the_audit_chain_verifies_after_a_whole_campaign_of_notices(drawn: Drawn) -> None:
    """Issue, release and replace, deliver, no-show, repeat, report, examine, enlist: every
    step is in the log and the chain still verifies."""
    execute(
        drawn.engine,
        "UPDATE persons SET fitness = 'D' WHERE id = :p",
        p=person_of(drawn, callups(drawn)[5].id),
    )
    issue(drawn)
    a, b, c = issued(drawn)[:3]
    for n in (a, b, c):
        notices.deliver(
            drawn.engine,
            number=n.number,
            channel="in_person",
            outcome="handed_over",
            actor="o",
            at=at(DAY),
        )
    notices.report(drawn.engine, callup_id=a.call_up, actor="o")
    notices.examine(drawn.engine, callup_id=a.call_up, fitness="D", on=a.report_on, actor="m")
    notices.report(drawn.engine, callup_id=b.call_up, actor="o")
    notices.examine(drawn.engine, callup_id=b.call_up, fitness="A", on=b.report_on, actor="m")
    notices.move(drawn.engine, callup_id=b.call_up, to="enlisted", actor="o")
    day = c.report_on + timedelta(days=1)
    notices.no_shows(drawn.engine, campaign_id=drawn.id, day=day, actor="o")
    issue(drawn, day=day)
    report = audit.verify(drawn.engine)
    assert report.ok, report.problems
    assert report.events == report.head_seq
    actions = Counter(e.action for e in audit.events(drawn.engine, limit=10_000))
    assert actions["notice.issued"] == len(issued(drawn))
    assert actions["callup.released"] == 2 and actions["notice.withdrawn"] == 1
    assert actions["callup.no_show"] >= 1 and actions["medical.examined"] == 2


def test_people_of_a_district_without_an_office_are_served_by_the_regions_largest(
    drawn: Drawn,
) -> None:
    """A registry district with no office of its own: its people are served by the region's
    office with the most receptions a day, as many a day as that office serves; the batch
    ends with the rest waiting, and the backlog shows them at that office."""
    region, n = Counter(c.region for c in callups(drawn)).most_common(1)[0]
    execute(
        drawn.engine,
        "UPDATE persons SET district = :d WHERE id IN "
        "(SELECT person_id FROM call_ups WHERE campaign_id = :c AND region_code = :r)",
        d=f"{region}-999",
        c=drawn.id,
        r=region,
    )
    mine = [o for o in registry.list_offices(drawn.engine) if o.region == region]
    largest = max(mine, key=lambda o: o.receptions_per_day).code
    execute(drawn.engine, "UPDATE offices SET notices_per_day = 2 WHERE code = :o", o=largest)
    result = issue(drawn, region=region)
    assert (result.issued, result.waiting) == (2, n - 2)
    assert {x.office for x in issued(drawn)} == {largest}
    rows = notices.backlog(drawn.engine, campaign_id=drawn.id, day=DAY)
    assert {r.office: r.waiting for r in rows if r.waiting and r.region == region} == {
        largest: n - 2
    }
