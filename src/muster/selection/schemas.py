"""Results of the campaign lottery (commit, draw, call-ups, fulfilment) and of auditing any
lottery: was each rank assigned independently of a key?"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from muster.timestamps import UtcDateTime

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


class CommitRead(BaseModel):
    campaign: int
    commitment: str
    pool_sha256: str
    pool: int
    regions: dict[str, str]  # region → pool hash
    committed_at: UtcDateTime


class DrawRead(BaseModel):
    campaign: int
    seed: str
    commitment: str
    selected: int
    skipped: int
    by_region: dict[str, int]
    audit: dict[str, Any]
    seconds: float


class CallUpRead(BaseModel):
    id: int
    campaign: int
    national_id: str
    region: str
    position: int
    priority: int
    status: str
    reason: str | None
    replaces: int | None


class FulfilmentRow(BaseModel):
    region: str
    quota: int
    status: str
    by_state: dict[str, int]
    active: int
    skipped: int
    order_left: int


class VerifyReport(BaseModel):
    record: str
    campaign: int
    regions: int
    persons: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


class DrawPublished(BaseModel):
    """What anyone may see of a campaign's lottery: the commitment, and the seed once drawn."""

    campaign: int
    commitment: str
    pool_sha256: str
    committed_at: UtcDateTime
    drawn_at: UtcDateTime | None
    seed: str | None
    audit: dict[str, Any] | None = Field(
        None, description="The draw's randomness audit: lottery place against birth date, region."
    )
