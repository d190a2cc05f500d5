"""Line and column of a place in a decree's text, whatever its format (YAML or TOML)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    col: int  # 1-based


def at_index(text: str, index: int) -> Position:
    """The line and column of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return Position(line, col)


def offset_position(text: str, start: int, end: int, value: str, offset: int) -> Position:
    """Where character ``offset`` of a string value, written in ``text[start:end]``, sits.

    Matches the value's non-blank characters against the raw source in order, so plain,
    quoted, escaped and multi-line strings (YAML ``|`` and ``>``, TOML triple quotes), whose
    line breaks and indentation differ from their value, all map to the right line and column.
    """
    raw = text[start:end]
    j = 0
    target = 0
    for i, ch in enumerate(value):
        if ch.isspace():
            continue
        while j < len(raw) and raw[j] != ch:
            j += 1
        if j >= len(raw):
            break
        if i >= offset:
            target = j
            break
        j += 1
    return at_index(text, start + target)
