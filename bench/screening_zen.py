"""The partial-mobilization decree as a GoRules JDM graph, evaluated by zen-engine per person.

The graph is ``partial-mobilization-2022.jdm.json`` beside this file (open it in the JDM
editor to see it drawn). It reads one person (muster's registry fields, dates as ISO strings,
and ``as_of``) and flows through:

1. ``parameters``: a decision table keyed on the as-of date giving the decree's dated
   parameters (age limits, fitness categories, large-family thresholds, review period);
2. ``derived``: expressions for the age in full years and the children under the age limit;
3. ``age_limit``: a first-hit table, the reserve age limit of the person's rank;
4. ``criteria``: a first-hit table whose rows are the criteria in the decree's order, each
   matching when its criterion is *not* met, so the first hit is the decisive failure;
5. ``exemptions``: a first-hit table over the employer's accreditation (with the date each came
   into force);
6. ``deferrals``: a collect table, every deferral that applies with its end date;
7. ``decision``: expressions combining them in muster's order (criteria, then exemptions, then
   the deferral that lasts longest; a missing end lasts until reviewed).

Missing values follow muster where the registry may hold them (a missing number of months
served or a missing fitness fails the criterion; a missing end date lasts until reviewed).

Two ZEN date functions disagree with the decree's (and muster's) date rules, so the graph does
not use them: ``d(a).diff(d(b), 'year')`` counts a 29 February birthday as reached on
28 February in common years (the decree: on 1 March), and ``d(x).add(n, 'y')`` on 29 February
returns "Invalid date" (the decree: 28 February). The age is computed from year, month and day,
and years are added as ``12 * n`` months, which ZEN clamps to the month's last day.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import zen

GRAPH = Path(__file__).resolve().parent / "partial-mobilization-2022.jdm.json"
KEY = "partial-mobilization-2022.json"
FIELDS = (
    "birth_date",
    "sex",
    "registered",
    "status",
    "months_served",
    "rank_group",
    "rank",
    "fitness",
    "unfit_until",
    "study_kind",
    "study_end",
    "sole_carer",
    "serious_conviction",
    "employer_accreditation",
    "children_birth_dates",
)


def graph() -> dict[str, Any]:
    content: dict[str, Any] = json.loads(GRAPH.read_text(encoding="utf-8"))
    return content


def engine() -> zen.ZenEngine:
    """An engine whose loader serves the graph under ``KEY`` (compiled once, then cached)."""
    return zen.ZenEngine({"loader": {"type": "static", "content": {KEY: graph()}}})


def contexts(frame: pl.DataFrame, as_of: str) -> list[dict[str, Any]]:
    """One JSON-like context per person: the fields the graph reads, dates as ISO text."""
    dates = [c for c in FIELDS if frame.schema[c] == pl.Date]
    rows = frame.select(
        *(pl.col(c).dt.to_string("%Y-%m-%d") if c in dates else pl.col(c) for c in FIELDS)
    ).to_dicts()
    for row in rows:
        row["as_of"] = as_of
    return rows


def decision_of(result: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(decision, until, ground) from a graph result; keys whose value is null are absent."""
    return result["decision"], result.get("until"), result.get("ground")
