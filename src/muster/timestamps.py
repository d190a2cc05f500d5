"""Times as read models publish them. The database stores UTC without a zone; a read model
says so explicitly, so every published timestamp is RFC 3339 (``…Z`` / ``+00:00``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
