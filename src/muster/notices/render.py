"""The notice document: HTML and PDF from one template, and the printed fields read back.

``notice_html`` renders ``templates/notice.html.j2``; ``notice_pdf`` lays out the blocks of
that same page (headings, paragraphs, lists, label and value rows, the QR code) on A4 with
fpdf2, so both say the same thing in the same words and one catalog translates both.
``read_document`` reads back what a document prints, for the verifier to compare with the
record: by element id in HTML, by labelled line ("Report on: 2022-09-28") in a PDF.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import segno
from markupsafe import Markup

from muster.errors import MusterError
from muster.notices.layout import NoticePage
from muster.notices.schemas import NoticeDocument, PrintedNotice

TEMPLATES = Path(__file__).parent / "templates"

# Each printed field a verifier reads: its element id in the HTML, its label in the PDF.
FIELDS = {
    "number": ("notice-number", "Notice number"),
    "code": ("notice-code", "Verification code"),
    "national_id": ("national-id", "National id"),
    "issued_on": ("issued-on", "Issued on"),
    "report_on": ("report-on", "Report on"),
    "office_code": ("office-code", "Office code"),
}

BOLD = ("h1", "h2", "row")  # blocks printed in bold (a row's label)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as inline SVG (no size: CSS sizes it), error correction M or
    better where that costs no extra size."""
    return segno.make_qr(text, error="m").svg_inline(omitsize=True, svgclass=None, lineclass=None)


def qr_png(text: str) -> bytes:
    """The same QR code as a PNG, 4 pixels a module (crisp at 34 mm even where a viewer
    smooths images), with the standard 4-module margin."""
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=4)
    return out.getvalue()


def _page(doc: NoticeDocument, qr: str) -> str:
    template = _environment().get_template("notice.html.j2")
    return template.render(doc=doc, qr=Markup(qr), lang="en")


def notice_html(doc: NoticeDocument) -> str:
    """The notice as one self-contained HTML page: inline CSS, the QR as inline SVG."""
    return _page(doc, qr_svg(doc.verify_url))


@dataclass(frozen=True)
class _Block:
    kind: str  # h1, h2, p, caption, inset, li, row (a dt and its dd), qr (its caption)
    text: str
    label: str = ""


