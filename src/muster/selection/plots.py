"""A picture of a lottery audit: rank against key, and the mean rank of each key group.

Drawn with Matplotlib's Agg canvas directly (no pyplot, no window, no global backend change),
so it runs on servers and in tests. Large lotteries are sampled for the scatter only
(``MAX_POINTS``, fixed seed); the trend line and the group means use every rank.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from muster.errors import MusterError
from muster.selection.randomness import key_kind
from muster.selection.schemas import LotteryAudit

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_POINTS = 50_000
TREND_BINS = 50
MAX_TICK_LABELS = 40


def _marker_style(shown: int) -> tuple[float, float]:
    """Marker size and opacity: solid dots for a few hundred points, faint specks for 50,000."""
    if shown <= 2_000:
        return 9.0, 0.8
    return 2.0, max(0.08, min(0.5, 2_000 / shown))


def _format_p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


def _title(audit: LotteryAudit) -> str:
    rho = "" if audit.spearman_rho is None else f"Spearman rho = {audit.spearman_rho:+.3f}, "
    return (
        f"{audit.rank} against {audit.key} (n = {audit.n:,}): {rho}"
        f"p = {_format_p(audit.p_value)} → {audit.verdict} (alpha {audit.alpha:g})"
    )


def plot_audit(keys: pl.Series, ranks: pl.Series, audit: LotteryAudit, path: Path) -> None:
    """Write a PNG: rank against key (scatter and trend), and the mean rank per key group.

    The lower panel shows each group's mean rank against the overall mean with a band of
    ±2 standard errors of a fair lottery's group mean: a group outside it is unusual.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not path.parent.is_dir():
        raise MusterError(f"{path}: folder {str(path.parent)!r} does not exist")
    if keys.len() != ranks.len() or keys.len() != audit.n:
        raise MusterError(f"the plot needs the {audit.n:,} keys and ranks that were audited")
    kind = key_kind(keys)
    n = audit.n
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(n, size=MAX_POINTS, replace=False)) if n > MAX_POINTS else None
    shown_keys = keys if sample is None else keys.gather(sample)
    shown_ranks = (ranks if sample is None else ranks.gather(sample)).to_numpy()

    figure = Figure(figsize=(11, 8), layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, height_ratios=(3, 2))
    size, alpha = _marker_style(shown_ranks.size)
    if kind == "category":
        labels = [g.label for g in audit.groups]
        where = {label: i for i, label in enumerate(labels)}
        codes = np.array([where[str(v)] for v in shown_keys.cast(pl.String).to_list()])
        jitter = rng.uniform(-0.35, 0.35, codes.size)
        top.scatter(codes + jitter, shown_ranks, s=size, alpha=alpha, linewidths=0)
        _category_ticks(top, labels)
    else:
        x = shown_keys.to_numpy()
        top.scatter(x, shown_ranks, s=size, alpha=alpha, linewidths=0, label="ranks")
        trend_x, trend_y = _trend(keys, ranks, shown_keys)
        top.plot(trend_x, trend_y, color="tab:red", linewidth=2, label="mean rank (trend)")
        top.legend(loc="upper right")
    top.set_xlabel(audit.key + ("" if sample is None else f" ({MAX_POINTS:,} of {n:,} shown)"))
    top.set_ylabel(audit.rank)
    top.set_title(_title(audit), fontsize=10)

    _group_panel(bottom, audit, ranks)
    figure.savefig(path, format="png", dpi=100)


def _trend(keys: pl.Series, ranks: pl.Series, shown_keys: pl.Series) -> tuple[Any, Any]:
    """Mean key and mean rank in bins of the key: the shape of any trend.

    Bin edges are quantiles of the plotted sample, so bins hold about equally many ranks;
    every rank is then binned (a search among ~50 edges, no sort of the whole column).
    """
    values = keys.to_physical().to_numpy().astype(np.float64)
    bins = min(TREND_BINS, max(2, keys.len() // 25))
    cuts = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    edges = np.unique(np.quantile(shown_keys.to_physical().to_numpy(), cuts))
    where = np.searchsorted(edges, values, side="right")
    counts = np.bincount(where, minlength=edges.size + 1)
    filled = counts > 0
    x = np.bincount(where, weights=values)[filled] / counts[filled]
    y = np.bincount(where, weights=ranks.to_numpy().astype(np.float64))[filled] / counts[filled]
    if keys.dtype == pl.Date:
        return x.round().astype("datetime64[D]"), y
    if isinstance(keys.dtype, pl.Datetime):
        return x.round().astype(f"datetime64[{keys.dtype.time_unit}]"), y
    return x, y


def _category_ticks(axes: Axes, labels: list[str]) -> None:
    step = max(1, -(-len(labels) // MAX_TICK_LABELS))
    positions = list(range(0, len(labels), step))
    crowded = len(labels) > 12 or max(len(label) for label in labels) > 6
    axes.set_xticks(
        positions, [labels[i] for i in positions], rotation=90 if crowded else 0, fontsize=8
    )


def _group_panel(axes: Axes, audit: LotteryAudit, ranks: pl.Series) -> None:
    labels = [g.label for g in audit.groups]
    counts = np.array([g.count for g in audit.groups], dtype=np.float64)
    means = np.array([g.mean_rank for g in audit.groups])
    positions = np.arange(len(labels))
    n = audit.n
    variance = float(np.var(ranks.to_numpy(), dtype=np.float64))
    # The standard error of the mean of n_g ranks drawn without replacement from all n.
    se = np.sqrt(variance / counts * (n - counts) / max(n - 1, 1))
    axes.fill_between(
        positions,
        audit.mean_rank - 2 * se,
        audit.mean_rank + 2 * se,
        step="mid",
        color="tab:gray",
        alpha=0.25,
        label="fair lottery ±2 SE",
    )
    axes.axhline(audit.mean_rank, color="tab:gray", linewidth=1)
    if audit.key_kind == "category":  # unordered groups: points, not a line between them
        axes.plot(positions, means, "o", color="tab:blue", markersize=4, label="mean rank")
    else:
        axes.step(positions, means, where="mid", color="tab:blue", linewidth=2, label="mean rank")
        axes.plot(positions, means, "o", color="tab:blue", markersize=3)
    _category_ticks(axes, labels)
    chi = (
        "no group test (one group)"
        if audit.chi_square is None
        else f"Kruskal–Wallis H = {audit.chi_square:.1f}, df = {audit.chi_square_df}, "
        f"p = {_format_p(audit.chi_square_p)}"
    )
    axes.set_title(f"Mean {audit.rank} by {audit.grouping} of {audit.key}: {chi}", fontsize=10)
    axes.set_ylabel(f"mean {audit.rank}")
    axes.legend(loc="upper right", fontsize=8)
