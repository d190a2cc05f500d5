"""Problems located in a decree file: each reported at its YAML line and column."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import yaml
from pydantic import ValidationError

from muster.policy import yamlpos
from muster.policy.expressions import Issue
from muster.policy.schemas import (
    CampaignSpec,
    DecreeSpec,
    NoticeRulesSpec,
    ParameterSpec,
    PriorityGroupSpec,
    RuleSpec,
    VersionSpec,
)
from muster.policy.versions import DecreeProblem

KNOWN_KEYS = sorted(
    {
        *DecreeSpec.model_fields,
        *ParameterSpec.model_fields,
        *VersionSpec.model_fields,
        *RuleSpec.model_fields,
        *CampaignSpec.model_fields,
        *PriorityGroupSpec.model_fields,
        *NoticeRulesSpec.model_fields,
        "effective_from",
        "value",
    }
)


class Checker:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.root = yamlpos.compose(text)
        self.problems: list[DecreeProblem] = []

    def at(
        self, path: Iterable[str | int], message: str, *, warning: bool = False, key: bool = False
    ) -> None:
        pos = yamlpos.position(yamlpos.find(self.root, list(path), key=key))
        self.problems.append(DecreeProblem(pos.line, pos.col, message, warning, self.file))

    def in_condition(self, path: list[str | int], issue: Issue) -> None:
        node = yamlpos.find(self.root, path)
        if isinstance(node, yaml.ScalarNode):
            pos = yamlpos.offset_position(self.text, node, issue.offset)
        else:
            pos = yamlpos.position(node)
        self.problems.append(
            DecreeProblem(pos.line, pos.col, issue.message, issue.warning, self.file)
        )

    @property
    def failed(self) -> bool:
        return any(not p.warning for p in self.problems)


def pydantic_problems(check: Checker, exc: ValidationError) -> None:
    for error in exc.errors():
        loc = [p for p in error["loc"] if isinstance(p, (str, int))]
        if error["type"] == "extra_forbidden":
            name = str(loc[-1])
            close = difflib.get_close_matches(name, KNOWN_KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            check.at(loc, f"unknown field '{name}'{hint}", key=True)
        elif error["type"] == "missing":
            check.at(loc[:-1], f"'{loc[-1]}' is required here")
        else:
            where = ".".join(str(p) for p in loc)
            got = error.get("input")
            shown = f" (found {got!r})" if not isinstance(got, (dict, list)) else ""
            check.at(loc, f"{where}: {error['msg']}{shown}")
