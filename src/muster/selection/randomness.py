"""Was a lottery fair? Tests of independence between ranks and a key, for any lottery.

``audit_ranks(keys, ranks)`` asks whether the ranks a lottery assigned depend on a key such as
the birth date or the region. Two tests, both on ranks (so any numbering of the lottery works,
and ties get their average rank):

- **Spearman's rank correlation** between key and rank, for a key with an order (dates,
  numbers): the Pearson correlation of the two columns' average ranks, with the two-sided
  p-value of ``t = rho * sqrt((n - 2) / (1 - rho²))`` on ``n - 2`` degrees of freedom (as
  ``scipy.stats.spearmanr``). It finds a trend: later dates drawn earlier, as in 1969.
- **The Kruskal–Wallis H test of the mean rank by key group** (calendar months for dates,
  deciles for numbers, the values themselves for categories such as a region code):
  with ``N`` ranks, average ranks ``r`` and ``n_g`` ranks of mean ``r̄_g`` in group ``g``,
  ``H = 12 / (N (N + 1)) · Σ_g n_g (r̄_g − (N + 1) / 2)²``, divided by the tie correction
  ``1 − Σ (t³ − t) / (N³ − N)`` over the sizes ``t`` of groups of tied ranks; under
  independence ``H`` is chi-square distributed with ``groups − 1`` degrees of freedom
  (as ``scipy.stats.kruskal``). It finds any difference between groups, ordered or not.

The p-value that decides (``p_value``) is the smaller p-value of the tests that could be made,
multiplied by their number (Bonferroni; at most 1). The verdict is ``"biased"`` when it is
below ``alpha`` (default 0.01), else ``"no evidence of bias"``: for a fair lottery the chance
of a false alarm is at most ``alpha`` per audited key.

Both statistics are computed with NumPy from rank sums and dot products, without sorting when
the values are integers in a narrow range (lottery numbers, dates): 25 million ranks are
audited in a few seconds. Pure: no database, no command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from muster.errors import MusterError
from muster.selection.schemas import Grouping, GroupMean, KeyKind, LotteryAudit, Verdict

GroupBy = Literal["auto", "month", "decile", "value"]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MIN_ROWS = 3
MAX_VALUE_GROUPS = 10_000
SMALL_GROUP = 5
AUTO_GROUPING: dict[KeyKind, Grouping] = {"date": "month", "number": "decile", "category": "value"}

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Ranked:
    """A column's 1-based average ranks, its number of distinct values, and Σ(t³ − t) of ties."""

    ranks: Floats
    distinct: int
    ties: float


def average_ranks(values: npt.NDArray[np.generic]) -> Ranked:
    """Average ranks (ties share the mean of their positions), as ``scipy.stats.rankdata``.

    Integers spanning at most a few times their count (lottery numbers, days) are counted,
    not sorted: O(n), and a permutation of consecutive integers costs one subtraction.
    """
    n = values.size
    if values.dtype.kind in "iu" and n:
        low = int(values.min())
        span = int(values.max()) - low + 1
        if span <= 4 * n + 1024:
            offset = values.astype(np.int64) - low
            counts = np.bincount(offset, minlength=span)
            distinct = int(np.count_nonzero(counts))
            if distinct == n and span == n:
                return Ranked(offset.astype(np.float64) + 1.0, n, 0.0)
            ends = np.cumsum(counts)
            mean_position = ends - (counts - 1) / 2.0
            return Ranked(mean_position[offset], distinct, _tie_term(counts))
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, n))
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.repeat(starts + (counts + 1) / 2.0, counts)
    return Ranked(ranks, int(starts.size), _tie_term(counts))


def _tie_term(counts: npt.NDArray[np.int64]) -> float:
    tied = counts[counts > 1].astype(np.float64)
    return float(np.sum(tied**3 - tied))


def spearman(key: Ranked, rank: Ranked) -> tuple[float, float] | None:
    """Spearman's rho and its two-sided p-value (t-distribution), or None if a column is flat."""
    n = key.ranks.size
    middle = (n + 1) / 2.0
    dx = key.ranks - middle
    dy = rank.ranks - middle
    sxx = float(dx @ dx)
    syy = float(dy @ dy)
    if sxx <= 0.0 or syy <= 0.0:
        return None
    rho = float(np.clip(float(dx @ dy) / np.sqrt(sxx * syy), -1.0, 1.0))
    if abs(rho) == 1.0:
        return rho, 0.0
    t = rho * np.sqrt((n - 2) / ((1.0 - rho) * (1.0 + rho)))
    return rho, float(2.0 * stats.t.sf(abs(t), n - 2))


