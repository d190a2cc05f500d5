"""Citizen status look-ups over HTTP on PostgreSQL, under load, against a bare FastAPI endpoint.

A fresh PostgreSQL database (``muster_bench_web_<random>`` beside ``--pg-url``, dropped at the
end) gets ``--persons`` synthetic persons (default 1,000,000; seed 1, 85 regions),
``decrees/partial-mobilization-2022.yaml`` screened as of 2022-10-10, a campaign of
``--target`` (default 10,000) opened, committed and drawn, and the first day's notices
(2022-10-11) issued; then ``--sessions`` (default 1,000) citizens sign in the way the portal
does it (``accounts.request_code``, the code read from the outbox, ``accounts.verify_code``),
half of them called up, half drawn from the whole registry. All of that is untimed.

Then, on loopback, side by side:

1. **muster**: ``muster --db URL serve --port P --workers W --today 2022-10-11`` (a
   subprocess, ``--workers`` default 2), ``GET /api/v1/me/status`` with ``Authorization:
   Bearer TOKEN``, the tokens taken in turn by a ``wrk`` Lua script: the session looked up,
   the person, the decision explained under the decree in force, call-ups, notices, claims
   and deadlines, every request a different citizen than the one before.
2. peer, **bare FastAPI**: ``bench/bare_app.py`` under ``uvicorn --workers W``, ``GET /async``
   (a constant JSON from the event loop, as muster's status route runs) and ``GET /sync`` (the
   same from a ``def`` route run in the thread pool, as most of muster's routes are): no
   middleware, database or authentication.

Both servers run uvicorn with its defaults, so with uvloop and httptools, which muster installs
(the report names the versions).

Each is driven by ``wrk -t 2 -c 100 -d 20s --latency --timeout 10s`` (``--threads``,
``--connections``, ``--seconds``) after a 5-second warm-up (``--warmup``); wrk, the servers and
PostgreSQL share the machine. Every session's status is fetched once before the load and
must answer 200; wrk's "Non-2xx or 3xx responses" and socket errors must be zero. The ratio
is muster's requests/s over the bare ``async`` endpoint's.

Goal (issue 7): at 100 concurrent connections, muster ≥ 50 % of the bare endpoint's
throughput and p99 < 50 ms, on a registry of 30,000,000 persons (``--persons 30000000``;
generating it on PostgreSQL takes about 17 minutes on the benchmark machine, see RESULTS.md,
"30,000,000 persons", so the default is 1,000,000).

    PYTHONPATH=src .venv/bin/python bench/web_status.py
    PYTHONPATH=src .venv/bin/python bench/web_status.py --persons 30000000

``--keep`` leaves the database in place and prints its URL; ``--db URL`` measures against such
a database instead of building one (new sessions are still opened). It prints a table and
writes ``bench/out/web-status-<N>-<time>.json``. Needs ``wrk`` (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from muster.accounts import service as accounts
from muster.db.engine import get_engine
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.registry.models import Person
from muster.screening import service as screening
from muster.selection import service as selection
from muster.selection.models import CallUp

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).parent / "out"
DECREE = ROOT / "decrees" / "partial-mobilization-2022.yaml"
DECREE_ID = "partial-mobilization-2022"
SCREEN_DAY = date(2022, 10, 10)
TODAY = date(2022, 10, 11)
STATUS = "/api/v1/me/status"
LUA = """\
local tokens = {%s}
local started = 0
local step = %d

function setup(thread)
  thread:set("offset", started * step)
  started = started + 1
end

function init(args)
  i = offset or 0
end

function request()
  i = i %% #tokens + 1
  return wrk.format("GET", "%s", {["Authorization"] = "Bearer " .. tokens[i]})
