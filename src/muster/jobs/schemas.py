"""A job as data: which task, with which ids, under which locks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

TaskName = Literal["issue_batch", "render_notice", "fill_region"]


class Job(BaseModel):
    """One unit of background work. ``args`` hold ids, codes and ISO dates only, never
    objects, so a job means the same thing whenever and wherever it runs.

    ``lock``: jobs sharing it never run at the same time (they run in the order queued).
    ``queueing_lock``: while one job with it waits in the queue, the same job is not queued
    again (the waiting one is reused)."""

    task: TaskName
    args: dict[str, int | str] = Field(default_factory=dict)
    lock: str | None = None
    queueing_lock: str | None = None
