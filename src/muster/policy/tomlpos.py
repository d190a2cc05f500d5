"""Positions in a TOML file: from a path of keys and indices to ``line:column``.

``tomllib`` gives values but no positions, so ``index`` scans the text once — after
``tomllib`` has accepted it, so the scan can trust the syntax — and records where each path
starts: table headers (``[campaign.notices]``), arrays of tables (``[[criteria]]``, counted:
the third is index 2), dotted keys, ``key = value`` lines, inline tables and arrays, and
strings on one line or many (for a string, also where its content starts and ends, so an
offset inside a condition maps to its line).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from muster.policy.sourcepos import Position, at_index, offset_position

Path = tuple[str | int, ...]
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")
_WHERE = re.compile(r"^(.*) \(at (?:line (\d+), column (\d+)|end of document)\)$", re.S)


@dataclass(frozen=True)
class Spot:
    key: int  # where the key (or the table header) starts
    start: int  # where the value starts (its opening quote, bracket or first character)
    content: int  # where a string's content starts (after the quotes); ``start`` otherwise
    end: int  # where a string's content ends (before the closing quotes)


def syntax_error(text: str, exc: tomllib.TOMLDecodeError) -> tuple[Position, str]:
    """Where ``tomllib`` stopped, from its message "… (at line N, column M)", and why."""
    found = _WHERE.match(str(exc))
    if found is None:
        return Position(1, 1), str(exc)
    if found.group(2):
        return Position(int(found.group(2)), int(found.group(3))), found.group(1)
    return at_index(text, len(text.rstrip("\n"))), found.group(1)


class Index:
    """Every path of a TOML document mapped to the ``Spot`` it is written at."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spots: dict[Path, Spot] = {}
        self._arrays: dict[Path, int] = {}  # arrays of tables: the last index so far
        self._i = 0
        self._scan()

    def find(self, path: Sequence[str | int], *, key: bool = False) -> Position:
        """Where ``path`` is written (its key when ``key``); the deepest part found otherwise."""
        for n in range(len(path), 0, -1):
            spot = self.spots.get(tuple(path[:n]))
            if spot is not None:
                return at_index(self.text, spot.key if key and n == len(path) else spot.start)
        return Position(1, 1)

    def in_string(self, path: Sequence[str | int], value: str, offset: int) -> Position:
        """Where character ``offset`` of the string ``value`` at ``path`` is written."""
        spot = self.spots.get(tuple(path))
        if spot is None or spot.content == spot.start:
            return self.find(path)
        return offset_position(self.text, spot.content, spot.end, value, offset)

    # The scanner: the text is valid TOML, so it only needs to follow the structure.

    def _scan(self) -> None:
        text = self.text
        table: Path = ()
        while True:
            self._blank(newlines=True)
            if self._i >= len(text):
                return
            start = self._i
            if text.startswith("[[", start):
                self._i += 2
                keys = self._keys()
                path = self._resolve(keys)
                self._i = text.index("]]", self._i) + 2
                n = self._arrays.get(path, -1) + 1
                self._arrays[path] = n
                table = (*path, n)
                self.spots[table] = Spot(keys[-1][1], start, start, start)
                if n == 0:
                    self.spots[path] = self.spots[table]
            elif text[start] == "[":
                self._i += 1
                keys = self._keys()
                table = self._resolve(keys)
                self._i = text.index("]", self._i) + 1
                self.spots[table] = Spot(keys[-1][1], start, start, start)
            else:
                self._pair(table)

    def _resolve(self, keys: list[tuple[str, int]]) -> Path:
        """A header's keys as a path: a key naming an array of tables means its last table."""
        path: list[str | int] = []
        for j, (name, start) in enumerate(keys):
            path.append(name)
            self.spots.setdefault(tuple(path), Spot(start, start, start, start))
            if j < len(keys) - 1 and tuple(path) in self._arrays:
                path.append(self._arrays[tuple(path)])
        return tuple(path)

    def _keys(self) -> list[tuple[str, int]]:
        """A dotted key (``a."b c".d``): each part and where it starts."""
        text = self.text
        keys: list[tuple[str, int]] = []
        while True:
            self._blank()
            start = self._i
            if text[start] in "\"'":
                end = self._string_end(start, text[start])
                name = tomllib.loads(f"k = {text[start : end + 1]}")["k"]
                self._i = end + 1
            else:
                bare = _BARE.match(text, start)
                end = bare.end() if bare else start + 1
                name = text[start:end]
                self._i = end
            keys.append((name, start))
            self._blank()
            if self._i < len(text) and text[self._i] == ".":
                self._i += 1
                continue
            return keys

    def _pair(self, table: Path) -> None:
        """``key = value``: the key's parts (a dotted key makes tables) and the value."""
        keys = self._keys()
        path = table
        for name, start in keys[:-1]:
            path = (*path, name)
            self.spots.setdefault(path, Spot(start, start, start, start))
        self._i = self.text.index("=", self._i) + 1
        self._blank()
        self._value((*path, keys[-1][0]), keys[-1][1])

    def _value(self, path: Path, key: int) -> None:
        text = self.text
        start = self._i
        content = end = start
        if text.startswith(('"""', "'''"), start):
            quote = text[start : start + 3]
            content = start + 3
            end = self._string_end(content, quote)
            for _ in range(2):  # up to two quotes may end the content: """a""""" holds a""
                if text.startswith(quote[0], end + 3):
                    end += 1
            self._i = end + 3
        elif text[start] in "\"'":
            content = start + 1
            end = self._string_end(start, text[start])
            self._i = end + 1
        elif text[start] == "[":
            self._i += 1
            n = 0
            while True:
                self._blank(newlines=True)
                if text[self._i] == "]":
                    self._i += 1
                    break
                self._value((*path, n), self._i)
                n += 1
                self._blank(newlines=True)
                if text[self._i] == ",":
                    self._i += 1
        elif text[start] == "{":
            self._i += 1
            while True:
                self._blank(newlines=True)
                if text[self._i] == "}":
                    self._i += 1
                    break
                if text[self._i] == ",":
                    self._i += 1
                    continue
                self._pair(path)
        else:
            stop = _SCALAR_END.search(text, start)
            self._i = stop.start() if stop else len(text)
            content = end = start
        self.spots[path] = Spot(key, start, content, end)

    def _string_end(self, start: int, quote: str) -> int:
        """The index of the closing ``quote`` of a string whose opening quote is at ``start``
        (for triple quotes, ``start`` is just after the opening ones)."""
        text = self.text
        i = start if len(quote) == 3 else start + 1
        while i < len(text):
            if quote[0] == '"' and text[i] == "\\":
                i += 2
                continue
            if text.startswith(quote, i):
                return i
            i += 1
        return len(text)

    def _blank(self, *, newlines: bool = False) -> None:
        """Skip spaces, tabs and comments (and line breaks, when ``newlines``)."""
        text = self.text
        while self._i < len(text):
            ch = text[self._i]
            if ch in " \t" or (newlines and ch in "\r\n"):
                self._i += 1
            elif ch == "#" and newlines:
                nl = text.find("\n", self._i)
                self._i = len(text) if nl < 0 else nl
            else:
                return