def kruskal_wallis(groups: Ints, rank: Ranked) -> tuple[float, int, float] | None:
    """H, its degrees of freedom and chi-square p-value; None with fewer than two groups."""
    n = rank.ranks.size
    counts = np.bincount(groups)
    sums = np.bincount(groups, weights=rank.ranks)
    present = counts > 0
    k = int(np.count_nonzero(present))
    correction = 1.0 - rank.ties / (float(n) ** 3 - n)
    if k < 2 or correction <= 0.0:
        return None
    means = sums[present] / counts[present]
    spread = float(np.sum(counts[present] * (means - (n + 1) / 2.0) ** 2))
    h = 12.0 / (n * (n + 1.0)) * spread / correction
    return h, k - 1, float(stats.chi2.sf(h, k - 1))


def key_kind(keys: pl.Series) -> KeyKind:
    """What a key column is, from its type: dates, numbers, or categories (text, booleans)."""
    dtype = keys.dtype
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return "date"
    if dtype.is_numeric():
        return "number"
    if dtype in (pl.String, pl.Categorical, pl.Boolean) or isinstance(dtype, pl.Enum):
        return "category"
    raise MusterError(
        f"{keys.name}: a key must be dates, numbers or text; found a column of type {dtype}"
    )


def _rows(mask: pl.Series) -> str:
    rows = (mask.arg_true() + 1).head(5).to_list()
    shown = ", ".join(str(r) for r in rows)
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}" + (" …" if mask.sum() > 5 else "")


def _require_values(series: pl.Series, what: str) -> None:
    bad = series.is_null()
    if series.dtype.is_float():
        bad = bad | ~series.is_finite().fill_null(False)
    count = int(bad.sum())
    if count:
        raise MusterError(
            f"{series.name}: {count:,} of {series.len():,} rows have no {what} "
            f"({_rows(bad)}, counting from 1); every row needs a key and a rank"
        )


def _grouping(kind: KeyKind, group_by: GroupBy, key: str) -> Grouping:
    if group_by == "auto":
        return AUTO_GROUPING[kind]
    if group_by == "month" and kind != "date":
        raise MusterError(f"{key}: grouping by month needs dates; the key holds {kind} values")
    if group_by == "decile" and kind == "category":
        raise MusterError(
            f"{key}: grouping by decile needs an ordered key (dates or numbers); "
            "the key holds categories: group by value"
        )
    if group_by not in ("month", "decile", "value"):
        raise MusterError(f"{group_by!r} is not a grouping (expected auto, month, decile, value)")
    return group_by


def _ordinal(keys: pl.Series) -> npt.NDArray[np.generic]:
    """A key with an order as integers (days, microseconds) or floats, for ranking."""
    if keys.dtype == pl.Date or isinstance(keys.dtype, pl.Datetime):
        return keys.to_physical().to_numpy()
    return keys.to_numpy()


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _month_groups(keys: pl.Series) -> tuple[Ints, list[str]]:
    return keys.dt.month().cast(pl.Int64).to_numpy() - 1, list(MONTHS)


def _decile_groups(keys: pl.Series, key_ranks: Ranked) -> tuple[Ints, list[str]]:
    n = key_ranks.ranks.size
    deciles = np.minimum(((key_ranks.ranks - 0.5) * 10.0 / n).astype(np.int64), 9)
    frame = pl.DataFrame({"d": deciles, "k": keys})
    bounds = frame.group_by("d").agg(pl.col("k").min().alias("lo"), pl.col("k").max().alias("hi"))
    labels = [f"D{i + 1}" for i in range(10)]
    for d, lo, hi in bounds.iter_rows():
        labels[d] = f"D{d + 1} {_show(lo)}" + ("" if lo == hi else f" – {_show(hi)}")
    return deciles, labels


def _value_groups(keys: pl.Series) -> tuple[Ints, list[str]]:
    values = keys.cast(pl.String) if keys.dtype in (pl.Categorical, pl.Boolean) else keys
    labels = values.unique().sort()
    if labels.len() > MAX_VALUE_GROUPS:
        raise MusterError(
            f"{keys.name}: {labels.len():,} distinct values is too many groups to compare "
            f"(at most {MAX_VALUE_GROUPS:,}); group by decile instead"
        )
    if values.dtype == pl.String:
        codes = values.cast(pl.Enum(labels)).to_physical().cast(pl.Int64).to_numpy()
    else:
        codes = np.searchsorted(labels.to_numpy(), values.to_numpy()).astype(np.int64)
    if values.dtype == pl.Date:
        return codes, [d.isoformat() for d in labels.to_list()]
    return codes, [_show(v) for v in labels.to_list()]


