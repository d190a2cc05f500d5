"""Evidence uploads: accepted by content (PDF, PNG, JPEG), at most 10 MB, stored once under
their SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from muster.cases.evidence import MAX_BYTES, store_evidence
from muster.errors import MusterError

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_pdf_is_stored_once_under_its_hash(tmp_path: Path) -> None:
    digest = hashlib.sha256(PDF).hexdigest()
    first = store_evidence(PDF, filename="certificate.pdf", folder=tmp_path)
    again = store_evidence(PDF, filename="copy.pdf", folder=tmp_path)
    assert first == f"sha256:{digest} certificate.pdf {len(PDF)}"
    assert again.startswith(f"sha256:{digest} ")
    assert [p.name for p in tmp_path.iterdir()] == [digest]
    assert (tmp_path / digest).read_bytes() == PDF


def test_the_folder_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSTER_EVIDENCE_DIR", str(tmp_path / "store"))
    store_evidence(PDF, filename="a.pdf")
    assert (tmp_path / "store" / hashlib.sha256(PDF).hexdigest()).is_file()


@pytest.mark.parametrize(
    ("data", "name", "found"),
    [
        (b"MZ\x90\x00" + b"\x00" * 60, "certificate.pdf", "a Windows executable"),
        (b"I certify that he works here.", "letter.txt", "plain text"),
    ],
)
def test_other_types_are_refused_naming_what_they_are(
    tmp_path: Path, data: bytes, name: str, found: str
) -> None:
    with pytest.raises(MusterError, match=f"{name}: evidence is {found}; expected a PDF, PNG"):
        store_evidence(data, filename=name, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_document_over_the_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    data = PDF + b"\x00" * (11 * 1024 * 1024)
    assert len(data) > MAX_BYTES
    with pytest.raises(MusterError, match="over the limit of 10,485,760 bytes \\(10 MB\\)"):
        store_evidence(data, filename="scan.pdf", folder=tmp_path)
    assert list(tmp_path.iterdir()) == []
