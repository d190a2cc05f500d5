"""The issue's must-show, as a property: over random populations and decrees, no notice is
ever issued to a person who is not eligible on the issue day, including when the registry
changes between the draw and the issue.

Each example builds a small registry from a random seed, a variation of the 2022 decree
(age limits, fitness categories, family size, an added exemption or deferral taking effect
with a later version, how notices are served), draws a campaign, changes random persons'
registry data (those called, and anyone who might replace them), and issues notices on one
or two random days; between them the notices are delivered and those whose report day has
passed become no-shows, so the second day also serves repeat notices. Every notice is then
checked against the explaining evaluator, person by person, under the version in force on
its issue day; everyone released at issue is checked to have really been excluded that day,
and no released person keeps a notice that stands.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from muster.db.engine import get_engine
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.screening import service as screening
from muster.selection import service as selection

DECREE = Path("decrees/partial-mobilization-2022.yaml")
BASE = yaml.safe_load(DECREE.read_text())
FIRST, LAST = date(2022, 9, 21), date(2022, 10, 27)  # in force, before the completing version
AMENDMENTS = [date(2022, 9, 21), date(2022, 9, 23), date(2022, 9, 24), date(2022, 10, 5)]
EXTRA_RULES = [
    ("exemptions", "agriculture", "sector = 'agriculture'", None),
    ("exemptions", "rural", "settlement = 'rural'", None),
    ("exemptions", "short-service", "months_served < 12", None),
    ("exemptions", "officers", "rank_group IN ('junior_officer', 'senior_officer')", None),
    ("deferrals", "young-children", "children_under(3) >= 1", "add_years(as_of, 1)"),
    ("deferrals", "vocational", "study_kind = 'vocational_college'", "study_end"),
]


@st.composite
def decrees(draw: st.DrawFn) -> dict[str, Any]:
    """The 2022 decree with random limits, categories, an extra rule and notice rules."""
    data = copy.deepcopy(BASE)
    params = data["parameters"]

    def set_param(name: str, value: Any) -> None:
        params[name]["values"][0]["value"] = value

    set_param("age_limit_soldiers_ncos", draw(st.integers(25, 50)))
    set_param("age_limit_junior_officers", draw(st.integers(30, 60)))
    set_param("age_limit_majors_to_lt_colonels", draw(st.integers(35, 65)))
    fitness = draw(st.lists(st.sampled_from("ABV"), min_size=1, max_size=3, unique=True))
    set_param("fitness_allowed", sorted(fitness))
    set_param("large_family_children", draw(st.integers(1, 5)))
    set_param("large_family_child_age", draw(st.integers(3, 18)))
    extra = draw(st.none() | st.sampled_from(EXTRA_RULES))
    if extra is not None:
        kind, rule_id, condition, until = extra
        rule: dict[str, Any] = {
            "id": f"added-{rule_id}",
            "title": f"Added for the test: {rule_id}",
            "reference": "Test amendment",
            "condition": condition,
        }
        start = draw(st.sampled_from(AMENDMENTS))
        if start > FIRST:
            rule["in_force_from"] = start
        if until:
            rule["deferred_until"] = until
        data[kind].append(rule)
    data["campaign"]["notices"] = {
        "report_after_days": draw(st.integers(1, 7)),
        "claim_within_days": 7,
        "delivered_when": ["in_person:handed_over"],
        "training_per_week": draw(st.none() | st.integers(1, 30)),
    }
    return data


MUTATIONS: list[tuple[str, dict[str, Any]]] = [
    ("fitness = 'D'", {}),
    ("fitness = 'V'", {}),
    ("fitness = 'A', unfit_until = NULL", {}),
    ("serious_conviction = :t", {"t": True}),
    ("status = 'abroad'", {}),
    ("status = 'deceased'", {}),
    ("status = 'serving'", {}),
    ("registered = :f", {"f": False}),
    ("months_served = 0", {}),
    ("sole_carer = :t", {"t": True}),
    ("sector = 'agriculture'", {}),
    ("settlement = 'rural'", {}),
    ("study_kind = 'vocational_college', study_end = :far", {"far": date(2026, 6, 30)}),
    ("study_kind = 'state_university', study_end = :far", {"far": date(2026, 6, 30)}),
    ("study_kind = 'private_university', study_end = :far", {"far": date(2026, 6, 30)}),
    ("study_kind = NULL, study_end = NULL", {}),
    ("children_birth_dates = '2021-03-01;2019-01-01;2017-05-05;2015-09-09'", {}),
    (
        "employer_id = (SELECT min(code) FROM employers WHERE accreditation IS NOT NULL)",
        {},
    ),
]


@dataclass(frozen=True)
class Change:
    among_called: bool  # a person called, or anyone (who may become a replacement)
    index: int
    mutation: int
    years: int  # for the dated mutations: how old, or how long temporarily unfit


changes = st.lists(
    st.builds(
        Change,
        st.booleans(),
        st.integers(0, 10_000),
        st.integers(-2, len(MUTATIONS) - 1),
        st.integers(18, 70),
    ),
    max_size=25,
)


def mutate(engine: Engine, campaign_id: int, day: date, batch: list[Change]) -> None:
    with engine.begin() as conn:
        called = [
            int(p)
            for (p,) in conn.execute(
                text("SELECT person_id FROM call_ups WHERE campaign_id = :c ORDER BY id"),
                {"c": campaign_id},
            )
        ]
        everyone = [int(p) for (p,) in conn.execute(text("SELECT id FROM persons ORDER BY id"))]
        for c in batch:
            pool = called if c.among_called and called else everyone
            person = pool[c.index % len(pool)]
            if c.mutation == -1:  # older or younger than the age limits
                born = date(day.year - c.years, day.month, min(day.day, 28))
                sets, params = "birth_date = :born", {"born": born}
            elif c.mutation == -2:  # temporarily unfit, until a day around the issue
                sets = "fitness = 'G', unfit_until = :until"
                params = {"until": day + timedelta(days=c.years * 4 - 150)}
            else:
                sets, params = MUTATIONS[c.mutation]
            conn.execute(text(f"UPDATE persons SET {sets} WHERE id = :p"), {**params, "p": person})


@dataclass(frozen=True)
class Round:
    after: int  # days after the draw (first round) or the previous round
    changes: list[Change]
    overrides: list[int]  # indexes into the campaign's call-ups


rounds = st.lists(
    st.builds(
        Round,
        st.integers(0, 12),
        changes,
        st.lists(st.integers(0, 10_000), max_size=3),
    ),
    min_size=1,
    max_size=2,
)


def check_round(
    engine: Engine,
    campaign_id: int,
    day: date,
    result: notices.IssueResult,
    before: set[int],
    released_before: set[int],
    overrides: dict[int, str],
) -> None:
    decree = screening.stored_decree(engine, "partial-mobilization-2022")
    version = decree.in_force(day)
    fresh = [
        n for n in notices.list_notices(engine, campaign_id=campaign_id) if n.number not in before
    ]
    assert len(fresh) == result.issued
    assert result.overrides == sum(n.override_reason is not None for n in fresh)
    for n in fresh:
        assert (n.issued_on, n.decree_version) == (day, version.ref)
        why = screening.explain(engine, national_id=n.national_id, decree_id=decree.id, as_of=day)
        assert (why.version, why.as_of) == (version.number, day)
        if n.override_reason is None:
            assert why.decision == "eligible", (n, why.decision, why.decisive)
        else:
            assert why.decision != "eligible" and n.override_reason == overrides[n.call_up]
    released = [
        c
        for c in selection.list_callups(engine, campaign_id=campaign_id, status="released")
        if c.id not in released_before
    ]
    assert sum(result.released.values()) == len(released)
    standing = {
        n.call_up
        for n in notices.list_notices(engine, campaign_id=campaign_id)
        if n.status != "withdrawn"
    }
    assert not standing & {c.id for c in released}, "a released call-up's notice still stands"
    for c in released:
        why = screening.explain(engine, national_id=c.national_id, decree_id=decree.id, as_of=day)
        assert why.decision != "eligible", c
        assert (c.reason or "").startswith(selection.RELEASE_FOR[why.decision] + ":"), c


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**31 - 1),
    persons=st.integers(250, 500),
    regions=st.integers(2, 4),
    decree=decrees(),
    drawn_on=st.integers(0, (LAST - FIRST).days - 7),
    target=st.integers(5, 40),
    plan=rounds,
)
def test_no_notice_is_ever_issued_to_a_person_not_eligible_on_the_issue_day(
    tmp_path: Path,
    seed: int,
    persons: int,
    regions: int,
    decree: dict[str, Any],
    drawn_on: int,
    target: int,
    plan: list[Round],
) -> None:
    name = uuid.uuid4().hex[:8]
    engine = get_engine(f"sqlite:///{tmp_path / name}.db")
    try:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(decree, sort_keys=False))
        registry.generate(engine, persons=persons, seed=seed, regions=regions, actor="t")
        screening.load_decree(engine, path, actor="t")
        day = FIRST + timedelta(days=drawn_on)
        screening.screen(engine, as_of=day, actor="t")
        pool = sum(screening.pool_by_region(engine, decree_id="partial-mobilization-2022").values())
        assume(pool >= 2)
        campaign = quotas.open_campaign(
            engine, decree_id="partial-mobilization-2022", target=min(target, pool // 2), actor="t"
        )
        selection.commit(engine, campaign_id=campaign.id, actor="t")
        selection.draw(engine, campaign_id=campaign.id, actor="t")
        for step in plan:
            day = min(day + timedelta(days=step.after), LAST)
            notices.no_shows(engine, campaign_id=campaign.id, day=day, actor="t")
            mutate(engine, campaign.id, day, step.changes)
            called = selection.list_callups(engine, campaign_id=campaign.id)
            overrides = {
                called[i % len(called)].id: f"court order {i}" for i in step.overrides if called
            }
            before = {n.number for n in notices.list_notices(engine, campaign_id=campaign.id)}
            released = {c.id for c in called if c.status == "released"}
            result = notices.issue(
                engine, campaign_id=campaign.id, day=day, actor="t", overrides=overrides
            )
            check_round(engine, campaign.id, day, result, before, released, overrides)
            for n in notices.list_notices(engine, campaign_id=campaign.id, status="issued"):
                notices.deliver(
                    engine,
                    number=n.number,
                    channel="in_person",
                    outcome="handed_over",
                    actor="t",
                    at=datetime(day.year, day.month, day.day, 12),
                )
    finally:
        engine.dispose()
