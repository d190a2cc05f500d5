"""The notice document as HTML, from one translatable template with its QR code inline.

``notice_html`` renders ``templates/notice.html.j2``.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import jinja2
import segno
from markupsafe import Markup

from muster.notices.schemas import NoticeDocument

TEMPLATES = Path(__file__).parent / "templates"


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
