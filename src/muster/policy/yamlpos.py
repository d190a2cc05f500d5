"""Positions in a YAML file: from a path of keys and indices to ``line:column``."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from muster.policy.sourcepos import Position
from muster.policy.sourcepos import offset_position as _offset_in


def compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _child(node: yaml.Node, part: str | int, *, key: bool) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if str(k.value) == str(part):
                found: yaml.Node = k if key else v
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


def find(
    root: yaml.Node | None, path: Sequence[str | int], *, key: bool = False
) -> yaml.Node | None:
    """The node at ``path`` (the key node itself when ``key``); the deepest found otherwise."""
    node = root
    for i, part in enumerate(path):
        if node is None:
            return None
        child = _child(node, part, key=key and i == len(path) - 1)
        if child is None:
            return node
        node = child
    return node


def position(node: yaml.Node | None) -> Position:
    if node is None:
        return Position(1, 1)
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def offset_position(text: str, node: yaml.Node, offset: int) -> Position:
    """Where character ``offset`` of a scalar's value sits in the file (``sourcepos``)."""
    return _offset_in(text, node.start_mark.index, node.end_mark.index, str(node.value), offset)


def duplicate_keys(root: yaml.Node | None) -> list[tuple[str, yaml.Node]]:
    """Keys that appear twice in one mapping (YAML loaders silently keep the last)."""
    found: list[tuple[str, yaml.Node]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if str(k.value) in seen:
                    found.append((str(k.value), k))
                seen.add(str(k.value))
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found