class _Blocks(HTMLParser):
    """The notice page as blocks to lay out, with its title, description and language."""

    TEXT = frozenset({"title", "h1", "h2", "p", "li", "dt", "dd", "figcaption"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.blocks: list[_Block] = []
        self.title = self.description = self.lang = self._label = ""
        self._kind: str | None = None
        self._text: list[str] = []
        self._skip, self._inset = 0, False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "html":
            self.lang = attr.get("lang") or ""
        elif tag == "meta" and attr.get("name") == "description":
            self.description = attr.get("content") or ""
        elif tag in ("style", "svg"):
            self._skip += 1
        elif tag == "div" and attr.get("class") == "inset":
            self._inset = True
        elif tag in self.TEXT:
            self._kind, self._text = tag, []
            if tag == "p" and self._inset:
                self._kind = "inset"
            elif tag == "p" and attr.get("class") == "caption":
                self._kind = "caption"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg"):
            self._skip -= 1
        elif tag == "div":
            self._inset = False
        if self._kind is None or tag not in self.TEXT:
            return
        text, kind, self._kind = " ".join("".join(self._text).split()), self._kind, None
        if kind == "title":
            self.title = text
        elif kind == "dt":
            self._label = text
        elif kind == "dd":
            self.blocks.append(_Block("row", text, self._label))
        else:
            self.blocks.append(_Block("qr" if kind == "figcaption" else kind, text))

    def handle_data(self, data: str) -> None:
        if self._kind is not None and not self._skip:
            self._text.append(data)


def notice_pdf(doc: NoticeDocument) -> bytes:
    """The notice as an A4 PDF: the blocks of the HTML page, the QR code as a PNG image.

    The same document gives the same bytes (the PDF's date is the issue date).
    """
    page = _Blocks(_page(doc, ""))
    bold = [b.label + ":" if b.kind == "row" else b.text for b in page.blocks if b.kind in BOLD]
    regular = [b.text for b in page.blocks if b.kind not in ("h1", "h2")] + [page.title, "•·/"]
    used = {"B": set(map(ord, "".join(bold))), "": set(map(ord, "".join(regular)))}
    pdf = NoticePage(page.title, used)
    pdf.set_title(page.title)
    pdf.set_subject(page.description)
    pdf.set_author(doc.office_name)
    pdf.set_creator("Muster")
    pdf.set_lang(page.lang)
    pdf.set_creation_date(datetime.combine(doc.issued_on, time(), UTC))
    pdf.add_page()
    for block, after in zip(page.blocks, [*page.blocks[1:], None], strict=True):
        if block.kind == "h1":
            pdf.paragraph(block.text, "B", 22, after=1)
        elif block.kind == "caption":
            pdf.paragraph(block.text, "", 12, colour=pdf.GREY)
        elif block.kind == "h2":
            pdf.heading(block.text, keep=6.5 if after and after.kind == "row" else 10)
        elif block.kind == "inset":
            pdf.paragraph(block.text, indent=6, after=3)
        elif block.kind == "li":
            last = after is None or after.kind != "li"
            pdf.paragraph(block.text, indent=5, after=2.0 if last else 0.8, bullet="•")
        elif block.kind == "row":
            pdf.row(block.label, block.text)
        elif block.kind == "qr":
            pdf.qr(qr_png(doc.verify_url), block.text)
        else:
            pdf.paragraph(block.text)
    return bytes(pdf.output())


class _IdText(HTMLParser):
    """The text of every element whose id is one of ``ids``, per occurrence."""

    def __init__(self, html: str, ids: set[str]) -> None:
        super().__init__()
        self.ids, self.found, self.open = ids, dict[str, list[str]](), list[tuple[str, str]]()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        id_ = dict(attrs).get("id") or ""
        if id_ in self.ids:
            self.found.setdefault(id_, []).append("")
        self.open.append((tag, id_ if id_ in self.ids else ""))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open element of this tag and all inside it (an element left
        open, like ``<br>`` or a bad edit, ends with the one around it)."""
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        for _, id_ in self.open:
            if id_:
                self.found[id_][-1] += data


def read_document(path: Path) -> PrintedNotice:
    """What a notice document prints, read back: an HTML page by element id, a PDF (needs
    pypdf) by labelled line. A field the document does not show is ``None``; a document that
    shows neither a notice number nor a verification code is not a notice."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MusterError(f"{path}: cannot read the notice document: {exc.strerror}") from None
    if data.startswith(b"%PDF-"):
        texts, names = _pdf_fields(path, data)
    elif path.suffix.lower() == ".pdf":
        raise MusterError(f"{path}: not a PDF file (it does not start with %PDF-)")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MusterError(
                f"{path}: not a notice document: neither a PDF nor UTF-8 HTML"
            ) from None
        reader = _IdText(text, {id_ for id_, _ in FIELDS.values()})
        names = {name: f"id {id_}" for name, (id_, _) in FIELDS.items()}
        texts = {name: reader.found.get(id_, []) for name, (id_, _) in FIELDS.items()}
    return _printed(path, texts, names)


def _pdf_fields(path: Path, data: bytes) -> tuple[dict[str, list[str]], dict[str, str]]:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise MusterError(
            f"{path}: reading a PDF notice needs pypdf (pip install 'pypdf>=5,<8'); "
            "or check the HTML notice instead"
        ) from None
    try:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    except Exception as exc:  # pypdf raises many kinds on a damaged file; none is a user's bug
        raise MusterError(f"{path}: not a readable PDF: {exc}") from None
    texts = {
        name: re.findall(rf"^[ \t]*{re.escape(label)}:[ \t]*(.*?)[ \t]*$", text, re.MULTILINE)
        for name, (_, label) in FIELDS.items()
    }
    return texts, {name: f'"{label}:"' for name, (_, label) in FIELDS.items()}


def _printed(path: Path, texts: dict[str, list[str]], names: dict[str, str]) -> PrintedNotice:
    values: dict[str, str | int | date] = {}
    problems: list[str] = []
    for name, found in texts.items():
        tokens = {text.split()[0] for text in found if text.split()}
        if len(tokens) > 1:
            shown = ", ".join(f'"{t}"' for t in sorted(tokens))
            problems.append(
                f"{names[name]}: printed {len(found)} times with different values ({shown})"
            )
        if len(tokens) != 1:
            continue
        token = tokens.pop()
        if name == "number":
            if re.fullmatch(r"[0-9]+", token):
                values[name] = int(token)
            else:
                problems.append(
                    f'{names[name]}: "{token}" is not a notice number (expected digits)'
                )
        elif name in ("issued_on", "report_on"):
            try:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", token):
                    raise ValueError
                values[name] = date.fromisoformat(token)
            except ValueError:
                problems.append(f'{names[name]}: "{token}" is not a date (expected YYYY-MM-DD)')
        else:
            values[name] = token
    if problems:
        raise MusterError(f"{path}: " + "; ".join(problems))
    if "number" not in values and "code" not in values:
        missing = ", ".join(names[name] for name in FIELDS if name not in values)
        raise MusterError(
            f"{path}: not a call-up notice: it shows neither a notice number nor a "
            f"verification code (not found: {missing})"
        )
    return PrintedNotice.model_validate(values)
