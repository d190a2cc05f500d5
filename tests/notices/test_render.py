"""The notice document: what it shows as HTML and PDF, and what a verifier reads back."""

from __future__ import annotations

import gettext
import io
import re
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from muster.errors import MusterError
from muster.notices import codes, render
from muster.notices.render import notice_html, notice_pdf, qr_png, qr_svg, read_document
from muster.notices.schemas import NoticeDocument, PrintedNotice

SIGNED = codes.Signed(
    1234567, "4081512345", date(2022, 9, 25), date(2022, 9, 28), "R07-003", 7, "4", "first"
)
CODE = codes.encode(key_id=1, key=b"test-key", signed=SIGNED)
URL = f"https://verify.muster.example/n/{codes.normalise(CODE)}"
PRINTED = PrintedNotice(
    number=1234567,
    code=CODE,
    national_id="4081512345",
    issued_on=date(2022, 9, 25),
    report_on=date(2022, 9, 28),
    office_code="R07-003",
)


def notice(**changes: object) -> NoticeDocument:
    fields: dict[str, object] = {
        "number": 1234567,
        "kind": "first",
        "code": CODE,
        "verify_url": URL,
        "issued_on": date(2022, 9, 25),
        "report_on": date(2022, 9, 28),
        "report_time": "10:30",
        "office_code": "R07-003",
        "office_name": "Lakeside district 3 office",
        "office_address": "1 Office Square, Lakeside district 3",
        "region_name": "Lakeside Region",
        "national_id": "4081512345",
        "family_name": "Kowalski",
        "given_name": "Jan",
        "address": "12 Mill Lane, flat 4, Lakeside",
        "decree_id": "partial-mobilization-2022",
        "decree_title": "Partial mobilization of reservists",
        "decree_version": 4,
        "legal_source": "Decree on the announcement of partial mobilization of 21 September 2022",
        "campaign_id": 7,
        "claim_within_days": 10,
        "claim_deadline": date(2022, 10, 5),
    }
    return NoticeDocument.model_validate(fields | changes)


# What each notice must show, as a reader sees it.
SHOWN = [
    "Call-up notice", "1234567", CODE, URL, "2022-09-25",
    "2022-09-28", "Wednesday 28 September 2022", "10:30", "R07-003", "Lakeside district 3 office",
    "1 Office Square, Lakeside district 3", "Lakeside Region", "4081512345", "Jan Kowalski",
    "12 Mill Lane, flat 4, Lakeside", "partial-mobilization-2022",
    "Partial mobilization of reservists", "Decree version", "Campaign",
    "Decree on the announcement of partial mobilization of 21 September 2022",
    "until Wednesday 5 October 2022", "within 10 days", "an exemption", "a deferral",
    "called up by mistake", "unfit for service", "at the office, online, or by post",
    "will not be enlisted", "report date moves until the claim is decided",
    "appeal to a higher board", "genuine",
]  # fmt: skip