end
"""


def build(url: str, persons: int, target: int) -> dict[str, Any]:
    """The registry, the decree, a drawn campaign and the first day's notices (untimed)."""
    engine = get_engine(url)
    clock = time.perf_counter()
    print(f"generate {persons:,} persons…", flush=True)
    registry.generate(engine, persons=persons, seed=1, regions=85, actor="bench")
    print(f"  {time.perf_counter() - clock:.0f} s; screen as of {SCREEN_DAY}…", flush=True)
    screening.load_decree(engine, DECREE, actor="bench")
    screening.screen(engine, as_of=SCREEN_DAY, actor="bench")
    print(f"  {time.perf_counter() - clock:.0f} s; campaign of {target:,}…", flush=True)
    campaign = quotas.open_campaign(engine, decree_id=DECREE_ID, target=target, actor="bench")
    selection.commit(engine, campaign_id=campaign.id, actor="bench")
    drawn = selection.draw(engine, campaign_id=campaign.id, actor="bench")
    issued = notices.issue(engine, campaign_id=campaign.id, day=TODAY, actor="bench")
    print(
        f"  {time.perf_counter() - clock:.0f} s; {drawn.selected:,} selected, "
        f"{issued.issued:,} notices issued on {TODAY}",
        flush=True,
    )
    return {
        "selected": drawn.selected,
        "notices issued": issued.issued,
        "build seconds": time.perf_counter() - clock,
    }


