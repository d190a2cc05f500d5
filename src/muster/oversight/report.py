"""``muster report write``: a self-contained HTML page (pictures inline as SVG, no external
address), the same as PDF, and every table as CSV and as one XLSX workbook."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2
import polars as pl
from openpyxl import Workbook
from pydantic import BaseModel

from muster.errors import MusterError
from muster.oversight import plots
from muster.oversight.pdf import write_pdf
from muster.oversight.schemas import ScenarioResult, SimulationResult
from muster.oversight.service import OversightReport, tables

TEMPLATES = Path(__file__).with_name("templates")
SECTIONS = (
    "groups",
    "regions",
    "found",
    "wrongful_regions",
    "claims",
    "boards",
    "offices",
    "lottery",
    "scenarios",
    "parameters",
)


@dataclass(frozen=True)
class Table:
    """A table as printed: a title, column headings, rows of text."""

    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class ReportFiles:
    html: Path
    pdf: Path
    xlsx: Path
    csv: list[Path] = field(default_factory=list)


def fmt(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def comparison(results: list[ScenarioResult]) -> Table:
    """The scenarios side by side: one row per measure, one column per scenario."""
    measures: list[tuple[str, list[str]]] = [
        ("quotas by", [r.method for r in results]),
        ("target", [fmt(r.target) for r in results]),
        ("eligible persons", [fmt(r.eligible) for r in results]),
        ("call-ups", [fmt(r.called) for r in results]),
        ("enlisted", [fmt(r.enlisted) for r in results]),
        (
            "regions fulfilled",
            [f"{r.fulfilled_regions} of {sum(1 for g in r.by_region if g.quota)}" for r in results],
        ),
        ("median days to fulfil", [fmt(r.median_days_to_fulfil, 1) for r in results]),
        ("last region fulfilled on day", [fmt(r.max_days_to_fulfil) for r in results]),
        ("Gini of burden across regions", [fmt(r.regions.gini, 3) for r in results]),
        ("highest / lowest region", [fmt(r.regions.max_min_ratio) for r in results]),
        ("rural / urban burden", [fmt(r.rural_over_urban) for r in results]),
        ("minority / other regions", [fmt(r.minority_over_other) for r in results]),
        ("wrongful call-ups", [fmt(r.wrongful) for r in results]),
        ("… enlisted, never found", [fmt(r.wrongful_enlisted) for r in results]),
        ("median days to correction", [fmt(r.median_days_to_correction, 1) for r in results]),
        ("claims", [fmt(r.claims) for r in results]),
        ("peak office load", [fmt(r.peak_load) for r in results]),
    ]
    return Table(
        "Scenarios compared",
        ["measure", *(r.name for r in results)],
        [[name, *values] for name, values in measures],
    )


def _from_models(title: str, rows: list[BaseModel], columns: dict[str, str]) -> Table:
    def cell(v: object) -> str:
        return fmt(v) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)

    body = [[cell(getattr(r, k)) for k in columns] for r in rows]
    return Table(title, list(columns.values()), body)


def _burden(title: str, rows: list[BaseModel]) -> Table:
    return _from_models(
        title,
        rows,
        {
            "group": "group",
            "name": "name",
            "eligible": "eligible",
            "quota": "quota",
            "called": "called",
            "per_1000": "per 1,000 eligible",
            "enlisted": "enlisted",
            "active": "active",
            "wrongful": "wrongful",
            "fulfilment": "fulfilment",
        },
    )


def sections(
    report: OversightReport | None, simulation: SimulationResult | None
) -> dict[str, Table]:
    """Every printed table, by name."""
    out: dict[str, Table] = {}
    if report is not None:
        f, e = report.fairness, report.errors
        out["groups"] = _burden("Settlement and kind of region", [*f.by_settlement, *f.by_minority])
        out["regions"] = _burden("Regions", list(f.by_region))
        found = [[k, fmt(v)] for k, v in e.by_found.items()]
        found += [[f"released as {k}", fmt(v)] for k, v in e.by_kind.items()]
        out["found"] = Table("How mistakes were found", ["found by", "call-ups"], found)
        out["wrongful_regions"] = _from_models(
            "Wrongful call-ups by region",
            list(e.by_region),
            {
                "name": "region",
                "released": "wrongful",
                "median_days": "median days",
                "p90_days": "p90 days",
            },
        )
        out["claims"] = _from_models(
            "Claims by kind",
            list(report.claims),
            {
                "kind": "kind",
                "filed": "filed",
                "appeals": "appeals",
                "pending": "pending",
                "upheld": "upheld",
                "rejected": "rejected",
                "automatic": "automatic",
                "median_days": "median days to decision",
                "missed_deadlines": "deadlines missed",
            },
        )
        out["boards"] = _from_models(
            "Claims by board",
            list(e.boards),
            {
                "board": "board",
                "pending": "pending",
                "overdue": "overdue",
                "decided": "decided",
                "upheld": "upheld",
                "automatic": "automatic",
                "missed_deadlines": "deadlines missed",
            },
        )
        out["offices"] = _from_models(
            "Busiest offices",
            list(report.office_load[:20]),
            {
                "office": "office",
                "region": "region",
                "kind": "kind",
                "capacity": "capacity a day",
                "peak_used": "busiest day",
                "peak_load": "peak load",
                "mean_load": "mean load",
                "days_full": "days full",
            },
        )
        out["lottery"] = _from_models(
            "Lottery audits",
            list(report.lottery),
            {"key": "against", "n": "persons", "p_value": "p-value", "verdict": "verdict"},
        )
    if simulation is not None:
        out["scenarios"] = comparison(simulation.scenarios)
        out["parameters"] = Table(
            "Parameters",
            ["parameter", "value"],
            [[k, str(v)] for k, v in simulation.parameters.model_dump().items()],
        )
    return out


def _html_table(t: Table | None) -> str:
    if t is None:
        return ""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in t.rows
    )
    return f"<table><caption>{html.escape(t.title)}</caption><tr>{head}</tr>{body}</table>"


def data_tables(
    report: OversightReport | None, simulation: SimulationResult | None
) -> dict[str, pl.DataFrame]:
    """The tables behind the report, in full, for CSV and XLSX."""
    out = tables(report) if report is not None else {}
    if simulation is not None:
        out["simulation"] = pl.DataFrame(
            [
                r.model_dump(exclude={"by_region", "enlisted_by_day", "load_by_day", "regions"})
                | {"gini": r.regions.gini, "max_min_ratio": r.regions.max_min_ratio}
                for r in simulation.scenarios
            ]
        )
        out["simulation_regions"] = pl.DataFrame(
            [
                {"scenario": r.name, **g.model_dump()}
                for r in simulation.scenarios
                for g in r.by_region
            ]
        )
    return {k: v for k, v in out.items() if v.width}


def write(
    out: Path,
    *,
    report: OversightReport | None = None,
    simulation: SimulationResult | None = None,
    title: str | None = None,
) -> ReportFiles:
    """Write report.html, report.pdf, report.xlsx and tables/*.csv into ``out``."""
    if report is None and simulation is None:
        raise MusterError("nothing to report: give a campaign or a simulation")
    if out.exists() and not out.is_dir():
        raise MusterError(f"{out} is a file; give a folder for the report (it is created)")
    out.mkdir(parents=True, exist_ok=True)
    if title is None:
        title = (
            f"Oversight report: campaign {report.fairness.campaign} under {report.fairness.decree}"
            if report is not None
            else "Simulated campaigns compared"
        )
    fairness_plots = office_plots = simulation_plots = []
    if report is not None:
        fairness_plots = [
            plots.burden_by_region(report.fairness),
            plots.burden_by_group(report.fairness),
        ]
        office_plots = [plots.office_peaks(report.office_load)] if report.office_load else []
    if simulation is not None:
        simulation_plots = [
            plots.simulated_burden(simulation.scenarios),
            plots.simulated_days(simulation.scenarios),
        ]
    printed = sections(report, simulation)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    page = env.get_template("report.html.j2").render(
        title=title,
        subtitle=(f"Figures as of {report.as_of}." if report is not None else ""),
        written=datetime.now().strftime("%Y-%m-%d %H:%M"),
        report=report,
        simulation=simulation,
        fairness_plots=fairness_plots,
        office_plots=office_plots,
        simulation_plots=simulation_plots,
        table=_html_table,
        fmt=fmt,
        **{k: printed[k] if k in printed and printed[k].rows else None for k in SECTIONS},
    )
    files = ReportFiles(html=out / "report.html", pdf=out / "report.pdf", xlsx=out / "report.xlsx")
    files.html.write_text(page, encoding="utf-8")
    write_pdf(
        files.pdf,
        title=title,
        tables=list(printed.values()),
        pictures=[*fairness_plots, *office_plots, *simulation_plots],
    )
    data = data_tables(report, simulation)
    (out / "tables").mkdir(exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    for name, frame in data.items():
        path = out / "tables" / f"{name}.csv"
        frame.write_csv(path)
        files.csv.append(path)
        sheet = book.create_sheet(name[:31])
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(
                [v if isinstance(v, int | float | str) or v is None else str(v) for v in row]
            )
    book.save(files.xlsx)
    for p in [*fairness_plots, *office_plots, *simulation_plots]:
        (out / f"{p.name}.png").write_bytes(p.png)
    return files