class _Page(HTMLParser):
    """Visible text, every attribute, and whether tags nest properly."""

    VOID = frozenset({"meta", "link", "br", "img", "hr", "input"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.feed(html)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not {"style", "title", "svg"} & set(self.stack):
            self.text.append(data)

    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def ids_of(html: str) -> dict[str, str]:
    """The text of each element with an id, read with a regular expression, no parser."""
    pattern = r'id="([a-z-]+)"[^>]*>([^<]*)<'
    return {m[1]: m[2] for m in re.finditer(pattern, html)}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_html_shows_every_field_and_the_rights_in_plain_words() -> None:
    page = _Page(notice_html(notice()))
    shown = page.visible()
    for text in SHOWN:
        assert text in shown, text
    assert "repeat" not in shown.lower()


def test_the_html_parses_with_nesting_a_language_headings_and_one_h1() -> None:
    html = notice_html(notice())
    page = _Page(html)
    assert page.errors == []
    assert html.startswith("<!DOCTYPE html>")
    assert ("html", "lang", "en") in page.attrs
    assert page.tags.count("h1") == 1 and page.tags.count("h2") == 5
    assert page.tags.count("dt") == page.tags.count("dd") > 0
    assert "@media print" in html and "size: A4" in html


def test_the_html_holds_each_checked_field_in_an_element_with_its_id() -> None:
    found = ids_of(notice_html(notice()))
    assert found["notice-number"] == "1234567"
    assert found["notice-code"] == CODE
    assert found["national-id"] == "4081512345"
    assert (found["issued-on"], found["report-on"]) == ("2022-09-25", "2022-09-28")
    assert found["office-code"] == "R07-003"


def test_the_html_loads_nothing_and_links_only_to_the_check_page() -> None:
    html = notice_html(notice())
    page = _Page(html)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    assert [v for _, name, v in page.attrs if name in ("src", "srcset", "action")] == []
    assert [v for _, name, v in page.attrs if name == "href"] == [URL]
    assert "url(" not in html and "@import" not in html
    assert set(re.findall(r"https?://[^\s\"<>,]+", html)) == {URL}
    assert "default-src 'none'" in html


def test_a_hostile_name_is_shown_as_text_never_as_markup() -> None:
    html = notice_html(
        notice(given_name="<script>alert(1)</script>", family_name='"><img src=x onerror=alert(1)>')
    )
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" in _Page(html).visible()


def test_a_check_page_address_that_is_not_a_web_address_is_not_made_a_link() -> None:
    html = notice_html(notice(verify_url="javascript:alert(1)"))
    assert "href=" not in html and "javascript:alert(1)" in html


class _Marked(gettext.NullTranslations):
    """A stand-in catalog that marks every message it translates: «message»."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"


def test_every_sentence_of_the_notice_can_be_translated() -> None:
    env = render._environment()
    env.install_gettext_translations(_Marked(), newstyle=True)
    try:
        shown = _Page(notice_html(notice(kind="repeat"))).visible()
    finally:
        env.install_null_translations(newstyle=True)
    while "«" in shown:
        shown = re.sub(r"«[^«»]*»", " ", shown)
    for value in notice().model_dump(mode="json").values():
        shown = shown.replace(str(value), " ")
    assert re.findall(r"[A-Za-z]{2,}", shown) == []


def _svg_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules of segno's one-path SVG: M/m moves, h draws a horizontal run."""
    path = re.search(r' d="([^"]+)"', svg)
    assert path is not None
    x = y = 0.0
    dark = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path[1]):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(x) + i, int(y)) for i in range(int(float(a)))}
            x += float(a)
    return dark


def _matrix_modules(text: str) -> set[tuple[int, int]]:
    rows = segno.make_qr(text, error="m").matrix_iter(border=4)
    return {(x, y) for y, row in enumerate(rows) for x, bit in enumerate(row) if bit}


def test_the_qr_in_the_html_encodes_the_check_page_address() -> None:
    html = notice_html(notice())
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    assert svg == qr_svg(URL)
    assert _svg_modules(svg) == _matrix_modules(URL)
    assert _svg_modules(svg) != _matrix_modules(URL + "X")
    assert segno.make_qr(URL, error="m").error in ("M", "Q", "H")


def test_the_qr_png_has_the_same_modules() -> None:
    image = Image.open(io.BytesIO(qr_png(URL))).convert("L")
    side = image.width // 4
    centres = {
        (x, y): image.getpixel((x * 4 + 2, y * 4 + 2)) for x in range(side) for y in range(side)
    }
    assert {module for module, grey in centres.items() if grey < 128} == _matrix_modules(URL)


def test_a_repeat_notice_says_it_repeats_an_unanswered_notice() -> None:
    shown = _Page(notice_html(notice(kind="repeat"))).visible()
    assert "Repeat notice" in shown
    assert "repeats an earlier call-up notice" in shown
    assert "did not report on its date and did not file a claim" in shown
    assert "Repeat notice" in pdf_text(notice_pdf(notice(kind="repeat")))


def test_the_pdf_is_one_a4_page_with_the_same_content_and_labelled_lines() -> None:
    data = notice_pdf(notice(kind="repeat"))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata is not None
    assert reader.metadata.title == "Call-up notice 1234567"
    assert "Partial mobilization of reservists" in (reader.metadata.subject or "")
    text = pdf_text(data)
    flat = " ".join(text.split())
    for shown in SHOWN:
        assert shown in flat, shown
    lines = set(text.splitlines())
    assert {
        "Notice number: 1234567",
        f"Verification code: {CODE}",
        "National id: 4081512345",
        "Issued on: 2022-09-25 (Sunday 25 September 2022)",
        "Report on: 2022-09-28 (Wednesday 28 September 2022)",
        "Office code: R07-003",
    } <= lines


def test_the_same_notice_gives_the_same_pdf_dated_its_issue_day() -> None:
    data = notice_pdf(notice())
    assert data == notice_pdf(notice())
    assert data != notice_pdf(notice(report_on=date(2022, 9, 29)))
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata.creation_date is not None
    assert reader.metadata.creation_date.date() == date(2022, 9, 25)


