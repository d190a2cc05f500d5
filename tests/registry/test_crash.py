"""A crash or a kill in the middle of a write leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from muster.db import bulk
from muster.registry import service as registry
from muster.registry.models import RegistryBatch

# Runs an import in a child process that SIGKILLs itself right after the first chunk of
# rows reached the database: the closest thing to pulling the plug mid-write.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from muster.db.engine import get_engine
    from muster.db import bulk
    from muster.registry import service
    real = bulk.insert
    def insert(conn, table, frame):
        written = real(conn, table, frame)
        if table == "persons":
            os.kill(os.getpid(), signal.SIGKILL)
        return written
    bulk.insert = insert
    engine = get_engine(sys.argv[1])
    if sys.argv[2] == "import":
        service.import_file(engine, Path(sys.argv[3]), actor="killed")
    else:
        service.generate(engine, persons=250_000, seed=2, regions=5, actor="killed",
                         replace=True)
    """
)


def counts(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as conn:
        return (
            registry.stats(engine),
            conn.scalar(select(func.count()).select_from(RegistryBatch)),
        )


def kill_mid_write(db_url: str, *args: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, db_url, *args], capture_output=True, timeout=300, check=False
    )
    return proc.returncode


def test_kill_during_import_leaves_database_unchanged(
    populated: Engine, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "persons.csv"
    registry.export_file(populated, path)
    frame = pl.read_csv(path, infer_schema=False)
    fixed = frame.with_columns(pl.lit("1 Changed Street, Town").alias("address"))
    fixed.write_csv(path)
    before = counts(populated)
    assert kill_mid_write(db_url, "import", str(path)) == -signal.SIGKILL
    assert counts(populated) == before
    registry.import_file(populated, path, actor="test")  # the database is still usable
    assert registry.stats(populated).persons == 3_000


def test_kill_during_generate_leaves_database_unchanged(populated: Engine, db_url: str) -> None:
    before = counts(populated)
    assert kill_mid_write(db_url, "generate") == -signal.SIGKILL
    assert counts(populated) == before


def test_error_mid_import_rolls_back(
    populated: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "persons.csv"
    registry.export_file(populated, path)
    frame = pl.read_csv(path, infer_schema=False)
    frame.with_columns(pl.lit("Elsewhere 5").alias("address")).write_csv(path)
    before = counts(populated)
    real_update = bulk.update

    def failing(*args: object, **kwargs: object) -> int:
        real_update(*args, **kwargs)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(bulk, "update", failing)
    with pytest.raises(OSError, match="disk full"):
        registry.import_file(populated, path, actor="test")
    assert counts(populated) == before


def test_interrupted_export_leaves_no_partial_file(
    populated: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from muster.registry import files

    target = tmp_path / "out.csv"

    class ExportFailedError(Exception):
        pass

    def explode(self: object, chunk: pl.DataFrame) -> None:
        raise ExportFailedError

    monkeypatch.setattr(files._CsvWriter, "write", explode)
    with pytest.raises(ExportFailedError):
        registry.export_file(populated, target)
    assert not target.exists()
    assert [name for name in os.listdir(tmp_path) if name.endswith(".partial")] == []
