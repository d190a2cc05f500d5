"""The notice's A4 page in fpdf2: DejaVu Sans, a word wrap of its own, rows and paragraphs.

Speed is most of what this module is about (a campaign prints hundreds of thousands of
notices), and fonts are most of a page's time. So:

- each face of DejaVu Sans is cut once per process to the characters most names are written
  in, and a document uses the smallest cut copy that has every character it prints
  (subsetting on output takes time with every glyph of the font, and DejaVu Sans has 6,000);
- fpdf2 parses each font file once per process; documents get copies that share the parsed
  tables (``TTFFont.__deepcopy__``, fpdf2's own way for ``FPDFRecorder``, here also sharing
  the widths and glyph ids, which are only read), with a subset map of their own and a font
  object of their own, opened lazily from bytes in memory, as subsetting changes the font it
  is given. It is opened without recalculating glyph bounding boxes, which would decode and
  encode again every glyph printed;
- text is measured with the face's advance widths, read once, and drawn with ``FPDF.text``:
  ``cell`` and ``multi_cell`` run markdown, bidi and shaping passes on every call.
"""

from __future__ import annotations

import copy
import functools
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

_LATIN = ((0x20, 0x7E), (0xA0, 0x17F), (0x2010, 0x2027), (0x2030, 0x203A), (0x20AC, 0x20AC))
# Per face, its cut copies, smallest first: a document uses the first that has every
# character it prints in that face, else the whole font. Bold prints the template's words
# (headings, labels); regular also names and addresses: first Latin and Russian, Ukrainian
# and Belarusian letters, then all of Latin, Greek and Cyrillic.
CUTS = {
    "B": (_LATIN,),
    "": ((*_LATIN, (0x400, 0x45F), (0x490, 0x491), (0x2116, 0x2116)),
         (*_LATIN, (0x180, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x52F),
          (0x2116, 0x2116), (0x20BD, 0x20BD))),
}  # fmt: skip
FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class Face:
    """One style of DejaVu Sans: the whole font, its cut copies with the characters each
    has, and the advance width of every character (in em)."""

    whole: Path
    cuts: tuple[tuple[Path, frozenset[int]], ...]
    advance: dict[int, float]
    notdef: float

    def file(self, text: set[int]) -> Path:
        return next((path for path, covers in self.cuts if text <= covers), self.whole)


@dataclass(frozen=True)
class Fonts:
    faces: dict[str, Face]
    folder: tempfile.TemporaryDirectory[str]  # the cut copies, removed when Python exits


@functools.cache
def fonts() -> Fonts:
    """DejaVu Sans as matplotlib ships it, each face cut once (fpdf2 reads fonts from files)."""
    folder = tempfile.TemporaryDirectory(prefix="muster-fonts-")
    options = subset.Options(layout_features=[], hinting=False, name_IDs=["*"], glyph_names=True)
    options.notdef_outline = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "hdmx", "FFTM", "MATH"]
    faces = {}
    for style, name in FILES.items():
        whole = Path(matplotlib.get_data_path(), "fonts", "ttf", name)
        font = TTFont(whole, recalcTimestamp=False)
        units, metrics = font["head"].unitsPerEm, font["hmtx"].metrics
        advance = {c: metrics[g][0] / units for c, g in font.getBestCmap().items()}
        cuts = []
        for i, ranges in enumerate(CUTS[style]):
            cut = TTFont(whole, recalcTimestamp=False)
            cutter = subset.Subsetter(options)
            cutter.populate(unicodes={c for low, high in ranges for c in range(low, high + 1)})
            cutter.subset(cut)
            path = Path(folder.name, f"{i}-{name}")
            cut.save(path)
            cuts.append((path, frozenset(cut.getBestCmap())))
        faces[style] = Face(whole, tuple(cuts), advance, metrics[".notdef"][0] / units)
    return Fonts(faces, folder)


@functools.cache
def _parsed(path: Path, style: str) -> tuple[TTFFont, bytes]:
    """A font file as fpdf2 parses it, and its bytes; once per process."""
    pdf = FPDF()
    pdf.add_font("DejaVu", style, path)
    font = next(iter(pdf.fonts.values()))
    assert isinstance(font, TTFFont)
    return font, path.read_bytes()


