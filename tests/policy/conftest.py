"""Helpers to build decrees and persons for policy tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from muster.policy.decree import Decree, check_text
from muster.policy.fields import FIELDS

FRAME_SCHEMA: dict[str, Any] = {
    name: {"int": pl.Int64, "text": pl.String, "date": pl.Date, "bool": pl.Boolean}[f.type]
    for name, f in FIELDS.items()
    if name not in ("age", "as_of")
} | {"children_birth_dates": pl.String}

BASE_PERSON: dict[str, Any] = {
    "birth_date": date(1990, 5, 17),
    "sex": "M",
    "region_code": "R01",
    "district": "R01-001",
    "settlement": "urban",
    "registered": True,
    "rank": "sergeant",
    "rank_group": "nco",
    "specialty_code": "MS-100",
    "months_served": 12,
    "combat_experience": False,
    "fitness": "A",
    "unfit_until": None,
    "sector": "other",
    "study_kind": None,
    "study_end": None,
    "sole_carer": False,
    "disability_group": None,
    "serious_conviction": False,
    "status": "active",
    "employer_accreditation": None,
    "employer_critical": None,
    "employer_sector": None,
    "children_birth_dates": None,
}


def person(**changes: Any) -> dict[str, Any]:
    return {**BASE_PERSON, **changes}


def frame(persons: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(persons, schema=FRAME_SCHEMA)


HEADER = """
decree: test-decree
title: Test decree
legal_source: Test law
versions:
  - {version: 1, effective_from: 2022-01-01, target: 100, title: First}
"""


def decree_from(body: str, header: str = HEADER) -> Decree:
    decree, problems = check_text(header + body, "test.yaml")
    assert decree is not None, "\n".join(map(str, problems))
    return decree
