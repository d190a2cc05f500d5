"""The report as PDF (fpdf2, DejaVu Sans as Matplotlib ships it): the title, every table,
every picture."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fpdf import FPDF

if TYPE_CHECKING:
    from muster.oversight.plots import Plot
    from muster.oversight.report import Table

MAX_ROWS = 40  # longer tables are in the CSV and XLSX files
MAX_COLUMNS = 11


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path(), "fonts", "ttf")


def write_pdf(path: Path, *, title: str, tables: Sequence[Table], pictures: Sequence[Plot]) -> None:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title)
    pdf.ln(2)
    for t in tables:
        if not t.rows:
            continue
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(0, 6, t.title)
        size = 7 if len(t.columns) > 6 else 8
        pdf.set_font("DejaVu", "", size)
        columns = t.columns[:MAX_COLUMNS]
        with pdf.table(
            text_align="LEFT", line_height=size * 0.5, first_row_as_headings=True
        ) as table:
            table.row(columns)
            for row in t.rows[:MAX_ROWS]:
                table.row(row[:MAX_COLUMNS])
        if len(t.rows) > MAX_ROWS:
            pdf.set_font("DejaVu", "", 7)
            pdf.multi_cell(0, 4, f"… {len(t.rows) - MAX_ROWS:,} more rows in the CSV and XLSX.")
        pdf.ln(3)
    for p in pictures:
        pdf.add_page()
        pdf.set_font("DejaVu", "", 9)
        pdf.image(io.BytesIO(p.png), w=pdf.epw)
        pdf.multi_cell(0, 5, p.caption)
    pdf.output(str(path))
