"""A decree in memory: its versions, dated parameters and rules, ready to evaluate.

``decree.py`` builds these from a checked file; the engine evaluates a ``Version``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from muster.errors import MusterError
from muster.policy.expressions import Condition, ParamType
from muster.policy.schemas import ParamValue, RuleKind


@dataclass(frozen=True, order=True)
class DecreeProblem:
    line: int
    col: int
    message: str
    warning: bool = False
    file: str = ""

    def __str__(self) -> str:
        kind = "warning" if self.warning else "error"
        return f"{self.file}:{self.line}:{self.col}: {kind}: {self.message}"


@dataclass
class Parameter:
    name: str
    title: str
    reference: str
    values: list[tuple[date, ParamValue]]
    type: ParamType

    def at(self, day: date) -> tuple[ParamValue, date] | None:
        """The value in effect on ``day`` and the date it took effect."""
        found = None
        for start, value in self.values:
            if start <= day:
                found = (value, start)
        return found


@dataclass
class Rule:
    id: str
    kind: RuleKind
    title: str
    reference: str
    condition: Condition
    until: Condition | None
    exception_to: tuple[str, ...]
    in_force_from: date | None
    repealed_from: date | None

    def in_force(self, day: date) -> bool:
        if self.in_force_from and day < self.in_force_from:
            return False
        return not (self.repealed_from and day >= self.repealed_from)


@dataclass(frozen=True)
class PriorityGroup:
    """A group selected before the lottery (lower ``rank`` first), e.g. needed specialties."""

    id: str
    title: str
    reference: str
    condition: Condition


@dataclass(frozen=True)
class NoticeRules:
    """How notices are served: days from issue to report, days to file a claim, which
    delivery attempts (``(channel, outcome)``) count as delivered, weekly training intake."""

    report_after_days: int = 3
    claim_within_days: int = 7
    delivered_when: frozenset[tuple[str, str]] = frozenset(
        {("in_person", "handed_over"), ("registered_mail", "signed_for"), ("electronic", "opened")}
    )
    training_per_week: int | None = None


@dataclass(frozen=True)
class ClaimRules:
    """How claims are decided: days a board has before the claim escalates, days to appeal."""

    board_days: int = 7
    appeal_days: int = 14


@dataclass(frozen=True)
class CampaignRules:
    apportionment: str = "huntington-hill"
    min_quota: int = 0
    planned_days: int = 30
    priority_groups: tuple[PriorityGroup, ...] = ()
    notices: NoticeRules = field(default_factory=NoticeRules)
    claims: ClaimRules = field(default_factory=ClaimRules)


@dataclass
class Version:
    """One version of a decree: the rules in force on its date, in evaluation order."""

    decree: str
    title: str
    number: int
    effective_from: date
    target: int
    note: str
    legal_source: str
    rules: list[Rule]
    parameters: dict[str, Parameter]
    campaign: CampaignRules = field(default_factory=CampaignRules)
    ends_call_up: bool = False
    setters: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rule in self.rules:
            for target in rule.exception_to:
                self.setters.setdefault(target, []).append(rule.id)

    @property
    def ref(self) -> str:
        return f"{self.decree}@{self.number}"

    def params_on(self, day: date) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, param in self.parameters.items():
            found = param.at(day)
            if found is not None:
                values[name] = found[0]
        return values

    def bit(self, rule_id: str) -> int:
        return next(i for i, r in enumerate(self.rules) if r.id == rule_id)

    def content(self, until: date | None) -> dict[str, Any]:
        """Everything that gives this version its meaning, up to the next version's date."""
        return {
            "effective_from": self.effective_from.isoformat(),
            "target": self.target,
            "title": self.note,
            "rules": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "title": r.title,
                    "reference": r.reference,
                    "condition": " ".join(r.condition.text.split()),
                    "until": " ".join(r.until.text.split()) if r.until else None,
                    "exception_to": list(r.exception_to),
                }
                for r in self.rules
            ],
            "ends_call_up": self.ends_call_up,
            "campaign": {
                "apportionment": self.campaign.apportionment,
                "min_quota": self.campaign.min_quota,
                "planned_days": self.campaign.planned_days,
                "priority_groups": [
                    [g.id, g.title, g.reference, " ".join(g.condition.text.split())]
                    for g in self.campaign.priority_groups
                ],
                "notices": {
                    "report_after_days": self.campaign.notices.report_after_days,
                    "claim_within_days": self.campaign.notices.claim_within_days,
                    "delivered_when": sorted(
                        f"{c}:{o}" for c, o in self.campaign.notices.delivered_when
                    ),
                    "training_per_week": self.campaign.notices.training_per_week,
                },
            },
            "parameters": {
                name: [
                    [d.isoformat(), v if not isinstance(v, date) else v.isoformat()]
                    for d, v in p.values
                    if until is None or d < until
                ]
                for name, p in sorted(self.parameters.items())
            },
        }


@dataclass
class Decree:
    id: str
    title: str
    legal_source: str
    versions: list[Version]
    parameters: dict[str, Parameter]
    text: str
    sha256: str
    warnings: list[DecreeProblem]

    def version(self, number: int) -> Version:
        for v in self.versions:
            if v.number == number:
                return v
        raise MusterError(
            f"decree {self.id} has no version {number} (versions: "
            + ", ".join(str(v.number) for v in self.versions)
            + ")"
        )

    def content_hashes(self) -> dict[int, str]:
        """A SHA-256 per version over its meaning: what must not change once it is in force."""
        hashes = {}
        for i, v in enumerate(self.versions):
            until = self.versions[i + 1].effective_from if i + 1 < len(self.versions) else None
            text = json.dumps(v.content(until), sort_keys=True, ensure_ascii=False)
            hashes[v.number] = hashlib.sha256(text.encode()).hexdigest()
        return hashes

    def in_force(self, day: date) -> Version:
        current = [v for v in self.versions if v.effective_from <= day]
        if not current:
            raise MusterError(
                f"decree {self.id} is not in force on {day}; its first version takes effect "
                f"on {self.versions[0].effective_from}"
            )
        return current[-1]
