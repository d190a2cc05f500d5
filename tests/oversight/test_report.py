"""The oversight report of a real campaign: the numbers add up, the files are written and the
HTML page needs nothing from the network."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from muster.oversight import report as writer
from muster.oversight import service as oversight
from tests.cases.conftest import Called

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_fairness_adds_up_over_regions_settlements_and_kinds_of_region(called: Called) -> None:
    f = oversight.fairness(called.engine, campaign_id=called.campaign)
    assert f.called == 20 and f.target == 20
    for groups in (f.by_region, f.by_settlement, f.by_minority):
        assert sum(g.eligible for g in groups) == f.eligible
        assert sum(g.called for g in groups) == f.called
    assert {g.group for g in f.by_settlement} <= {"urban", "rural"}
    assert sum(g.quota or 0 for g in f.by_region) == 20
    assert f.per_1000 == round(1000 * 20 / f.eligible, 3)
    assert f.regions.groups == sum(1 for g in f.by_region if g.eligible)
    assert 0 <= f.regions.gini < 1


def test_the_report_is_written_whole_and_self_contained(called: Called, tmp_path: Path) -> None:
    report = oversight.overview(
        called.engine, campaign_id=called.campaign, today=date(2022, 10, 11)
    )
    simulation = oversight.simulation(
        None, decree="decrees/partial-mobilization-2022.yaml", persons=5_000, days=20
    )
    files = writer.write(tmp_path / "out", report=report, simulation=simulation)
    page = files.html.read_text(encoding="utf-8")
    assert EXTERNAL.search(page) is None
    assert "<script" not in page and "@import" not in page
    assert page.count("<svg") == 5  # burden by region and by group, office load, two simulated
    assert "Who carries the burden" in page and "Simulated campaigns compared" in page
    assert files.pdf.read_bytes().startswith(b"%PDF")
    book = load_workbook(files.xlsx, read_only=True)
    assert {"burden_by_region", "simulation", "lottery_audit"} <= set(book.sheetnames)
    regions = pl.read_csv(tmp_path / "out" / "tables" / "burden_by_region.csv")
    assert regions["called"].sum() == 20


def test_a_simulation_alone_makes_a_report(tmp_path: Path) -> None:
    simulation = oversight.simulation(
        None, decree="decrees/partial-mobilization-2022.yaml", persons=2_000, days=10
    )
    files = writer.write(tmp_path, simulation=simulation)
    page = files.html.read_text(encoding="utf-8")
    assert "Who carries the burden" not in page and "opaque" in page
    assert EXTERNAL.search(page) is None
