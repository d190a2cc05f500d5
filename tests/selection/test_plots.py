"""The audit's picture: a PNG any image reader opens, quickly even for a national draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib import image
from PIL import Image

from muster.errors import MusterError
from muster.selection.plots import plot_audit
from muster.selection.randomness import audit_ranks

DATA = Path(__file__).parent / "data"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as picture:
        picture.verify()
    pixels = image.imread(path)
    assert pixels.shape[0] > 400 and pixels.shape[1] > 600


def test_plot_of_the_1969_draw_is_a_png(tmp_path: Path) -> None:
    frame = pl.read_csv(DATA / "draft-1969.csv", comment_prefix="#", try_parse_dates=True)
    audit = audit_ranks(frame["birth_date"], frame["draft_number"])
    path = tmp_path / "draft-1969.png"
    plot_audit(frame["birth_date"], frame["draft_number"], audit, path)
    assert_png(path)


def test_plot_of_a_large_draw_by_region_samples_the_scatter(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 300_000
    keys = pl.Series(
        "region_code", np.array([f"R{i:02d}" for i in range(85)])[rng.integers(0, 85, n)]
    )
    ranks = pl.Series("rank", rng.permutation(n) + 1)
    audit = audit_ranks(keys, ranks)
    path = tmp_path / "regions.png"
    plot_audit(keys, ranks, audit, path)
    assert_png(path)


def test_plot_by_decile_of_a_number(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    keys = pl.Series("age", rng.integers(18, 60, 5_000))
    ranks = pl.Series("rank", rng.permutation(5_000) + 1)
    path = tmp_path / "age.png"
    plot_audit(keys, ranks, audit_ranks(keys, ranks), path)
    assert_png(path)


def test_plot_into_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    keys, ranks = pl.Series("k", [1, 2, 3]), pl.Series("r", [3, 1, 2])
    with pytest.raises(MusterError, match="does not exist"):
        plot_audit(keys, ranks, audit_ranks(keys, ranks), tmp_path / "none" / "p.png")
