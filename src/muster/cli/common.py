"""What every command shares: settings from ``--db``, the engine, errors, progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from muster.config import Settings, get_settings
from muster.db.engine import get_engine
from muster.errors import InputFileError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
MAX_SHOWN = 100
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else get_settings()


def engine(ctx: typer.Context) -> Engine:
    return get_engine(settings(ctx).db)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress display; yields a callback ``(phase, done, total)`` for services."""
    columns = (
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=not enabled, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update


def report_input_error(exc: InputFileError, errors_out: Path | None) -> None:
    """Print the first problems as ``FILE:LINE: FIELD: message``, the rest to ``errors_out``."""
    for problem in exc.problems[:MAX_SHOWN]:
        err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    hidden = len(exc.problems) - MAX_SHOWN
    if errors_out is not None:
        errors_out.write_text("".join(f"{p}\n" for p in exc.problems), encoding="utf-8")
    if hidden > 0:
        where = f"all are in {errors_out}" if errors_out else "use --errors-out FILE for all"
        err.print(f"… and {hidden:,} more problems ({where})", markup=False)
    err.print(f"[bold red]error:[/] {exc}", highlight=False)
