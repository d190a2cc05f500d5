"""Results of auditing a lottery: was each rank assigned independently of a key?"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

KeyKind = Literal["date", "number", "category"]
Grouping = Literal["month", "decile", "value"]
Verdict = Literal["biased", "no evidence of bias"]


class GroupMean(BaseModel):
    """One group of the key (a calendar month, a decile, a value) and its ranks."""

    label: str
    count: int
    mean_rank: float = Field(description="Mean of the ranks as given in the lottery.")


class LotteryAudit(BaseModel):
    """Tests of independence between a lottery's ranks and one key (see docs/lottery-audit.md).

    ``spearman_*`` is Spearman's rank correlation between key and rank (null for a key without
    an order); ``chi_square*`` is the Kruskal–Wallis H statistic of the mean rank by key group
    and its chi-square p-value (null when there is a single group). ``p_value`` is the
    Bonferroni-corrected smaller p-value of the tests that could be made; ``verdict`` is
    ``"biased"`` when it is below ``alpha``.
    """

    n: int
    key: str
    rank: str
    key_kind: KeyKind
    grouping: Grouping
    groups: list[GroupMean]
    mean_rank: float
    distinct_ranks: int
    spearman_rho: float | None
    spearman_p: float | None
    chi_square: float | None
    chi_square_df: int | None
    chi_square_p: float | None
    tests: int = Field(description="How many tests were made (the Bonferroni factor).")
    p_value: float
    alpha: float
    verdict: Verdict
    notes: list[str] = Field(default_factory=list)
