"""Notice rendering speed: HTML and PDF per core, against the 50 ms-a-PDF goal and plain fpdf2.

``--count`` realistic notices (default 500: names in Cyrillic and Latin letters, one in five a
repeat notice, one in ten with a long address, a real verification code and check address),
rendered in one process, one core:

1. ``notice_html(doc)``,
2. ``notice_pdf(doc)``, each notice timed alone (wall and CPU time, percentiles),
3. ``notice_pdf`` for ``--count // 10`` notices whose name is in Georgian letters, outside
   the fonts cut to the common scripts, so the whole of DejaVu Sans is embedded,
4. the yardstick: the same blocks laid out the plain fpdf2 way, ``add_font`` of the whole
   DejaVu Sans in every document and ``multi_cell`` for text (``--count // 10`` notices),
5. ``read_document`` of ``--count // 10`` written HTML and PDF notices (what
   ``muster notices verify --document`` adds).

The first PDF of the process (cutting and parsing the fonts) is timed apart. Nothing passes
or fails: it prints a table and writes ``bench/out/notice_render-<time>.json``.

    .venv/bin/python bench/notice_render.py
    .venv/bin/python bench/notice_render.py --count 2000
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import fpdf
import matplotlib

from muster.notices import codes
from muster.notices.render import _Blocks, _page, notice_html, notice_pdf, qr_png, read_document
from muster.notices.schemas import NoticeDocument

OUT = Path(__file__).parent / "out"
GOAL_MS = 50.0
LEGAL_SOURCE = "Decree on the announcement of partial mobilization of 21 September 2022"
GIVEN = ["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей", "Ivan", "Oleksandr", "Jan", "Tomasz"]
FAMILY = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Шевченко", "Kowalski", "Novák", "Petrov"]
STREETS = ["ул. Ленина", "Mill Lane", "пр. Мира", "Lakeside Road", "ул. Гагарина"]


def notices(count: int, seed: int, *, given: list[str] = GIVEN) -> list[NoticeDocument]:
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        issued = date(2022, 9, 25) + timedelta(days=rnd.randrange(30))
        report = issued + timedelta(days=rnd.randrange(2, 6))
        office = f"R{rnd.randrange(1, 86):02d}-{rnd.randrange(1, 25):03d}"
        national_id = f"{rnd.randrange(10**9, 10**10)}"
        kind = "repeat" if rnd.random() < 0.2 else "first"
        signed = codes.Signed(100_000 + i, national_id, issued, report, office, 1, "4", kind)
        code = codes.encode(key_id=1, key=b"bench-key", signed=signed)
        street = f"{rnd.randrange(1, 200)} {rnd.choice(STREETS)}, кв. {rnd.randrange(1, 300)}"
        if rnd.random() < 0.1:
            street += ", корпус 2, подъезд 3, " + "Северо-Западный административный округ " * 3
        out.append(
            NoticeDocument(
                number=signed.number,
                kind=kind,
                code=code,
                verify_url=f"https://verify.muster.example/n/{codes.normalise(code)}",
                issued_on=issued,
                report_on=report,
                report_time=rnd.choice(["09:00", "10:30", "14:00"]),
                office_code=office,
                office_name=f"{office[:3]} district {int(office[4:])} office",
                office_address=f"1 Office Square, {office[:3]} district {int(office[4:])}",
                region_name=f"Region {office[:3]}",
                national_id=national_id,
                family_name=rnd.choice(FAMILY),
                given_name=rnd.choice(given),
                address=street,
                decree_id="partial-mobilization-2022",
                decree_title="Partial mobilization of reservists",
                decree_version=4,
                legal_source=LEGAL_SOURCE,
                campaign_id=1,
                claim_within_days=10,
                claim_deadline=issued + timedelta(days=10),
            )
        )
    return out


def plain_fpdf2(doc: NoticeDocument) -> bytes:
    """The yardstick: the same blocks as notice_pdf, laid out the way fpdf2's tutorial does."""
    ttf = Path(matplotlib.get_data_path(), "fonts", "ttf")
    pdf = fpdf.FPDF(format="A4")
    pdf.add_font("DejaVu", "", ttf / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", ttf / "DejaVuSans-Bold.ttf")
    pdf.set_margins(15, 15)
    pdf.add_page()
    pdf.image(io.BytesIO(qr_png(doc.verify_url)), x=161, y=15, w=34, h=34)
    for block in _Blocks(_page(doc, "")).blocks:
        if block.kind == "row":
            pdf.set_font("DejaVu", "B", 10)
            pdf.cell(42, 5, f"{block.label}:")
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
        else:
            bold = block.kind in ("h1", "h2")
            pdf.set_font("DejaVu", "B" if bold else "", 22 if block.kind == "h1" else 10)
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def timed_each(
    task: Callable[[NoticeDocument], object], docs: list[NoticeDocument]
) -> dict[str, Any]:
    walls, cpus = [], []
    for doc in docs:
        wall, cpu = time.perf_counter(), time.process_time()
        task(doc)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    q = statistics.quantiles(walls, n=100)
    return {
        "n": len(docs),
        "seconds": sum(walls) / 1000,
        "cpu_seconds": sum(cpus) / 1000,
        "ms": {
            "mean": statistics.fmean(walls),
            "p50": q[49],
            "p90": q[89],
            "p99": q[98],
            "max": max(walls),
        },
        "cpu_ms": {"mean": statistics.fmean(cpus), "p50": statistics.median(cpus)},
    }


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="Notices rendered (HTML and PDF).")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    few = max(args.count // 10, 10)
    docs = notices(args.count, args.seed)
    rare = notices(few, args.seed + 1, given=["გიორგი", "Արամ"])
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    notice_pdf(docs[0])
    first_ms = (time.perf_counter() - start) * 1000
    notice_html(docs[0])
    results = {
        "html": timed_each(notice_html, docs),
        "pdf": timed_each(notice_pdf, docs),
        "pdf, whole font": timed_each(notice_pdf, rare),
        "plain fpdf2": timed_each(plain_fpdf2, docs[:few]),
    }
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for kind, render in (("html", notice_html), ("pdf", notice_pdf)):
            for i, doc in enumerate(docs[:few]):
                path = Path(folder, f"{i}.{kind}")
                data = render(doc)
                path.write_bytes(data.encode() if isinstance(data, str) else data)
                paths.setdefault(kind, []).append(path)
        for kind, files in paths.items():
            walls = []
            for path in files:
                wall = time.perf_counter()
                read_document(path)
                walls.append((time.perf_counter() - wall) * 1000)
            results[f"read {kind}"] = {"n": len(walls), "seconds": sum(walls) / 1000,
                                       "ms": {"mean": statistics.fmean(walls)}}  # fmt: skip
    html, pdf = results["html"]["ms"]["mean"], results["pdf"]["ms"]["mean"]
    print(f"{args.count:,} notices, one core; first PDF of the process {first_ms:.0f} ms")
    heads = ("task", "n", "ms mean", "p50", "p90", "p99", "CPU mean", "CPU p50", "per s")
    print("{:<16} {:>5} {:>8} {:>6} {:>6} {:>6} {:>8} {:>7} {:>6}".format(*heads))
    for name, row in results.items():
        ms, cpu, nan = row["ms"], row.get("cpu_ms", {}), float("nan")
        cells = (ms["mean"], *(ms.get(k, nan) for k in ("p50", "p90", "p99")))
        print("{:<16} {:>5} {:8.2f} {:6.1f} {:6.1f} {:6.1f} {:8.2f} {:7.2f} {:6.0f}".format(
            name, row["n"], *cells, cpu.get("mean", nan), cpu.get("p50", nan),
            1000 / ms["mean"]))  # fmt: skip
    plain = results["plain fpdf2"]["ms"]["mean"]
    print(f"PDF / HTML time: {pdf / html:.1f}; plain fpdf2 / notice_pdf: {plain / pdf:.1f}")
    cpu_pdf = results["pdf"]["cpu_ms"]["p50"]
    print(f"CPU per PDF (median): {cpu_pdf:.1f} ms")
    verdict = "met" if pdf < GOAL_MS else "not met"
    p99 = results["pdf"]["ms"]["p99"]
    print(f"ms per PDF: {pdf:.1f} (p99 {p99:.1f}) against the {GOAL_MS:.0f} ms goal: {verdict}")
    report = {
        "commit": commit(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "versions": {"fpdf2": fpdf.__version__, "matplotlib": matplotlib.__version__},
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "count": args.count,
        "first_pdf_ms": first_ms,
        "results": results,
    }
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = OUT / f"notice_render-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
