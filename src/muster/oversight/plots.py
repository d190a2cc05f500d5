"""The report's pictures, drawn on Matplotlib's Agg canvas (no pyplot, no window, no global
backend), each returned as inline SVG text for the HTML page and PNG bytes for the PDF."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from muster.oversight.schemas import FairnessReport, OfficeLoad, ScenarioResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown")


@dataclass(frozen=True)
class Plot:
    """One picture: a name for files, a caption, and the picture as SVG and as PNG."""

    name: str
    caption: str
    svg: str
    png: bytes


def _figure(width: float = 9, height: float = 4.2) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _done(figure: Figure, name: str, caption: str) -> Plot:
    import matplotlib

    svg = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as text: small, searchable
        figure.savefig(svg, format="svg", metadata={"Date": None})
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=110)
    text = svg.getvalue()
    # Inline in HTML: no XML prolog, no DOCTYPE pointing at a DTD on the network.
    text = re.sub(r"^.*?(<svg\b)", r"\1", text, flags=re.DOTALL)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    return Plot(name=name, caption=caption, svg=text, png=png.getvalue())


def burden_by_region(report: FairnessReport) -> Plot:
    """Call-ups per 1,000 eligible persons in each region, lowest to highest."""
    rows = sorted((r for r in report.by_region if r.eligible), key=lambda r: r.per_1000)
    figure = _figure()
    axes = figure.subplots()
    axes.bar(range(len(rows)), [r.per_1000 for r in rows], color="tab:blue")
    axes.axhline(report.per_1000, color="tab:red", linewidth=1.5, label="national")
    axes.set_xticks(range(len(rows)), [r.group for r in rows], rotation=90, fontsize=6)
    axes.set_ylabel("call-ups per 1,000 eligible")
    axes.legend(loc="upper left")
    d = report.regions
    ratio = "n/a" if d.max_min_ratio is None else f"{d.max_min_ratio:.2f}"
    axes.set_title(f"Burden by region: highest / lowest {ratio}, Gini {d.gini:.3f}", fontsize=10)
    return _done(
        figure,
        "burden-by-region",
        "Call-ups per 1,000 eligible persons in each region (the red line is the nation's).",
    )


def burden_by_group(report: FairnessReport) -> Plot:
    """Urban against rural persons, minority regions against the others."""
    rows = [*report.by_settlement, *report.by_minority]
    figure = _figure(7, 3.6)
    axes = figure.subplots()
    axes.barh([r.name for r in rows], [r.per_1000 for r in rows], color="tab:blue")
    axes.axvline(report.per_1000, color="tab:red", linewidth=1.5)
    axes.set_xlabel("call-ups per 1,000 eligible")
    axes.set_title("Burden by settlement and kind of region", fontsize=10)
    return _done(
        figure,
        "burden-by-group",
        "Call-ups per 1,000 eligible persons: cities against villages, minority regions "
        "against the others.",
    )


def office_peaks(rows: list[OfficeLoad]) -> Plot:
    """How full each office's busiest day was, per kind of work."""
    figure = _figure(7, 3.6)
    axes = figure.subplots()
    kinds = sorted({r.kind for r in rows})
    bins = np.linspace(0, max([1.0, *(r.peak_load for r in rows)]), 21)
    for i, kind in enumerate(kinds):
        axes.hist(
            [r.peak_load for r in rows if r.kind == kind],
            bins=bins.tolist(),
            alpha=0.6,
            label=kind,
            color=COLOURS[i % len(COLOURS)],
        )
    axes.set_xlabel("busiest day booked / daily capacity")
    axes.set_ylabel("offices")
    if kinds:
        axes.legend()
    axes.set_title("Office load against capacity", fontsize=10)
    return _done(figure, "office-load", "Each office's busiest day against its capacity.")


def simulated_burden(results: list[ScenarioResult]) -> Plot:
    """Each region's burden against how urban it is, per scenario."""
    figure = _figure()
    axes = figure.subplots()
    for i, r in enumerate(results):
        x = [g.urban_share_pct for g in r.by_region if g.eligible]
        y = [g.per_1000 for g in r.by_region if g.eligible]
        marker = ["o" if g.minority else "." for g in r.by_region if g.eligible]
        colour = COLOURS[i % len(COLOURS)]
        for m in ("o", "."):
            pts = [(a, b) for a, b, k in zip(x, y, marker, strict=True) if k == m]
            if pts:
                xs, ys = zip(*pts, strict=True)
                axes.scatter(
                    xs,
                    ys,
                    s=28 if m == "o" else 40,
                    color=colour,
                    facecolors="none" if m == "o" else colour,
                    label=f"{r.name} (Gini {r.regions.gini:.3f})" if m == "." else None,
                )
    axes.set_xlabel("urban share of the region's population (%); rings: minority regions")
    axes.set_ylabel("call-ups per 1,000 eligible")
    axes.legend()
    axes.set_title("Simulated burden by region", fontsize=10)
    return _done(
        figure,
        "simulated-burden",
        "Each region's call-ups per 1,000 eligible persons against how urban it is, per "
        "scenario; rings mark minority regions.",
    )


def simulated_days(results: list[ScenarioResult]) -> Plot:
    """Enlisted per day and the load on the offices per day, per scenario."""
    figure = _figure(9, 5)
    top, bottom = figure.subplots(2, 1, sharex=True)
    for i, r in enumerate(results):
        colour = COLOURS[i % len(COLOURS)]
        days = range(1, len(r.enlisted_by_day) + 1)
        top.plot(days, r.enlisted_by_day, color=colour, label=r.name)
        bottom.plot(days, r.load_by_day, color=colour, label=r.name)
    if results:
        top.axhline(results[0].target, color="grey", linestyle="--", linewidth=1)
    top.set_ylabel("enlisted")
    top.legend(loc="lower right")
    bottom.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    bottom.set_ylabel("arrivals / capacity")
    bottom.set_xlabel("day of the campaign")
    top.set_title("Simulated campaign, day by day", fontsize=10)
    return _done(
        figure,
        "simulated-days",
        "Enlisted so far (dashed: the target) and people arriving at the offices against "
        "what they can receive (dashed: full), per scenario.",
    )
