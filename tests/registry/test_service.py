"""Registry services on SQLite and PostgreSQL: generate, stats, round trips, corrections."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from muster.db.engine import get_engine
from muster.errors import MusterError
from muster.registry import service as registry
from muster.registry.models import Person, PersonChange, RegistryBatch

REFERENCE_TABLES = ("regions", "employers", "offices")


def export_all(engine: Engine, folder: Path, ext: str) -> dict[str, Path]:
    paths = {t: folder / f"{t}.{ext}" for t in (*REFERENCE_TABLES, "persons")}
    for table, path in paths.items():
        registry.export_file(engine, path, table=table)  # type: ignore[arg-type]
    return paths


def import_all(engine: Engine, paths: dict[str, Path]) -> None:
    for table, path in paths.items():
        registry.import_file(engine, path, table=table, actor="test")  # type: ignore[arg-type]


def fresh_engine(db_url: str, tmp_path: Path, name: str) -> Engine:
    """A second empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        return get_engine(f"sqlite:///{tmp_path / name}")
    with get_engine(db_url).begin() as conn:
        for table in (
            "person_changes",
            "persons",
            "employers",
            "offices",
            "regions",
            "registry_batches",
        ):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    return get_engine(db_url)


def test_generate_fills_the_registry_and_stats_count_it(populated: Engine) -> None:
    stats = registry.stats(populated)
    assert stats.persons == 3_000
    assert sum(stats.by_region.values()) == 3_000
    assert len(stats.by_region) == 12
    assert set(stats.by_fitness) <= {"A", "B", "V", "G", "D", "none"}
    assert sum(stats.by_sector.values()) == sum(stats.by_status.values()) == 3_000
    assert stats.by_rank_group["soldier"] > stats.by_rank_group["nco"]


def test_generate_is_deterministic_across_databases(populated: Engine, tmp_path: Path) -> None:
    other = get_engine(f"sqlite:///{tmp_path / 'other.db'}")
    registry.generate(other, persons=3_000, seed=7, regions=12, actor="test")
    assert registry.stats(other) == registry.stats(populated)


def test_generate_refuses_to_overwrite_unless_asked(populated: Engine) -> None:
    with pytest.raises(MusterError, match="already holds data"):
        registry.generate(populated, persons=10, seed=1, regions=3, actor="test")
    assert registry.count_persons(populated) == 3_000
    registry.generate(populated, persons=10, seed=1, regions=3, actor="test", replace=True)
    assert registry.count_persons(populated) == 10


@pytest.mark.parametrize("ext", ["csv", "parquet", "xlsx"])
def test_export_then_import_gives_identical_stats(
    populated: Engine, db_url: str, tmp_path: Path, ext: str
) -> None:
    before = registry.stats(populated)
    paths = export_all(populated, tmp_path, ext)
    target = fresh_engine(db_url, tmp_path, "copy.db")
    import_all(target, paths)
    assert registry.stats(target) == before


def test_reimporting_the_same_file_changes_nothing(populated: Engine, tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    registry.export_file(populated, path)
    result = registry.import_file(populated, path, actor="test")
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 3_000)
    with populated.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PersonChange)) == 0


def _correct(path: Path, out: Path, **values: str) -> str:
    rows = pl.read_csv(path, infer_schema=False).head(20)
    first = rows.row(0, named=True)
    rows = rows.with_columns(
        [
            pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(v)).otherwise(pl.col(k)).alias(k)
            for k, v in values.items()
        ]
    )
    rows.write_csv(out)
    return str(first["national_id"])


def test_correction_is_recorded_with_who_when_and_what(populated: Engine, tmp_path: Path) -> None:
    registry.export_file(populated, tmp_path / "all.csv")
    national_id = _correct(
        tmp_path / "all.csv",
        tmp_path / "fix.csv",
        fitness="D",
        address="1 New Street, Elsewhere",
        unfit_until="",
    )
    with populated.connect() as conn:
        old = conn.execute(
            select(Person.fitness, Person.address).where(Person.national_id == national_id)
        ).one()
    result = registry.import_file(populated, tmp_path / "fix.csv", actor="officer:petrov")
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 19)
    [change] = registry.history(populated, national_id)
    assert change.actor == "officer:petrov"
    assert change.source.endswith("fix.csv")
    assert change.changes["address"] == [old.address, "1 New Street, Elsewhere"]
    if old.fitness != "D":
        assert change.changes["fitness"] == [old.fitness, "D"]
    with populated.connect() as conn:
        row = conn.execute(
            select(Person.address, Person.batch_id).where(Person.national_id == national_id)
        ).one()
        assert row.address == "1 New Street, Elsewhere"
        assert row.batch_id == result.batch_id
        batch = conn.execute(select(RegistryBatch).where(RegistryBatch.id == result.batch_id)).one()
        assert batch.updated == 1 and len(batch.sha256) == 64


def test_dry_run_counts_but_changes_nothing(populated: Engine, tmp_path: Path) -> None:
    registry.export_file(populated, tmp_path / "all.csv")
    national_id = _correct(tmp_path / "all.csv", tmp_path / "fix.csv", address="Somewhere 1")
    before = registry.stats(populated)
    result = registry.import_file(populated, tmp_path / "fix.csv", actor="t", dry_run=True)
    assert result.dry_run and result.updated == 1
    assert registry.history(populated, national_id) == []
    assert registry.stats(populated) == before
    with populated.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(RegistryBatch)) == 1


def test_new_and_corrected_rows_in_one_file(populated: Engine, tmp_path: Path) -> None:
    registry.export_file(populated, tmp_path / "all.csv")
    frame = pl.read_csv(tmp_path / "all.csv", infer_schema=False)
    part = frame.head(1500)
    part.write_csv(tmp_path / "part.csv")
    target_url = f"sqlite:///{tmp_path / 'two.db'}"
    target = get_engine(target_url)
    for table in ("regions", "employers", "offices"):
        registry.export_file(populated, tmp_path / f"{table}.csv", table=table)  # type: ignore[arg-type]
        registry.import_file(target, tmp_path / f"{table}.csv", table=table, actor="t")  # type: ignore[arg-type]
    registry.import_file(target, tmp_path / "part.csv", actor="t")
    result = registry.import_file(target, tmp_path / "all.csv", actor="t")
    assert (result.inserted, result.updated, result.unchanged) == (1500, 0, 1500)
    assert registry.stats(target) == registry.stats(populated)


def test_history_of_unknown_person_is_a_clear_error(populated: Engine) -> None:
    with pytest.raises(MusterError, match="no person with national id"):
        registry.history(populated, "123456789092")


def test_export_of_empty_registry_is_a_header_only_file(engine: Engine, tmp_path: Path) -> None:
    for ext in ("csv", "parquet", "xlsx"):
        path = tmp_path / f"empty.{ext}"
        assert registry.export_file(engine, path) == 0
        assert path.exists()
    assert (tmp_path / "empty.csv").read_text().startswith("national_id,family_name")


def test_stats_json_shape(populated: Engine) -> None:
    data = json.loads(registry.stats(populated).model_dump_json())
    assert set(data) == {
        "persons",
        "by_region",
        "by_rank_group",
        "by_fitness",
        "by_sector",
        "by_status",
    }
