"""Message catalogs (Babel): every text the pages show goes through ``_()``, so a language is
added by translating ``locale/messages.pot`` into ``locale/<lang>/LC_MESSAGES/messages.po``.

Catalogs are compiled in memory when first used; there is no build step.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).parent / "locale"
SOURCE = "en"


@cache
def languages() -> tuple[str, ...]:
    """The source language and every language with a catalog (read once per process)."""
    found = sorted(
        p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()
    )
    return (SOURCE, *[lang for lang in found if lang != SOURCE])


@cache
def translations(lang: str) -> gettext.NullTranslations:
    po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    if lang == SOURCE or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def pick(*, query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language asked for: ``?lang=``, then the ``muster_lang`` cookie, then the
    browser's Accept-Language; the source language if none is available."""
    known = languages()
    for wanted in (query, cookie):
        if wanted in known:
            return wanted
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        for candidate in (tag, tag.split("-")[0]):
            if candidate in known:
                return candidate
    return SOURCE