def open_sessions(url: str, count: int, seed: int) -> tuple[list[str], int]:
    """``count`` citizen sessions for distinct persons, half with a call-up: the tokens and
    how many belong to called-up persons."""
    engine = get_engine(url)
    rng = random.Random(seed)
    with engine.connect() as conn:
        called = sorted(
            set(
                conn.scalars(select(Person.national_id).join(CallUp, CallUp.person_id == Person.id))
            )
        )
        top = int(conn.scalar(text("SELECT max(id) FROM persons")) or 0)
        chosen = rng.sample(called, min(len(called), count // 2))
        seen = set(chosen)
        while len(chosen) < count:
            ids = [rng.randint(1, top) for _ in range(count)]
            for nid in conn.scalars(select(Person.national_id).where(Person.id.in_(ids))):
                if nid not in seen and len(chosen) < count:
                    seen.add(nid)
                    chosen.append(nid)
    rng.shuffle(chosen)
    tokens = []
    for i, nid in enumerate(chosen):
        client = f"bench-{seed}-{i}"
        if not accounts.request_code(engine, national_id=nid, client=client):
            raise SystemExit(f"no code sent to {nid}")
        body = accounts.outbox(engine, national_id=nid, limit=1)[0].body
        found = re.search(r"\b(\d{6})\b", body)
        assert found, body
        session = accounts.verify_code(engine, national_id=nid, code=found.group(1), client=client)
        tokens.append(session.token)
    called_set = set(called)
    return tokens, sum(1 for nid in chosen if nid in called_set)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(port: int, path: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server on port {port} did not answer within 120 s")


def check_statuses(port: int, tokens: list[str]) -> dict[str, int]:
    """Every session's status once, one after another: all must answer 200. Returns the
    headlines counted."""
    headlines: dict[str, int] = {}
    for token in tokens:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{STATUS}", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                raise SystemExit(f"{STATUS} answered {response.status}")
            body = json.load(response)
        headlines[body["headline"]] = headlines.get(body["headline"], 0) + 1
    return headlines


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles (ms), request count, non-2xx and socket errors."""
    result: dict[str, Any] = {
        "requests/s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),  # type: ignore[union-attr]
    }
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.MULTILINE)
        result[f"p{pct} ms"] = _ms(found.group(1)) if found else None
    found = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non-2xx"] = int(found.group(1)) if found else 0
    found = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket errors"] = sum(map(int, found.groups())) if found else 0
    return result


def wrk(url: str, args: argparse.Namespace, seconds: int, script: Path | None) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = parse_wrk(done.stdout)
    result["command"] = " ".join(command)
    return result


def start(command: list[str]) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(url: str, args: argparse.Namespace, tokens: list[str]) -> dict[str, Any]:
    muster_port, bare_port = free_port(), free_port()
    servers = [
        start(
            [
                sys.executable,
                "-m",
                "muster",
                "--db",
                url,
                "serve",
                "--port",
                str(muster_port),
                "--workers",
                str(args.workers),
                "--today",
                TODAY.isoformat(),
            ]
        ),
        start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(Path(__file__).parent),
                "bare_app:app",
                "--port",
                str(bare_port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        ),
    ]
    results: dict[str, Any] = {}
    try:
        wait_until_up(muster_port, "/api/v1/openapi.json", servers[0])
        wait_until_up(bare_port, "/async", servers[1])
        print(f"muster on :{muster_port}, bare FastAPI on :{bare_port}; checking every session…")
        results["headlines"] = check_statuses(muster_port, tokens)
        print(f"  {results['headlines']}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "tokens.lua"
            step = max(1, len(tokens) // max(1, args.threads))
            script.write_text(
                LUA % (", ".join(f'"{t}"' for t in tokens), step, STATUS), encoding="utf-8"
            )
            peers = [
                ("muster status", f"http://127.0.0.1:{muster_port}{STATUS}", script),
                ("bare async", f"http://127.0.0.1:{bare_port}/async", None),
                ("bare sync", f"http://127.0.0.1:{bare_port}/sync", None),
            ]
            for name, target, lua in peers:
                if args.warmup:
                    wrk(target, args, args.warmup, lua)
                print(f"wrk {name} for {args.seconds} s…", flush=True)
                results[name] = wrk(target, args, args.seconds, lua)
                r = results[name]
                print(
                    f"  {r['requests/s']:,.0f} req/s, p50 {r['p50 ms']:.1f} ms, "
                    f"p99 {r['p99 ms']:.1f} ms, non-2xx {r['non-2xx']}, "
                    f"socket errors {r['socket errors']}",
                    flush=True,
                )
    finally:
        for process in servers:
            stop(process)
    return results


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--target", type=int, default=10_000, help="The campaign's target.")
    parser.add_argument("--sessions", type=int, default=1_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5, help="Seconds of wrk before each run.")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--workers", type=int, default=2, help="Server worker processes.")
    parser.add_argument("--seed", type=int, default=1, help="Which persons sign in.")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db", help="An already built database: skip the build.")
    parser.add_argument("--keep", action="store_true", help="Keep the database built.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    load_before = os.getloadavg()
    report: dict[str, Any] = {
        "persons": args.persons,
        "sessions": args.sessions,
        "workers": args.workers,
        "connections": args.connections,
        "wrk threads": args.threads,
        "seconds": args.seconds,
        "commit": commit(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "command": " ".join(["bench/web_status.py", *sys.argv[1:]]),
        # Both servers run uvicorn's defaults: uvloop and httptools when they are installed.
        "server": {name: _version(name) for name in ("uvicorn", "uvloop", "httptools")},
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    name = f"muster_bench_web_{uuid.uuid4().hex[:8]}"
    url = args.db or args.pg_url.rsplit("/", 1)[0] + f"/{name}"
    if args.db is None:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        if args.db is None:
            report["build"] = build(url, args.persons, args.target)
        with get_engine(url).connect() as conn:
            report["persons"] = int(conn.scalar(text("SELECT count(*) FROM persons")) or 0)
        print(f"{args.sessions:,} citizen sessions…", flush=True)
        tokens, called = open_sessions(url, args.sessions, args.seed)
        report["sessions called up"] = called
        get_engine(url).dispose()
        report.update(measure(url, args, tokens))
    finally:
        get_engine(url).dispose()
        if args.db is None and not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        elif args.keep:
            print(f"kept {url}")
    report["load average before"] = load_before
    report["load average after"] = os.getloadavg()
    m, a, s = report["muster status"], report["bare async"], report["bare sync"]
    ratio = m["requests/s"] / a["requests/s"]
    report["ratio to bare async"] = ratio
    report["ratio to bare sync"] = m["requests/s"] / s["requests/s"]
    errors = sum(r["non-2xx"] + r["socket errors"] for r in (m, a, s))
    report["goal met"] = ratio >= 0.5 and m["p99 ms"] < 50 and errors == 0
    print()
    print(
        f"{report['persons']:,} persons, {args.sessions:,} sessions ({called:,} called up), "
        f"{args.connections} connections, {args.workers} workers, {args.seconds} s each; "
        + ", ".join(f"{k} {v or 'not installed'}" for k, v in report["server"].items())
    )
    print(f"{'':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>9}  muster ÷ this")
    for label, r in (("muster status", m), ("bare async", a), ("bare sync", s)):
        cell = "" if r is m else f"{m['requests/s'] / r['requests/s']:>8.2f}"
        print(
            f"{label:<16}{r['requests/s']:>10,.0f}{r['p50 ms']:>9.1f}{r['p99 ms']:>9.1f}"
            f"{r['non-2xx'] + r['socket errors']:>9}{cell}"
        )
    print(
        f"goal (≥ 0.5 of bare async, p99 < 50 ms, no errors): "
        f"{'met' if report['goal met'] else 'not met'}"
    )
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = OUT / f"web-status-{report['persons']}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