def audit_ranks(
    keys: pl.Series,
    ranks: pl.Series,
    *,
    grouping: GroupBy = "auto",
    alpha: float = 0.01,
) -> LotteryAudit:
    """Test whether ``ranks`` were assigned independently of ``keys`` (one row per person).

    ``keys``: dates (grouped by calendar month), numbers (by decile) or text such as a region
    code (by value; no Spearman, the group test decides). ``ranks``: the lottery's numbers,
    any numeric values; a fair lottery's ranks are a permutation, repeated ranks are tied
    (and noted). Raises ``MusterError`` for fewer than 3 rows, missing values or flat ranks.
    """
    key, rank = keys.name or "key", ranks.name or "rank"
    if keys.len() != ranks.len():
        raise MusterError(f"{key} has {keys.len():,} rows but {rank} has {ranks.len():,}")
    if not 0.0 < alpha < 1.0:
        raise MusterError(f"alpha must be between 0 and 1 (exclusive); found {alpha}")
    n = keys.len()
    if n < MIN_ROWS:
        raise MusterError(
            f"{n} row{'s' if n != 1 else ''} to audit; a test of independence needs at least "
            f"{MIN_ROWS} (a lottery and its key, one row per person)"
        )
    if not ranks.dtype.is_numeric():
        raise MusterError(f"{rank}: ranks must be numbers; found a column of type {ranks.dtype}")
    kind = key_kind(keys)
    _require_values(keys, "key")
    _require_values(ranks, "rank")
    groups_by = _grouping(kind, grouping, key)
    rank_values = ranks.to_numpy()
    ranked = average_ranks(rank_values)
    if ranked.distinct == 1:
        raise MusterError(
            f"{rank}: every row has the same rank ({_show(rank_values[0])}); nothing was drawn"
        )
    notes: list[str] = []
    if ranked.distinct < n:
        notes.append(
            f"{n - ranked.distinct:,} ranks repeat an earlier one ({ranked.distinct:,} distinct "
            f"of {n:,}); a lottery's ranks should be a permutation. Tied ranks were averaged."
        )

    key_ranked = average_ranks(_ordinal(keys)) if kind != "category" else None
    correlation = spearman(key_ranked, ranked) if key_ranked is not None else None

    if groups_by == "month":
        codes, labels = _month_groups(keys)
    elif groups_by == "decile":
        assert key_ranked is not None  # _grouping refuses deciles of categories
        codes, labels = _decile_groups(keys, key_ranked)
    else:
        codes, labels = _value_groups(keys)
    group_test = kruskal_wallis(codes, ranked)
    groups = _group_means(codes, labels, rank_values)
    small = sum(1 for g in groups if g.count < SMALL_GROUP)
    if group_test is not None and small:
        notes.append(
            f"{small:,} of {len(groups):,} groups have fewer than {SMALL_GROUP} ranks; "
            "the chi-square p-value is only approximate for them"
        )

    made = [test[-1] for test in (correlation, group_test) if test is not None]
    if made:
        p_value = min(1.0, len(made) * min(made))
    else:
        p_value = 1.0
        notes.append(f"{key} has a single value; ranks cannot depend on it and nothing was tested")
    verdict: Verdict = "biased" if p_value < alpha else "no evidence of bias"
    return LotteryAudit(
        n=n,
        key=key,
        rank=rank,
        key_kind=kind,
        grouping=groups_by,
        groups=groups,
        mean_rank=float(np.mean(rank_values)),
        distinct_ranks=ranked.distinct,
        spearman_rho=correlation[0] if correlation else None,
        spearman_p=correlation[1] if correlation else None,
        chi_square=group_test[0] if group_test else None,
        chi_square_df=group_test[1] if group_test else None,
        chi_square_p=group_test[2] if group_test else None,
        tests=len(made),
        p_value=p_value,
        alpha=alpha,
        verdict=verdict,
        notes=notes,
    )


def _group_means(
    codes: Ints, labels: Sequence[str], rank_values: npt.NDArray[np.generic]
) -> list[GroupMean]:
    counts = np.bincount(codes, minlength=len(labels))
    sums = np.bincount(codes, weights=rank_values.astype(np.float64), minlength=len(labels))
    return [
        GroupMean(label=label, count=int(count), mean_rank=float(total / count))
        for label, count, total in zip(labels, counts, sums, strict=True)
        if count
    ]
