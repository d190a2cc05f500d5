"""The ``muster`` command as a user runs it: real process, exit codes, readable output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from muster.cli.main import app

runner = CliRunner()


def muster(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "muster", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_default_database_is_muster_db_in_the_working_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MUSTER_DB"}
    proc = subprocess.run(
        [sys.executable, "-m", "muster", "init"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "muster.db").exists()


def test_generate_then_stats_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    gen = muster(
        "--db",
        db,
        "registry",
        "generate",
        "--persons",
        "2000",
        "--seed",
        "4",
        "--regions",
        "9",
        cwd=tmp_path,
    )
    assert gen.returncode == 0, gen.stderr
    assert "Generated 2,000 persons in 9 regions" in gen.stdout
    stats = muster("--db", db, "registry", "stats", "--json", cwd=tmp_path)
    data = json.loads(stats.stdout)
    assert data["persons"] == 2000 and len(data["by_region"]) == 9


def test_environment_selects_the_database(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'env.db'}"
    proc = muster(
        "registry",
        "generate",
        "--persons",
        "50",
        "--regions",
        "3",
        cwd=tmp_path,
        env={"MUSTER_DB": db},
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "env.db").exists()


def test_user_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    proc = muster("--db", str(tmp_path / "missing" / "x.db"), "init", cwd=tmp_path)
    assert proc.returncode == 1
    assert "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_option_values_are_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    result = runner.invoke(app, ["--db", db, "registry", "generate", "--reference-date", "x"])
    assert result.exit_code == 2 and "is not a date" in result.output
    result = runner.invoke(app, ["--db", db, "registry", "export", "x.csv", "--table", "people"])
    assert result.exit_code == 2 and "is not a table" in result.output
    result = runner.invoke(app, ["--db", db, "registry", "generate", "--persons", "0"])
    assert result.exit_code == 1 and "--persons must be at least 1" in result.output


def test_history_shows_a_correction(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert (
        runner.invoke(
            app, ["--db", db, "registry", "generate", "--persons", "30", "--regions", "2"]
        ).exit_code
        == 0
    )
    path = tmp_path / "p.csv"
    assert runner.invoke(app, ["--db", db, "registry", "export", str(path)]).exit_code == 0
    lines = path.read_text().splitlines()
    national_id = lines[1].split(",")[0]
    lines[1] = lines[1].replace(",active", ",abroad")
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app, ["--db", db, "registry", "import", str(path)], env={"MUSTER_ACTOR": "officer:ivanova"}
    )
    assert result.exit_code == 0, result.output
    assert "1 corrected" in result.output
    result = runner.invoke(app, ["--db", db, "registry", "history", national_id, "--json"])
    [change] = json.loads(result.output)
    assert change["actor"] == "officer:ivanova"
    assert change["changes"]["status"] == ["active", "abroad"]


def test_demo_generates_and_prints_stats(tmp_path: Path) -> None:
    proc = muster(
        "--db",
        f"sqlite:///{tmp_path / 'd.db'}",
        "demo",
        "--persons",
        "500",
        "--no-serve",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Persons by fitness" in proc.stdout
    assert "Screened 500 persons against partial-mobilization-2022@1 as of 2022-09-21" in (
        proc.stdout
    )
    assert "may be called up (eligible)" in proc.stdout
    assert "The campaign day by day" in proc.stdout
    assert "Simulated against the opaque baseline" in proc.stdout
    assert (tmp_path / "demo-out" / "report.html").is_file()
    assert "500 persons in sqlite" in proc.stdout
    assert "Demo accounts" in proc.stdout and "appeals_board" in proc.stdout


def test_the_demo_ends_serving_the_web_app_with_its_accounts(tmp_path: Path) -> None:
    """The README's first command, small: the demo runs, writes the report, and serves the
    pages and the API until stopped."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "muster", "--db", f"sqlite:///{tmp_path / 'd.db'}", "demo",
         "--persons", "400", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the demo did not start serving"
                time.sleep(1)
        assert (tmp_path / "demo-out" / "report.html").is_file()
        with urllib.request.urlopen(f"{base}/public/statistics", timeout=10) as r:
            page = r.read().decode()
        assert "Burden: active call-ups per 1,000 eligible persons" in page
        with urllib.request.urlopen(f"{base}/staff/sign-in", timeout=10) as r:
            assert "Staff sign-in" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    output = proc.stdout.read() if proc.stdout else ""
    assert "Demo accounts" in output and "A called-up citizen:" in output
