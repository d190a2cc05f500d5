"""Evidence for claims: uploaded documents, accepted by what their bytes are (never by their
name), limited in size, and stored once under their SHA-256 so the same document uploaded
twice is kept once and a stored file can always be checked against its claim."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from muster.config import get_settings
from muster.errors import MusterError

MAX_BYTES = 10 * 1024 * 1024
# What a document's first bytes must be, and the type that makes it.
ACCEPTED = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
)
# Recognised but refused, so the message can name what was sent.
REFUSED = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"GIF8", "a GIF image"),
)


def kind_of(data: bytes) -> str | None:
    """The accepted type the bytes are (``PDF``, ``PNG``, ``JPEG``), or None."""
    return next((name for magic, name in ACCEPTED if data.startswith(magic)), None)


def _describe(data: bytes) -> str:
    named = next((name for magic, name in REFUSED if data.startswith(magic)), None)
    if named:
        return named
    if not data:
        return "an empty file"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "an unrecognised binary file"
    return "plain text"


def evidence_dir() -> Path:
    return Path(get_settings().evidence_dir)


def store_evidence(data: bytes, *, filename: str, folder: Path | None = None) -> str:
    """Check and store a document; return what the claim records about it:
    ``sha256:<hex> <filename> <bytes>``. Stored under its hash, written atomically."""
    name = Path(filename).name or "evidence"
    if len(data) > MAX_BYTES:
        raise MusterError(
            f"{name}: evidence is {len(data):,} bytes, over the limit of {MAX_BYTES:,} bytes "
            f"({MAX_BYTES // (1024 * 1024)} MB); send a smaller scan"
        )
    kind = kind_of(data)
    if kind is None:
        raise MusterError(
            f"{name}: evidence is {_describe(data)}; expected a PDF, PNG or JPEG document "
            "(recognised by its content, not its name)"
        )
    digest = hashlib.sha256(data).hexdigest()
    target_dir = folder if folder is not None else evidence_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / digest
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return f"sha256:{digest} {name.replace(' ', '_')} {len(data)}"