@pytest.mark.parametrize(
    ("given", "family"),
    [("Пётр", "Иванов"), ("Ґлорія", "Ющенко-Їжак"), ("Θεόδωρος", "Παπαδόπουλος"),
     ("გიორგი", "ბერიძე")],
)  # fmt: skip
def test_a_name_in_any_script_prints_and_can_be_read_from_the_pdf(given: str, family: str) -> None:
    text = pdf_text(notice_pdf(notice(given_name=given, family_name=family)))
    assert f"Name: {given} {family}" in text.splitlines()


def test_a_long_address_wraps_and_the_notice_continues_on_a_numbered_page(tmp_path: Path) -> None:
    address = "Flat 1204, " + "Very Long Street Name " * 30 + "Lakeside"
    data = notice_pdf(notice(kind="repeat", address=address))
    assert len(PdfReader(io.BytesIO(data)).pages) == 2
    flat = " ".join(pdf_text(data).split())
    assert address in flat and "Call-up notice 1234567 · 2/2" in flat
    assert read_document(_write(tmp_path, data, "notice.pdf")) == PRINTED


def _write(folder: Path, data: bytes | str, name: str | None) -> Path:
    path = folder / (name or "notice.bin")
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_the_printed_fields_read_back_from_the_html_and_the_pdf(tmp_path: Path, kind: str) -> None:
    data = notice_html(notice()) if kind == "html" else notice_pdf(notice())
    assert read_document(_write(tmp_path, data, f"notice.{kind}")) == PRINTED


def test_a_pdf_is_recognised_by_its_content_and_html_by_any_name(tmp_path: Path) -> None:
    assert read_document(_write(tmp_path, notice_pdf(notice()), "download")) == PRINTED
    assert read_document(_write(tmp_path, notice_html(notice()), "saved.txt")) == PRINTED


def test_an_edited_report_date_reads_back_as_edited(tmp_path: Path) -> None:
    html = notice_html(notice())
    edited = html.replace(">2022-09-28<", ">2022-10-28<")
    assert edited != html
    printed = read_document(_write(tmp_path, edited, "notice.html"))
    assert printed.report_on == date(2022, 10, 28)
    assert printed.model_copy(update={"report_on": PRINTED.report_on}) == PRINTED


def test_a_field_removed_from_the_document_reads_back_as_missing(tmp_path: Path) -> None:
    html = re.sub(r'<dd id="national-id">[^<]*</dd>', "<dd></dd>", notice_html(notice()))
    assert read_document(_write(tmp_path, html, "notice.html")).national_id is None


def test_a_text_file_is_not_a_notice_and_the_message_names_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "Dear Jan,\nplease come round on Friday.\n", "letter.txt")
    with pytest.raises(MusterError) as caught:
        read_document(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not a call-up notice")
    assert "notice-number" in message and "notice-code" in message


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"%PDF-1.7\nthis is not a PDF body", "notice.pdf", "not a readable PDF"),
        (b"GIF89a\x00\x01", "notice.pdf", "not a PDF file (it does not start with %PDF-)"),
        (b"\xff\xfe\x00\x00binary", "notice.html", "neither a PDF nor UTF-8 HTML"),
        ('<p id="notice-number">12</p><p id="report-on">28.10.2022</p>', "n.html",
         'id report-on: "28.10.2022" is not a date (expected YYYY-MM-DD)'),
        ('<p id="notice-number">12a</p>', "n.html", '"12a" is not a notice number'),
        ('<p id="notice-number">12</p><p id="notice-number">13</p>', "n.html",
         'id notice-number: printed 2 times with different values ("12", "13")'),
    ],
)  # fmt: skip
def test_a_damaged_document_is_a_message_not_a_traceback(
    tmp_path: Path, content: bytes | str, name: str, expected: str
) -> None:
    path = _write(tmp_path, content, name)
    with pytest.raises(MusterError, match=re.escape(expected)) as caught:
        read_document(path)
    assert str(caught.value).startswith(str(path))


def test_a_missing_file_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(MusterError, match="cannot read the notice document"):
        read_document(tmp_path / "nowhere.pdf")


def test_reading_a_pdf_without_pypdf_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, notice_pdf(notice()), "notice.pdf")
    monkeypatch.setitem(sys.modules, "pypdf", None)
    with pytest.raises(MusterError, match=r"needs pypdf .* or check the HTML notice instead"):
        read_document(path)
