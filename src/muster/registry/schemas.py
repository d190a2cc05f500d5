"""Vocabulary of the registry and the column layout of its files (import = export)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from muster.vocabulary import (
    ACCREDITATIONS,
    FITNESS,
    RANK_GROUPS,
    RANKS,
    SECTORS,
    SETTLEMENTS,
    SEXES,
    STATUSES,
    STUDY_KINDS,
)

Kind = Literal["text", "national_id", "date", "int", "bool", "enum", "dates", "ref"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a registry file: its type, whether it is required, what it may hold."""

    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    refers_to: str = ""
    key: bool = False

    def expected(self) -> str:
        """What a valid value looks like, for error messages."""
        if self.kind == "national_id":
            return "12 digits whose last two are the ISO 7064 MOD 97-10 check of the first ten"
        if self.kind == "date":
            return "a date YYYY-MM-DD"
        if self.kind == "dates":
            return "dates YYYY-MM-DD separated by ';'"
        if self.kind == "int":
            return f"a whole number from {self.minimum} to {self.maximum}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        if self.kind == "ref":
            return f"the code of a known {self.refers_to}"
        return f"text of at most {self.max_length} characters"


PERSON_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("national_id", "national_id", required=True, key=True),
    ColumnSpec("family_name", "text", required=True, max_length=80),
    ColumnSpec("given_name", "text", required=True, max_length=80),
    ColumnSpec("birth_date", "date", required=True),
    ColumnSpec("sex", "enum", required=True, choices=SEXES),
    ColumnSpec("region_code", "ref", required=True, refers_to="region"),
    ColumnSpec("district", "text", required=True, max_length=40),
    ColumnSpec("settlement", "enum", required=True, choices=SETTLEMENTS),
    ColumnSpec("address", "text", required=True, max_length=200),
    ColumnSpec("registered", "bool", required=True),
    ColumnSpec("rank", "enum", choices=tuple(RANKS)),
    ColumnSpec("rank_group", "enum", choices=RANK_GROUPS),
    ColumnSpec("specialty_code", "text", max_length=12),
    ColumnSpec("months_served", "int", required=True, minimum=0, maximum=600),
    ColumnSpec("combat_experience", "bool", required=True),
    ColumnSpec("fitness", "enum", choices=FITNESS),
    ColumnSpec("unfit_until", "date"),
    ColumnSpec("sector", "enum", required=True, choices=SECTORS),
    ColumnSpec("employer_id", "ref", refers_to="employer"),
    ColumnSpec("study_kind", "enum", choices=STUDY_KINDS),
    ColumnSpec("study_end", "date"),
    ColumnSpec("children_birth_dates", "dates", max_length=400),
    ColumnSpec("sole_carer", "bool", required=True),
    ColumnSpec("disability_group", "int", minimum=1, maximum=3),
    ColumnSpec("serious_conviction", "bool", required=True),
    ColumnSpec("status", "enum", required=True, choices=STATUSES),
)
PERSON_FIELDS: tuple[str, ...] = tuple(c.name for c in PERSON_COLUMNS)

REGION_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("code", "text", required=True, max_length=8, key=True),
    ColumnSpec("name", "text", required=True, max_length=80),
    ColumnSpec("urban_share_pct", "int", required=True, minimum=0, maximum=100),
    ColumnSpec("minority", "bool", required=True),
)
EMPLOYER_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("code", "text", required=True, max_length=12, key=True),
    ColumnSpec("name", "text", required=True, max_length=120),
    ColumnSpec("sector", "enum", required=True, choices=SECTORS),
    ColumnSpec("accreditation", "enum", choices=ACCREDITATIONS),
    ColumnSpec("critical", "bool", required=True),
    ColumnSpec("region_code", "ref", required=True, refers_to="region"),
)
OFFICE_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("code", "text", required=True, max_length=16, key=True),
    ColumnSpec("name", "text", required=True, max_length=120),
    ColumnSpec("region_code", "ref", required=True, refers_to="region"),
    ColumnSpec("district", "text", max_length=40),
    ColumnSpec("address", "text", required=True, max_length=200),
    ColumnSpec("notices_per_day", "int", required=True, minimum=0, maximum=1_000_000),
    ColumnSpec("receptions_per_day", "int", required=True, minimum=0, maximum=1_000_000),
    ColumnSpec("exams_per_day", "int", required=True, minimum=0, maximum=1_000_000),
)

TABLES: dict[str, tuple[ColumnSpec, ...]] = {
    "regions": REGION_COLUMNS,
    "employers": EMPLOYER_COLUMNS,
    "offices": OFFICE_COLUMNS,
    "persons": PERSON_COLUMNS,
}
TableName = Literal["regions", "employers", "offices", "persons"]


class ImportResult(BaseModel):
    """What an import did (or, with ``--dry-run``, would do)."""

    table: str
    file: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    dry_run: bool
    batch_id: int | None = None


class GenerateResult(BaseModel):
    persons: int
    regions: int
    employers: int
    offices: int
    seed: int
    batch_id: int


class OfficeRead(BaseModel):
    """An office and what it can do in a day."""

    code: str
    name: str
    region: str
    district: str | None
    address: str
    notices_per_day: int
    receptions_per_day: int
    exams_per_day: int


class Stats(BaseModel):
    """Counts over the registry, as printed by ``muster registry stats``."""

    persons: int
    by_region: dict[str, int]
    by_rank_group: dict[str, int]
    by_fitness: dict[str, int]
    by_sector: dict[str, int]
    by_status: dict[str, int]


class PersonChangeRead(BaseModel):
    """One correction to a person: who made it, when, and each field's old and new value."""

    national_id: str
    changed_at: str
    actor: str
    source: str
    changes: dict[str, list[str | None]]
