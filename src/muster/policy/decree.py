"""Decree files (YAML or TOML): load, check (every problem located as FILE:LINE:COL).

A decree file lists its versions (dated amendments, each with the national target), its
parameters (values dated like OpenFisca's), and four lists of rules: ``criteria`` (all must
hold to be liable), ``exemptions`` (any one releases), ``deferrals`` (any one postpones until
a date computed by ``deferred_until``) and ``exceptions`` (rules whose only effect is to set
aside the rules named in ``exception_to`` — an exception to an exception restores them).
A version holds the rules in force on its ``effective_from`` date (``versions.py``).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from muster.errors import MusterError
from muster.policy.crosschecks import check_exceptions, check_reach
from muster.policy.expressions import ParamType, parse
from muster.policy.fields import FIELDS
from muster.policy.located import Checker, Format, detect, pydantic_problems, read
from muster.policy.schemas import (
    KINDS,
    DecreeSpec,
    ParamValue,
)
from muster.policy.versions import (
    CampaignRules,
    ClaimRules,
    Decree,
    DecreeProblem,
    NoticeRules,
    Parameter,
    PriorityGroup,
    Rule,
    Version,
)
from muster.vocabulary import DELIVERY_OUTCOMES

__all__ = [
    "Decree",
    "DecreeError",
    "DecreeProblem",
    "Format",
    "Parameter",
    "Rule",
    "Version",
    "check_text",
    "load",
]


class DecreeError(MusterError):
    def __init__(self, file: str, problems: list[DecreeProblem]) -> None:
        self.problems = sorted(problems)
        errors = [p for p in self.problems if not p.warning]
        super().__init__(f"{file}: {len(errors)} error(s); the decree was not loaded")


def _type_of(value: ParamValue) -> ParamType:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, date):
        return "date"
    if isinstance(value, list):
        inner = {_type_of(v) for v in value}
        if len(inner) > 1:
            raise ValueError("a list parameter holds values of one type")
        kind = inner.pop() if inner else "text"
        return ("list", kind)  # type: ignore[return-value]
    return "text"


def _check_versions(check: Checker, spec: DecreeSpec) -> None:
    for i, v in enumerate(spec.versions):
        if v.version != i + 1:
            check.at(
                ["versions", i, "version"],
                f"versions must be numbered 1, 2, 3… in order; expected {i + 1}, found {v.version}",
            )
        if i and v.effective_from <= spec.versions[i - 1].effective_from:
            check.at(
                ["versions", i, "effective_from"],
                f"version {v.version} takes effect on {v.effective_from}, not after version "
                f"{spec.versions[i - 1].version} ({spec.versions[i - 1].effective_from}); "
                "dates must increase",
            )


def _parameters(check: Checker, spec: DecreeSpec) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for name, p in spec.parameters.items():
        if name in FIELDS:
            check.at(
                ["parameters", name],
                f"parameter '{name}' has the name of a field; rename it",
                key=True,
            )
            continue
        try:
            types = {_type_of(v.value) for v in p.values}
        except ValueError as exc:
            check.at(["parameters", name, "values"], f"parameter '{name}': {exc}")
            continue
        if len(types) > 1:
            check.at(
                ["parameters", name, "values"],
                f"parameter '{name}' changes type between dates: "
                + ", ".join(sorted(map(str, types))),
            )
            continue
        for i in range(1, len(p.values)):
            if p.values[i].effective_from <= p.values[i - 1].effective_from:
                check.at(
                    ["parameters", name, "values", i, "effective_from"],
                    f"parameter '{name}': values must be in date order; "
                    f"{p.values[i].effective_from} is not after {p.values[i - 1].effective_from}",
                )
        params[name] = Parameter(
            name, p.title, p.reference, [(v.effective_from, v.value) for v in p.values], types.pop()
        )
        first = p.values[0].effective_from
        for v in spec.versions:
            if v.effective_from < first:
                check.at(
                    ["parameters", name, "values", 0, "effective_from"],
                    f"date gap: parameter '{name}' has no value on {v.effective_from}, when "
                    f"version {v.version} takes effect (its first value is from {first})",
                )
                break
    return params


def _rules(check: Checker, spec: DecreeSpec, params: dict[str, Parameter]) -> list[Rule]:
    types = {n: p.type for n, p in params.items()}
    rules: list[Rule] = []
    seen: dict[str, list[str | int]] = {}
    for list_name, kind in KINDS.items():
        for i, r in enumerate(getattr(spec, list_name)):
            path: list[str | int] = [list_name, i]
            if r.id in seen:
                line = check.position([*seen[r.id], "id"]).line
                check.at([*path, "id"], f"rule id '{r.id}' is used twice (also on line {line})")
            seen[r.id] = path
            cond, issues = parse(r.condition, types)
            for issue in issues:
                check.in_condition([*path, "condition"], issue)
            until = None
            if kind == "deferral":
                if r.deferred_until is None:
                    check.at(
                        path,
                        f"deferral '{r.id}' needs 'deferred_until', an expression giving "
                        "the date the deferral ends (e.g. study_end, add_years(as_of, 1))",
                    )
                else:
                    until, issues = parse(r.deferred_until, types, want="date")
                    for issue in issues:
                        check.in_condition([*path, "deferred_until"], issue)
            elif r.deferred_until is not None:
                check.at(
                    [*path, "deferred_until"], "only deferrals have 'deferred_until'", key=True
                )
            if kind != "exception" and r.exception_to:
                check.at(
                    [*path, "exception_to"],
                    "only rules under 'exceptions' set other rules "
                    "aside; move this rule there and keep its own effect as a separate rule",
                    key=True,
                )
            if kind == "exception" and not r.exception_to:
                check.at(
                    path, f"exception '{r.id}' must name the rules it sets aside in 'exception_to'"
                )
            if r.in_force_from and r.repealed_from and r.repealed_from <= r.in_force_from:
                check.at(
                    [*path, "repealed_from"],
                    f"rule '{r.id}' is repealed on {r.repealed_from}, not after it comes into "
                    f"force ({r.in_force_from}); dates are in the wrong order",
                )
            if cond is not None:
                rules.append(
                    Rule(
                        r.id,
                        kind,
                        r.title,
                        r.reference,
                        cond,
                        until,
                        tuple(r.exception_to),
                        r.in_force_from,
                        r.repealed_from,
                    )
                )
    return rules


def _campaign(check: Checker, spec: DecreeSpec, params: dict[str, Parameter]) -> CampaignRules:
    """The campaign block: apportionment, planned length and priority groups (checked)."""
    types = {n: p.type for n, p in params.items()}
    groups: list[PriorityGroup] = []
    seen: set[str] = set()
    for i, g in enumerate(spec.campaign.priority_groups):
        path: list[str | int] = ["campaign", "priority_groups", i]
        if g.id in seen:
            check.at([*path, "id"], f"priority group id '{g.id}' is used twice")
        seen.add(g.id)
        cond, issues = parse(g.condition, types)
        for issue in issues:
            check.in_condition([*path, "condition"], issue)
        if cond is not None:
            groups.append(PriorityGroup(g.id, g.title, g.reference, cond))
    c = spec.campaign
    return CampaignRules(
        c.apportionment,
        c.min_quota,
        c.planned_days,
        tuple(groups),
        _notice_rules(check, spec),
        ClaimRules(c.claims.board_days, c.claims.appeal_days),
    )


def _notice_rules(check: Checker, spec: DecreeSpec) -> NoticeRules:
    """The notices block; every ``delivered_when`` entry must be a known channel and outcome."""
    n = spec.campaign.notices
    pairs: set[tuple[str, str]] = set()
    for i, entry in enumerate(n.delivered_when):
        channel, _, outcome = entry.partition(":")
        if outcome not in DELIVERY_OUTCOMES.get(channel, ()):
            known = "; ".join(f"{c}: {', '.join(o)}" for c, o in DELIVERY_OUTCOMES.items())
            check.at(
                ["campaign", "notices", "delivered_when", i],
                f"'{entry}' is not channel:outcome of a delivery attempt (known: {known})",
            )
        pairs.add((channel, outcome))
    return NoticeRules(
        n.report_after_days, n.claim_within_days, frozenset(pairs), n.training_per_week
    )


def check_text(
    text: str, file: str, fmt: Format | None = None
) -> tuple[Decree | None, list[DecreeProblem]]:
    """Check a decree's text, YAML or TOML (``fmt``; by default told from ``file`` or the
    text, see ``located``); return the decree (None if any error) and all problems."""
    found = read(text, file, fmt or detect(text, file))
    if isinstance(found, DecreeProblem):
        return None, [found]
    check, data = found
    if not isinstance(data, dict):
        return None, [
            DecreeProblem(
                1,
                1,
                "a decree file is a mapping with 'decree', 'title', "
                "'legal_source', 'versions' and rules",
                file=file,
            )
        ]
    try:
        spec = DecreeSpec.model_validate(data)
    except ValidationError as exc:
        pydantic_problems(check, exc)
        return None, sorted(check.problems)
    _check_versions(check, spec)
    params = _parameters(check, spec)
    rules = _rules(check, spec, params)
    campaign = _campaign(check, spec, params)
    check_exceptions(check, spec, rules)
    if not check.failed:
        check_reach(check, spec, rules, params)
    if check.failed:
        return None, sorted(check.problems)
    versions = [
        Version(
            spec.decree,
            spec.title,
            v.version,
            v.effective_from,
            v.target,
            v.title,
            v.legal_source or spec.legal_source,
            [r for r in rules if r.in_force(v.effective_from)],
            params,
            campaign,
            v.ends_call_up,
        )
        for v in spec.versions
    ]
    decree = Decree(
        spec.decree,
        spec.title,
        spec.legal_source,
        versions,
        params,
        text,
        hashlib.sha256(text.encode()).hexdigest(),
        sorted(check.problems),
    )
    return decree, sorted(check.problems)


def load(path: Path) -> Decree:
    """Load and check a decree file; raise ``DecreeError`` listing every problem."""
    if not path.is_file():
        raise MusterError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MusterError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    decree, problems = check_text(text, str(path))
    if decree is None:
        raise DecreeError(str(path), problems)
    return decree
