"""Shares of the synthetic population, in one place, each with where it comes from.

The numbers are plausible assumptions for a country of 30 million persons liable for service,
shaped after what is publicly reported about Eastern European reserves and labour markets.
They are not official statistics; docs/synthetic-population.md explains each choice.
"""

from __future__ import annotations

# Sex of persons on the military register: men, and women with military-relevant specialties.
MALE_SHARE = 0.94

# Age pyramid 18–65 on the reference date: relative cohort size at each anchor age, linear in
# between. The dip at 25–30 echoes the low birth cohorts of the late 1990s, the bulge at 36–44
# the large cohorts of the 1980s, the tail the mortality of older men.
AGE_ANCHORS = (
    (18, 0.90),
    (22, 0.85),
    (27, 0.72),
    (32, 0.95),
    (38, 1.20),
    (44, 1.10),
    (50, 0.95),
    (56, 0.88),
    (65, 0.70),
)

# Prior service: share of men with months served > 0; conscripts served 12 months, older men
# (35 and over) 24 months; a tenth served on contract for 3–20 years.
SERVED_SHARE_MEN = 0.70
SERVED_SHARE_WOMEN = 0.10
CONTRACT_SHARE = 0.10
REGISTERED_SHARE = 0.96

RANK_GROUP_SHARES = {"soldier": 0.80, "nco": 0.13, "junior_officer": 0.05, "senior_officer": 0.02}
RANK_SHARES = {
    "soldier": {"private": 0.75, "corporal": 0.25},
    "nco": {
        "sergeant": 0.45,
        "senior_sergeant": 0.25,
        "sergeant_major": 0.10,
        "warrant_officer": 0.20,
    },
    "junior_officer": {"lieutenant": 0.30, "senior_lieutenant": 0.35, "captain": 0.35},
    "senior_officer": {"major": 0.50, "lieutenant_colonel": 0.30, "colonel": 0.17, "general": 0.03},
}
# Military specialty codes (synthetic, in the style of occupational specialty codes).
SPECIALTIES = {
    "MS-100": ("rifleman", 0.30),
    "MS-110": ("machine gunner", 0.06),
    "MS-120": ("grenadier", 0.04),
    "MS-200": ("driver", 0.14),
    "MS-210": ("tank crew", 0.04),
    "MS-220": ("armoured vehicle crew", 0.05),
    "MS-300": ("artillery", 0.06),
    "MS-310": ("air defence", 0.03),
    "MS-400": ("signals", 0.05),
    "MS-410": ("electronic warfare", 0.01),
    "MS-500": ("combat engineer", 0.04),
    "MS-600": ("medic", 0.04),
    "MS-610": ("military doctor", 0.01),
    "MS-700": ("repair technician", 0.05),
    "MS-710": ("drone operator", 0.01),
    "MS-800": ("logistics", 0.05),
    "MS-900": ("staff and command", 0.02),
}
COMBAT_SHARE_OF_SERVED = 0.08

# Fitness categories A (fit) … D (unfit); G is temporarily unfit until a date.
FITNESS_SHARES = {"A": 0.38, "B": 0.36, "V": 0.15, "G": 0.03, "D": 0.08}

# Occupation sectors of the employed, for urban and rural residents; "none" = not employed.
SECTOR_SHARES_URBAN = {
    "it": 0.045,
    "telecom": 0.012,
    "media": 0.010,
    "finance": 0.030,
    "energy": 0.025,
    "agriculture": 0.015,
    "health": 0.040,
    "education": 0.030,
    "defence_industry": 0.030,
    "public_service": 0.060,
    "other": 0.553,
    "none": 0.150,
}
SECTOR_SHARES_RURAL = {
    "it": 0.008,
    "telecom": 0.006,
    "media": 0.003,
    "finance": 0.010,
    "energy": 0.040,
    "agriculture": 0.180,
    "health": 0.035,
    "education": 0.040,
    "defence_industry": 0.025,
    "public_service": 0.060,
    "other": 0.413,
    "none": 0.180,
}
SELF_EMPLOYED_SHARE = 0.05
PERSONS_PER_EMPLOYER = 150
ACCREDITATION_SHARES = {
    "it": {"it_accredited": 0.55},
    "telecom": {"telecom_operator": 0.40},
    "media": {"systemic_media": 0.10},
    "finance": {"bank": 0.30, "financial_infrastructure": 0.05},
}
CRITICAL_SHARES = {
    "energy": 0.60,
    "telecom": 0.30,
    "defence_industry": 0.80,
    "health": 0.10,
    "public_service": 0.05,
}

# Full-time study by age, and the kind of school among students.
STUDY_BY_AGE = ((18, 0.35), (21, 0.35), (22, 0.20), (23, 0.20), (24, 0.08), (25, 0.0))
POSTGRADUATE_SHARE_23_30 = 0.03
STUDY_KIND_SHARES = {
    "state_university": 0.65,
    "private_university": 0.15,
    "vocational_college": 0.17,
    "religious_school": 0.03,
}

# Children for persons aged 30 and over (younger persons scaled down by age).
CHILDREN_SHARES = (0.25, 0.33, 0.30, 0.09, 0.015, 0.008, 0.004, 0.003)
SOLE_CARER_SHARE = 0.012
DISABILITY_SHARES = {1: 0.002, 2: 0.008, 3: 0.020}
SERIOUS_CONVICTION_SHARE_MEN = 0.015
STATUS_SHARES = {"serving": 0.010, "abroad": 0.015, "deceased": 0.004}

# Regions: two metropolises take 9% and 4% of the persons, the rest a log-normal spread;
# about a fifth of the other regions are minority regions, more often small and rural.
METROPOLIS_SHARES = (0.09, 0.04)
REGION_SIZE_SIGMA = 0.8
MINORITY_SHARE = 0.22
DISTRICTS_PER_REGION_SHARE = 2000  # districts ≈ share of persons × this, 3 to 125 a region
# Office capacities per day, from the district's expected number of persons.
PERSONS_PER_NOTICE_SLOT = 2500
PERSONS_PER_RECEPTION_SLOT = 3000
PERSONS_PER_EXAM_SLOT = 4000
