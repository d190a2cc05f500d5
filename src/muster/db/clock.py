"""What every service shares: the time stored in the database, and progress reporting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Progress = Callable[[str, int, int], None]


def now() -> datetime:
    """The current time in UTC, without tzinfo (as every DateTime column stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def quiet(_phase: str, _done: int, _total: int) -> None:
    """A progress callback that reports nothing."""
    return None
