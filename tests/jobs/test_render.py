"""Rendering notices to PDF as jobs: one file per notice, written whole, never rewritten
when nothing changed; in-process on SQLite, through the queue on PostgreSQL."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from muster.cli.main import app
from muster.db.engine import get_engine
from muster.jobs import service as jobs
from muster.jobs import tasks
from muster.notices import render
from muster.notices import service as notices
from tests.jobs.helpers import campaign

runner = CliRunner()


def _issued(url: str) -> tuple[int, list[int]]:
    engine = get_engine(url)
    campaign_id = campaign(engine, persons=3_000, target=12, regions=3)
    notices.issue(engine, campaign_id=campaign_id, day=date(2022, 10, 11), actor="t")
    numbers = [n.number for n in notices.list_notices(engine, campaign_id=campaign_id)]
    assert len(numbers) == 12
    return campaign_id, numbers


def test_render_writes_each_notice_once_and_leaves_no_partial_file(
    queue_url: str, tmp_path: Path
) -> None:
    db_url = queue_url
    campaign_id, numbers = _issued(db_url)
    engine = get_engine(db_url)
    withdrawn = notices.list_notices(engine, campaign_id=campaign_id)[0]
    notices.move(
        engine, callup_id=withdrawn.call_up, to="released", reason="wrongful: test", actor="o"
    )
    out = tmp_path / "pdf"
    if jobs.queued(db_url):
        ids = jobs.enqueue_render(db_url, numbers=numbers, out_dir=out)
        assert len(ids) == len(numbers)
        jobs.run_worker(db_url, wait=False)
        assert jobs.job_status(db_url)["succeeded"] == len(numbers)
    else:
        result = runner.invoke(
            app,
            ["--db", db_url, "jobs", "render", "--campaign", str(campaign_id), "--out", str(out)],
        )
        assert result.exit_code == 0, result.stderr
        assert "11 PDFs written" in result.stdout  # not the withdrawn notice
        numbers.remove(withdrawn.number)
    assert sorted(os.listdir(out)) == sorted(f"notice-{n}.pdf" for n in numbers)
    first = out / f"notice-{numbers[0]}.pdf"
    assert first.read_bytes() == render.notice_pdf(notices.document(engine, number=numbers[0]))
    stamp = first.stat().st_mtime_ns
    assert tasks.render_notice(engine, number=numbers[0], out_dir=str(out)) == "unchanged"
    assert first.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_failed_write_leaves_the_old_file_and_no_partial(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, numbers = _issued(db_url)
    engine = get_engine(db_url)
    out = tmp_path / "pdf"
    out.mkdir()
    target = out / f"notice-{numbers[0]}.pdf"
    target.write_bytes(b"an older rendering")

    def disk_full(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="disk full"):
        tasks.render_notice(engine, number=numbers[0], out_dir=str(out))
    assert target.read_bytes() == b"an older rendering"
    assert os.listdir(out) == [target.name]
    monkeypatch.undo()
    assert tasks.render_notice(engine, number=numbers[0], out_dir=str(out)) == "written"
    assert target.read_bytes().startswith(b"%PDF")
