"""Problems located in a decree file: each reported at its line and column (YAML or TOML).

A decree file is YAML or TOML. ``read`` decides which by the file's suffix (``.toml``;
``.yaml``/``.yml``) and, when the name has neither (a decree stored in the database is
re-read from its text alone), by the first line that is not blank or a comment: a TOML
document starts with a table header (``[…]``) or ``key = value``, a YAML decree with
``key:``. Every valid decree of either format is told apart this way, so a stored decree
needs no column for its format.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from muster.policy import tomlpos, yamlpos
from muster.policy.expressions import Issue
from muster.policy.schemas import (
    CampaignSpec,
    ClaimRulesSpec,
    DecreeSpec,
    NoticeRulesSpec,
    ParameterSpec,
    PriorityGroupSpec,
    RuleSpec,
    VersionSpec,
)
from muster.policy.sourcepos import Position
from muster.policy.versions import DecreeProblem

Format = Literal["yaml", "toml"]
_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_TOML_START = re.compile(rf"\[|{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*[ \t]*=")

KNOWN_KEYS = sorted(
    {
        *DecreeSpec.model_fields,
        *ParameterSpec.model_fields,
        *VersionSpec.model_fields,
        *RuleSpec.model_fields,
        *CampaignSpec.model_fields,
        *PriorityGroupSpec.model_fields,
        *NoticeRulesSpec.model_fields,
        *ClaimRulesSpec.model_fields,
        "effective_from",
        "value",
    }
)


def detect(text: str, file: str) -> Format:
    """The format of a decree: by the file's suffix, else by its first line (module doc)."""
    suffix = PurePath(file).suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return "toml" if _TOML_START.match(line) else "yaml"
    return "yaml"


class Checker:
    """Collects the problems of one decree text, each placed at a path's line and column."""

    def __init__(self, file: str, text: str, data: Any = None, fmt: Format = "yaml") -> None:
        self.file = file
        self.text = text
        self.data = data
        self.root = yamlpos.compose(text) if fmt == "yaml" else None
        self.toml = tomlpos.Index(text) if fmt == "toml" else None
        self.problems: list[DecreeProblem] = []

    def position(self, path: Iterable[str | int], *, key: bool = False) -> Position:
        """Where ``path`` is written (its key when ``key``); the deepest part found otherwise."""
        if self.toml is not None:
            return self.toml.find(list(path), key=key)
        return yamlpos.position(yamlpos.find(self.root, list(path), key=key))

    def at(
        self, path: Iterable[str | int], message: str, *, warning: bool = False, key: bool = False
    ) -> None:
        pos = self.position(path, key=key)
        self.problems.append(DecreeProblem(pos.line, pos.col, message, warning, self.file))

    def in_condition(self, path: list[str | int], issue: Issue) -> None:
        if self.toml is not None:
            value = _value_at(self.data, path)
            if isinstance(value, str):
                pos = self.toml.in_string(path, value, issue.offset)
            else:
                pos = self.toml.find(path)
        else:
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


def _value_at(data: Any, path: list[str | int]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def read(text: str, file: str, fmt: Format) -> tuple[Checker, Any] | DecreeProblem:
    """Parse a decree's text into its data and a ``Checker``, or the syntax error, located."""
    if fmt == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            pos, reason = tomlpos.syntax_error(text, exc)
            return DecreeProblem(pos.line, pos.col, f"not valid TOML: {reason}", file=file)
        return Checker(file, text, data, "toml"), data
    try:
        data = yaml.safe_load(text)
        check = Checker(file, text, data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = getattr(exc, "problem", None) or str(exc)
        return DecreeProblem(line, col, f"not valid YAML: {reason}", file=file)
    for name, node in yamlpos.duplicate_keys(check.root):
        pos = yamlpos.position(node)
        check.problems.append(
            DecreeProblem(
                pos.line,
                pos.col,
                f"'{name}' appears twice in this mapping; the first would be ignored",
                file=file,
            )
        )
    return check, data


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
