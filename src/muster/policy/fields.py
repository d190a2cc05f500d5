"""What a condition may refer to: registry fields, derived fields and whitelisted functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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

Type = Literal["int", "text", "date", "bool"]


@dataclass(frozen=True)
class Field:
    name: str
    type: Type
    source: str
    choices: tuple[str, ...] = ()


def _reg(name: str, type_: Type, choices: tuple[str, ...] = ()) -> Field:
    return Field(name, type_, f"registry: persons.{name}", choices)


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        _reg("birth_date", "date"),
        _reg("sex", "text", SEXES),
        _reg("region_code", "text"),
        _reg("district", "text"),
        _reg("settlement", "text", SETTLEMENTS),
        _reg("registered", "bool"),
        _reg("rank", "text", tuple(RANKS)),
        _reg("rank_group", "text", RANK_GROUPS),
        _reg("specialty_code", "text"),
        _reg("months_served", "int"),
        _reg("combat_experience", "bool"),
        _reg("fitness", "text", FITNESS),
        _reg("unfit_until", "date"),
        _reg("sector", "text", SECTORS),
        _reg("study_kind", "text", STUDY_KINDS),
        _reg("study_end", "date"),
        _reg("sole_carer", "bool"),
        _reg("disability_group", "int"),
        _reg("serious_conviction", "bool"),
        _reg("status", "text", STATUSES),
        Field("age", "int", "derived: full years from birth_date to the as-of date"),
        Field("as_of", "date", "the as-of date of the decision"),
        Field(
            "employer_accreditation",
            "text",
            "registry: employers.accreditation of the person's employer",
            ACCREDITATIONS,
        ),
        Field("employer_critical", "bool", "registry: employers.critical of the person's employer"),
        Field(
            "employer_sector",
            "text",
            "registry: employers.sector of the person's employer",
            SECTORS,
        ),
    )
}

# Columns the registry frame must carry for the evaluators (derived fields are computed).
INPUT_COLUMNS: tuple[str, ...] = (
    *(n for n, f in FIELDS.items() if f.source.startswith("registry")),
    "children_birth_dates",
)


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[Type, ...]
    returns: Type
    doc: str


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "children_under",
            ("int",),
            "int",
            "number of children younger than N years on the as-of date",
        ),
        Function("add_days", ("date", "int"), "date", "a date plus N days"),
        Function(
            "add_months",
            ("date", "int"),
            "date",
            "a date plus N months (the 31st becomes the month's last day)",
        ),
        Function(
            "add_years",
            ("date", "int"),
            "date",
            "a date plus N years (29 February becomes 28 February)",
        ),
    )
}
