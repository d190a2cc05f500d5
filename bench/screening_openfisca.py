"""The partial-mobilization decree (decrees/partial-mobilization-2022.yaml), written in OpenFisca.

Written the way an OpenFisca country package writes legislation, so that ``bench/screening.py``
can time it against muster on the same population and check that both decide alike:

* one entity, ``person``; every registry field is an input variable (``ETERNITY``: the registry
  is a snapshot), categorical fields are ``Enum`` variables with a ``none`` member where the
  registry may hold no value, and a date that may be missing defaults to 9999-12-31 ("until
  reviewed", as muster reads a missing end date);
* the decree's parameters are an OpenFisca parameter tree with dated values;
* every criterion, exemption and deferral is a ``DAY`` variable with a formula; a rule that came
  into force with an amendment has a dated formula (``formula_2022_09_23``), so before that day
  it has none and does not apply;
* ``decision``, ``decisive_ground`` and ``deferred_until`` combine them in muster's order
  (a failing criterion, else an exemption, else the deferral that lasts longest).

The children's birth dates are ``MAX_CHILDREN`` date inputs (a missing child is 1900-01-01, too
old to count). A package modelling families would make children persons of a household group
entity; the registry holds only the dates, so this keeps the same information.

Not modelled: exceptions (``exception_to``), which this decree has none of, and SQL's
three-valued logic on missing booleans, numbers and dates of birth (the registry requires those).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DAY, ETERNITY
from openfisca_core.simulations import Simulation, SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

MAX_CHILDREN = 7
NO_CHILD = date(1900, 1, 1)
UNTIL_REVIEWED = date(9999, 12, 31)

Person = build_entity(
    key="person", plural="persons", label="A person on the military register", is_person=True
)

# ---------------------------------------------------------------------------- parameters

_FROM = "2022-09-21"
PARAMETERS: dict[str, Any] = {
    "description": "Partial mobilization of reservists (decree of 21 September 2022)",
    "age_limit": {
        "description": "Reserve category 1 age limits (Law on military duty, art. 53)",
        "soldiers_ncos": {"values": {_FROM: 35}},
        "junior_officers": {"values": {_FROM: 50}},
        "majors_to_lt_colonels": {"values": {_FROM: 55}},
        "colonels": {"values": {_FROM: 60}},
        "higher_officers": {"values": {_FROM: 65}},
    },
    "fitness_allowed": {
        "description": "Fitness categories that may be called (Decree, para. 2)",
        "A": {"values": {_FROM: True}},
        "B": {"values": {_FROM: True}},
        "V": {"values": {_FROM: False}},
        "G": {"values": {_FROM: False}},
        "D": {"values": {_FROM: False}},
        "none": {"values": {_FROM: False}},
    },
    "large_family": {
        "description": "Deferral of fathers of large families (Law on mobilization, art. 18)",
        "minimum_children": {"values": {_FROM: 4}},
        "child_age": {"values": {_FROM: 16}},
    },
    "review_years": {
        "description": "Years after which a deferral without its own end is reviewed",
        "values": {_FROM: 1},
    },
}

# ---------------------------------------------------------------------------- enumerations


class Sex(Enum):
    none = "not recorded"
    M = "male"
    F = "female"


class Status(Enum):
    none = "not recorded"
    active = "living in the country"
    serving = "serving"
    deceased = "deceased"
    abroad = "abroad"


class RankGroup(Enum):
    none = "no rank"
    soldier = "soldier"
    nco = "non-commissioned officer"
    junior_officer = "junior officer"
    senior_officer = "senior officer"


class Rank(Enum):
    none = "no rank"
    private = "private"
    corporal = "corporal"
    sergeant = "sergeant"
    senior_sergeant = "senior sergeant"
    sergeant_major = "sergeant major"
    warrant_officer = "warrant officer"
    lieutenant = "lieutenant"
    senior_lieutenant = "senior lieutenant"
    captain = "captain"
    major = "major"
    lieutenant_colonel = "lieutenant colonel"
    colonel = "colonel"
    general = "general"


class Fitness(Enum):
    none = "not examined"
    A = "fit"
    B = "fit with minor restrictions"
    V = "limited fitness"
    G = "temporarily unfit"
    D = "unfit"


class StudyKind(Enum):
    none = "not studying"
    state_university = "state university"
    private_university = "private university"
    postgraduate = "postgraduate"
    religious_school = "religious school"
    vocational_college = "vocational college"


class Accreditation(Enum):
    none = "no accreditation, or no employer"
    it_accredited = "accredited IT company"
    telecom_operator = "telecommunications operator"
    systemic_media = "systemically important media"
    bank = "systemically important bank"
    financial_infrastructure = "financial-market infrastructure"


class Decision(Enum):
    eligible = "eligible"
    ineligible = "ineligible"
    exempt = "exempt"
    deferred = "deferred"


class Ground(Enum):
    none = "no ground"
    on_register = "on-register"
    in_the_country_not_serving = "in-the-country-not-serving"
    prior_service = "prior-service"
    reserve_age = "reserve-age"
    fit_for_service = "fit-for-service"
    no_serious_conviction = "no-serious-conviction"
    accredited_it = "accredited-it"
    telecom_operator = "telecom-operator"
    systemic_media = "systemic-media"
    banks_and_market_infrastructure = "banks-and-market-infrastructure"
    temporarily_unfit = "temporarily-unfit"
    large_family = "large-family"
    sole_carer = "sole-carer"
    students_state_universities = "students-state-universities"
    students_private_postgraduate_religious = "students-private-postgraduate-religious"


ENUM_INPUTS: dict[str, type[Enum]] = {
    "sex": Sex,
    "status": Status,
    "rank_group": RankGroup,
    "rank": Rank,
    "fitness": Fitness,
    "study_kind": StudyKind,
    "employer_accreditation": Accreditation,
}

# ---------------------------------------------------------------------------- dates


def _day(period: Any) -> np.datetime64:
    return np.datetime64(period.start.date, "D")


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """``days`` plus whole years; 29 February becomes 28 February in common years."""
    start_of_year = days.astype("datetime64[Y]")
    start_of_month = days.astype("datetime64[M]")
    month = (start_of_month - start_of_year.astype("datetime64[M]")).astype(np.int64)
    day = (days - start_of_month.astype("datetime64[D]")).astype(np.int64)
    target = (start_of_year + years).astype("datetime64[M]") + month
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(day, length - 1)


# ---------------------------------------------------------------------------- inputs


class birth_date(Variable):  # noqa: N801  (OpenFisca names variables by their class name)
    value_type = date
    entity = Person
    definition_period = ETERNITY
    label = "Date of birth"


class sex(Variable):  # noqa: N801
    value_type = Enum
    possible_values = Sex
    default_value = Sex.none
    entity = Person
    definition_period = ETERNITY
    label = "Sex"


class registered(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "On the military register"


class status(Variable):  # noqa: N801
    value_type = Enum
    possible_values = Status
    default_value = Status.none
    entity = Person
    definition_period = ETERNITY
    label = "Living in the country, serving, abroad or deceased"


class months_served(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = ETERNITY
    label = "Months served in the armed forces"


class rank_group(Variable):  # noqa: N801
    value_type = Enum
    possible_values = RankGroup
    default_value = RankGroup.none
    entity = Person
    definition_period = ETERNITY
    label = "Rank group"


class rank(Variable):  # noqa: N801
    value_type = Enum
    possible_values = Rank
    default_value = Rank.none
    entity = Person
    definition_period = ETERNITY
    label = "Military rank"


class fitness(Variable):  # noqa: N801
    value_type = Enum
    possible_values = Fitness
    default_value = Fitness.none
    entity = Person
    definition_period = ETERNITY
    label = "Fitness category"


class unfit_until(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = ETERNITY
    label = "End of a temporary unfitness (missing: until reviewed)"


class study_kind(Variable):  # noqa: N801
    value_type = Enum
    possible_values = StudyKind
    default_value = StudyKind.none
    entity = Person
    definition_period = ETERNITY
    label = "Kind of full-time study"


class study_end(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = ETERNITY
    label = "End of study (missing: until reviewed)"


class sole_carer(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "Sole carer of a relative who needs constant care"


class serious_conviction(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = ETERNITY
    label = "Unexpunged conviction for a serious crime"


class employer_accreditation(Variable):  # noqa: N801
    value_type = Enum
    possible_values = Accreditation
    default_value = Accreditation.none
    entity = Person
    definition_period = ETERNITY
    label = "Accreditation of the person's employer"


def _child_variable(k: int) -> type[Variable]:
    return type(
        f"child_{k}_birth_date",
        (Variable,),
        {
            "value_type": date,
            "default_value": NO_CHILD,
            "entity": Person,
            "definition_period": ETERNITY,
            "label": f"Date of birth of the person's child number {k} (1900-01-01: none)",
        },
    )


CHILDREN = [_child_variable(k) for k in range(1, MAX_CHILDREN + 1)]

# ---------------------------------------------------------------------------- derived


class age(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DAY
    label = "Age in full years on the day"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        birth = person("birth_date", period)
        today = period.start.date
        year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
        start_of_month = birth.astype("datetime64[M]")
        month = start_of_month.astype(np.int64) % 12 + 1
        day = (birth - start_of_month.astype("datetime64[D]")).astype(np.int64) + 1
        before_birthday = month * 100 + day > today.month * 100 + today.day
        return today.year - year - before_birthday


class children_under_large_family_age(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DAY
    label = "Children younger than the large-family age limit on the day"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        years = int(parameters(period).mobilization.large_family.child_age)
        # A child is under ``years`` on the day if born after the last birth date that reaches
        # that age by the day (``add_years`` is monotone, so one date splits them).
        today = _day(period)
        cutoff = today - np.timedelta64(366 * years + 1, "D")
        while add_years(np.array([cutoff + 1]), years)[0] <= today:
            cutoff += 1
        count = np.zeros(person.count, dtype=np.int64)
        for k in range(1, MAX_CHILDREN + 1):
            count += person(f"child_{k}_birth_date", period) > cutoff
        return count


# ---------------------------------------------------------------------------- criteria


class on_register(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Criterion: on the military register"
    reference = "Law on mobilization, art. 17"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("registered", period)


class in_the_country_not_serving(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Criterion: living in the country, not already serving"
    reference = "Law on mobilization, art. 17"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("status", period) == Status.active


class prior_service(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Criterion: has served in the armed forces"
    reference = "Decree, para. 2"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("months_served", period) > 0


class reserve_age(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Criterion: within the reserve category 1 age limit of the person's rank"
    reference = "Law on military duty, art. 53"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        limit = parameters(period).mobilization.age_limit
        years = person("age", period)
        group = person("rank_group", period)
        grade = person("rank", period)
        return (
            (
                ((group == RankGroup.soldier) | (group == RankGroup.nco))
                & (years < limit.soldiers_ncos)
            )
            | ((group == RankGroup.junior_officer) & (years < limit.junior_officers))
            | (
                ((grade == Rank.major) | (grade == Rank.lieutenant_colonel))
                & (years < limit.majors_to_lt_colonels)
            )
            | ((grade == Rank.colonel) & (years < limit.colonels))
            | ((grade == Rank.general) & (years < limit.higher_officers))
        )


class fit_for_service(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Criterion: fit for service, or only temporarily unfit"
    reference = "Decree, para. 2"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        category = person("fitness", period)
        allowed = parameters(period).mobilization.fitness_allowed
        # ``allowed[category]`` (fancy indexing) would read the same, but OpenFisca resolves it
        # person by person in Python; comparing with each category stays vectorised.
        return np.logical_or.reduce(
            [(category == member) & bool(allowed[member.name]) for member in Fitness]
        ) | (category == Fitness.G)


class no_serious_conviction(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Criterion: no unexpunged conviction for a serious crime"
    reference = "Law on mobilization, art. 17"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return np.logical_not(person("serious_conviction", period))


# ---------------------------------------------------------------------------- exemptions


def _employer_is(*kinds: Accreditation) -> Any:
    def formula_2022_09_23(person, period, parameters):  # type: ignore[no-untyped-def]
        accreditation = person("employer_accreditation", period)
        return np.logical_or.reduce([accreditation == kind for kind in kinds])

    return formula_2022_09_23


class accredited_it(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Exemption: employee of an accredited IT company"
    reference = "Ministry of Defence statement of 23 September 2022"
    formula_2022_09_23 = _employer_is(Accreditation.it_accredited)


class telecom_operator(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Exemption: employee of a telecommunications operator"
    reference = "Ministry of Defence statement of 23 September 2022"
    formula_2022_09_23 = _employer_is(Accreditation.telecom_operator)


class systemic_media(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Exemption: employee of a systemically important media organisation"
    reference = "Ministry of Defence statement of 23 September 2022"
    formula_2022_09_23 = _employer_is(Accreditation.systemic_media)


class banks_and_market_infrastructure(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Exemption: employee of a systemic bank or financial-market infrastructure"
    reference = "Ministry of Defence statement of 23 September 2022"
    formula_2022_09_23 = _employer_is(Accreditation.bank, Accreditation.financial_infrastructure)


# ---------------------------------------------------------------------------- deferrals


class temporarily_unfit(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Deferral: temporarily unfit for health reasons (category G)"
    reference = "Law on mobilization, art. 18"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("fitness", period) == Fitness.G


class temporarily_unfit_until(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = DAY
    label = "End of the deferral for temporary unfitness"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("unfit_until", period)


class large_family(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Deferral: father of four or more children under 16"
    reference = "Law on mobilization, art. 18"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        enough = parameters(period).mobilization.large_family.minimum_children
        return (person("sex", period) == Sex.M) & (
            person("children_under_large_family_age", period) >= enough
        )


class review_date(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = DAY
    label = "When a deferral without its own end date is reviewed"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        years = int(parameters(period).mobilization.review_years)
        return np.full(person.count, add_years(np.array([_day(period)]), years)[0])


class large_family_until(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = DAY
    label = "End of the large-family deferral"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("review_date", period)


class sole_carer_deferral(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Deferral: sole carer of a relative who needs constant care"
    reference = "Law on mobilization, art. 18"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("sole_carer", period)


class sole_carer_deferral_until(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = DAY
    label = "End of the sole-carer deferral"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("review_date", period)


class students_state_universities(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Deferral: full-time student of a state university"
    reference = "Presidential decree of 24 September 2022"

    def formula_2022_09_24(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("study_kind", period) == StudyKind.state_university


class students_private_postgraduate_religious(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Deferral: student of a private university, postgraduate or religious school"
    reference = "Presidential decree of 5 October 2022"

    def formula_2022_10_05(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        kind = person("study_kind", period)
        return (
            (kind == StudyKind.private_university)
            | (kind == StudyKind.postgraduate)
            | (kind == StudyKind.religious_school)
        )


class study_deferral_until(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = DAY
    label = "End of a student's deferral"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return person("study_end", period)


# ---------------------------------------------------------------------------- the decision

# (ground, variable) in the decree's order; deferrals with the variable giving their end.
CRITERIA = (
    (Ground.on_register, "on_register"),
    (Ground.in_the_country_not_serving, "in_the_country_not_serving"),
    (Ground.prior_service, "prior_service"),
    (Ground.reserve_age, "reserve_age"),
    (Ground.fit_for_service, "fit_for_service"),
    (Ground.no_serious_conviction, "no_serious_conviction"),
)
EXEMPTIONS = (
    (Ground.accredited_it, "accredited_it"),
    (Ground.telecom_operator, "telecom_operator"),
    (Ground.systemic_media, "systemic_media"),
    (Ground.banks_and_market_infrastructure, "banks_and_market_infrastructure"),
)
DEFERRALS = (
    (Ground.temporarily_unfit, "temporarily_unfit", "temporarily_unfit_until"),
    (Ground.large_family, "large_family", "large_family_until"),
    (Ground.sole_carer, "sole_carer_deferral", "sole_carer_deferral_until"),
    (Ground.students_state_universities, "students_state_universities", "study_deferral_until"),
    (
        Ground.students_private_postgraduate_religious,
        "students_private_postgraduate_religious",
        "study_deferral_until",
    ),
)


class meets_criteria(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Meets every criterion of the decree"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return np.logical_and.reduce([person(name, period) for _, name in CRITERIA])


class exempt(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Some exemption applies"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return np.logical_or.reduce([person(name, period) for _, name in EXEMPTIONS])


def _active_deferrals(person: Any, period: Any) -> list[tuple[Ground, np.ndarray, np.ndarray]]:
    today = _day(period)
    out = []
    for ground, name, until in DEFERRALS:
        end = person(until, period)
        out.append((ground, person(name, period) & (end > today), end))
    return out


class latest_deferral_end(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = DAY
    label = "The latest end among the deferrals that apply (1900-01-01: none applies)"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        none = np.datetime64(NO_CHILD, "D")
        ends = [np.where(on, end, none) for _, on, end in _active_deferrals(person, period)]
        return np.maximum.reduce(ends)


class deferred(Variable):  # noqa: N801
    value_type = bool
    entity = Person
    definition_period = DAY
    label = "Some deferral applies on the day"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return np.logical_or.reduce([on for _, on, _ in _active_deferrals(person, period)])


class decision(Variable):  # noqa: N801
    value_type = Enum
    possible_values = Decision
    default_value = Decision.eligible
    entity = Person
    definition_period = DAY
    label = "The decision under the decree on the day"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        return np.select(
            [
                np.logical_not(person("meets_criteria", period)),
                person("exempt", period),
                person("deferred", period),
            ],
            [Decision.ineligible, Decision.exempt, Decision.deferred],
            default=Decision.eligible,
        )


class decisive_ground(Variable):  # noqa: N801
    value_type = Enum
    possible_values = Ground
    default_value = Ground.none
    entity = Person
    definition_period = DAY
    label = "The rule that decides: first failing criterion, first exemption, longest deferral"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        latest = person("latest_deferral_end", period)
        conditions = [np.logical_not(person(name, period)) for _, name in CRITERIA]
        conditions += [person(name, period) for _, name in EXEMPTIONS]
        conditions += [on & (end == latest) for _, on, end in _active_deferrals(person, period)]
        grounds = [g for g, _ in CRITERIA] + [g for g, _ in EXEMPTIONS]
        grounds += [g for g, _, _ in DEFERRALS]
        return np.select(conditions, grounds, default=Ground.none)


class deferred_until(Variable):  # noqa: N801
    value_type = date
    default_value = UNTIL_REVIEWED
    entity = Person
    definition_period = DAY
    label = "End of the deferral decided (9999-12-31: not deferred, or until reviewed)"

    def formula(person, period, parameters):  # type: ignore[no-untyped-def]  # noqa: N805
        is_deferred = person("decision", period) == Decision.deferred
        return np.where(
            is_deferred, person("latest_deferral_end", period), np.datetime64(UNTIL_REVIEWED, "D")
        )


VARIABLES: list[type[Variable]] = [
    birth_date,
    sex,
    registered,
    status,
    months_served,
    rank_group,
    rank,
    fitness,
    unfit_until,
    study_kind,
    study_end,
    sole_carer,
    serious_conviction,
    employer_accreditation,
    *CHILDREN,
    age,
    children_under_large_family_age,
    on_register,
    in_the_country_not_serving,
    prior_service,
    reserve_age,
    fit_for_service,
    no_serious_conviction,
    accredited_it,
    telecom_operator,
    systemic_media,
    banks_and_market_infrastructure,
    temporarily_unfit,
    temporarily_unfit_until,
    large_family,
    review_date,
    large_family_until,
    sole_carer_deferral,
    sole_carer_deferral_until,
    students_state_universities,
    students_private_postgraduate_religious,
    study_deferral_until,
    meets_criteria,
    exempt,
    latest_deferral_end,
    deferred,
    decision,
    decisive_ground,
    deferred_until,
]


class MobilizationSystem(TaxBenefitSystem):
    """The legislation: the person entity, the variables and the parameter tree."""

    def __init__(self) -> None:
        super().__init__([Person])
        self.add_variables(*VARIABLES)
        self.parameters = ParameterNode("", data={"mobilization": PARAMETERS})


# ---------------------------------------------------------------------------- data


def inputs(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """A registry frame (muster's columns) as OpenFisca input arrays, missing values encoded."""
    out: dict[str, np.ndarray] = {}
    for name, enum in ENUM_INPUTS.items():
        index = {member.name: i for i, member in enumerate(enum)}
        out[name] = (
            frame[name]
            .fill_null("none")
            .replace_strict(index, return_dtype=pl.Int16)
            .to_numpy()
            .astype(np.int16)
        )
    out["birth_date"] = frame["birth_date"].to_numpy().astype("datetime64[D]")
    for name in ("unfit_until", "study_end"):
        out[name] = frame[name].fill_null(UNTIL_REVIEWED).to_numpy().astype("datetime64[D]")
    for name in ("registered", "sole_carer", "serious_conviction"):
        if frame[name].null_count():
            raise ValueError(f"{name} has missing values; this model expects none")
        out[name] = frame[name].to_numpy().astype(bool)
    out["months_served"] = frame["months_served"].fill_null(0).to_numpy().astype(np.int32)
    children = frame.select(
        pl.col("children_birth_dates").str.split(";").list.eval(pl.element().str.to_date())
    )["children_birth_dates"]
    most = int(children.list.len().max() or 0)
    if most > MAX_CHILDREN:
        raise ValueError(f"a person has {most} children; this model holds {MAX_CHILDREN}")
    for k in range(MAX_CHILDREN):
        out[f"child_{k + 1}_birth_date"] = (
            children.list.get(k, null_on_oob=True)
            .fill_null(NO_CHILD)
            .to_numpy()
            .astype("datetime64[D]")
        )
    return out


def simulate(
    system: TaxBenefitSystem, data: dict[str, np.ndarray], day: date, outputs: Sequence[str]
) -> tuple[Simulation, dict[str, np.ndarray]]:
    """A simulation of every person in ``data``; the ``outputs`` calculated on ``day``."""
    count = len(next(iter(data.values())))
    simulation = SimulationBuilder().build_default_simulation(system, count)
    for name, values in data.items():
        simulation.set_input(name, "ETERNITY", values)
    period = day.isoformat()
    return simulation, {name: simulation.calculate(name, period) for name in outputs}


def decisions(results: dict[str, Any]) -> pl.DataFrame:
    """OpenFisca's results as muster's decision columns (``decision``, ``until``, ``ground``)."""
    until = results["deferred_until"]
    return pl.DataFrame(
        {
            "decision": results["decision"].decode_to_str(),
            "until": np.where(
                until == np.datetime64(UNTIL_REVIEWED, "D"), np.datetime64("NaT"), until
            ),
            "ground": pl.Series(results["decisive_ground"].decode_to_str()).replace_strict(
                {g.name: (None if g is Ground.none else g.value) for g in Ground},
                return_dtype=pl.String,
            ),
        },
        schema={"decision": pl.String, "until": pl.Date, "ground": pl.String},
    )