class NoticePage(FPDF):
    """A4 pages of label and value rows, paragraphs and headings, a QR code top right."""

    MARGIN, LABEL, QR, LEADING = 15.0, 42.0, 34.0, 1.2
    GREY, INK = (80, 90, 95), (11, 12, 12)

    def __init__(self, title: str, used: dict[str, set[int]]) -> None:
        """``used``: the characters each face will print, which decide the font files."""
        super().__init__(format="A4")
        self.notice_title, self.reserved_until, self.faces = title, 0.0, fonts().faces
        for style, face in self.faces.items():
            parsed, data = _parsed(face.file(used[style]), style)
            shared = {id(parsed.cw): parsed.cw, id(parsed.glyph_ids): parsed.glyph_ids}
            font = copy.deepcopy(parsed, memo=shared)
            font.ttfont = TTFont(
                io.BytesIO(data), lazy=True, recalcBBoxes=False, recalcTimestamp=False
            )
            font.subset, font.i = SubsetMap(font), len(self.fonts) + 1
            self.fonts[font.fontkey] = font
        self.set_margins(self.MARGIN, self.MARGIN)
        self.set_auto_page_break(False)
        self.set_draw_color(177, 180, 182)
        self.set_fill_color(177, 180, 182)
        self.face = self.faces[""]

    def use(self, style: str, size: float) -> None:
        self.set_font("DejaVu", style, size)
        self.face = self.faces[style]

    def measure(self, text: str) -> float:
        advance, notdef = self.face.advance, self.face.notdef
        return sum(advance.get(ord(c), notdef) for c in text) * self.font_size

    def footer(self) -> None:
        self.set_xy(self.MARGIN, self.h - 11)
        self.use("", 8)
        self.cell(0, 4, f"{self.notice_title} · {self.page_no()}/{{nb}}", align="R")

    def room(self, height: float) -> float:
        """Start a new page unless ``height`` fits; the y to draw at."""
        if self.get_y() + height > self.h - 14:
            self.add_page()
            self.reserved_until = 0.0
        return self.get_y()

    def width(self) -> float:
        return self.epw - (self.QR + 4 if self.get_y() < self.reserved_until else 0)

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap in the current face; a word wider than a line is cut."""
        space, lines, line, used = self.measure(" "), [], "", 0.0
        for word in text.split():
            size = self.measure(word)
            if line and used + space + size <= width:
                line, used = f"{line} {word}", used + space + size
                continue
            if line:
                lines.append(line)
            while size > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and self.measure(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                size = self.measure(word)
            line, used = word, size
        return [*lines, line]

    def lines(self, lines: list[str], x: float, y: float) -> float:
        """Draw lines from (x, y), top of the first line; the height they took."""
        leading = self.font_size * self.LEADING
        for i, text in enumerate(lines):
            self.text(x, y + i * leading + 0.5 * leading + 0.3 * self.font_size, text)
        return len(lines) * leading

    def paragraph(
        self,
        text: str,
        style: str = "",
        size: float = 10,
        *,
        indent: float = 0,
        after: float = 2.0,
        bullet: str = "",
        colour: tuple[int, int, int] = INK,
    ) -> None:
        """Wrapped text; with an indent and no bullet, a grey bar to its left (an inset)."""
        self.use(style, size)
        self.set_text_color(*colour)
        lines = self.wrap(text, self.width() - indent)
        y = self.room(len(lines) * self.font_size * self.LEADING)
        if bullet:
            self.lines([bullet], self.l_margin, y)
        height = self.lines(lines, self.l_margin + indent, y)
        if indent and not bullet:
            self.rect(self.l_margin, y - 1, 2.5, height + 2, style="F")
        self.set_text_color(*self.INK)
        self.set_y(y + height + after)

    def heading(self, text: str, keep: float) -> None:
        """A section heading, on the next page unless ``keep`` mm more fit after it."""
        self.room(2.5 + 6 + keep)
        self.set_y(self.get_y() + 2.5)
        self.paragraph(text, "B", 12, after=1)

    def row(self, label: str, value: str) -> None:
        """A label and its value, drawn in that order on one baseline (so text extraction
        reads "Label: value"), and a rule under them."""
        self.use("B", 10)
        labels = self.wrap(f"{label}:", self.LABEL - 3)
        self.use("", 10)
        values = self.wrap(value, self.width() - self.LABEL)
        height = max(len(labels), len(values)) * self.font_size * self.LEADING + 1.6
        y, right = self.room(height), self.l_margin + self.width()
        self.use("B", 10)
        self.lines(labels, self.l_margin, y + 0.8)
        self.use("", 10)
        self.lines(values, self.l_margin + self.LABEL, y + 0.8)
        self.line(self.l_margin, y + height, right, y + height)
        self.set_y(y + height)

    def qr(self, png: bytes, caption: str) -> None:
        """The QR code at the top right of the page, its caption under it; the text beside
        it is narrowed."""
        self.use("", 8)
        x, y, back = self.l_margin + self.epw - self.QR, self.t_margin, self.get_y()
        self.image(io.BytesIO(png), x=x, y=y, w=self.QR, h=self.QR)
        self.set_text_color(*self.GREY)
        self.reserved_until = y + self.QR + self.lines(self.wrap(caption, self.QR), x, y + self.QR)
        self.set_text_color(*self.INK)
        self.set_y(back)
