"""The shared vocabulary of the registry and the decrees: every enumerated value, once.

Both ``registry`` (which stores these values) and ``policy`` (whose conditions compare
against them) import it; it sits at the bottom of the layers with ``config`` and ``errors``.
"""

from __future__ import annotations

SEXES = ("M", "F")
SETTLEMENTS = ("urban", "rural")
FITNESS = ("A", "B", "V", "G", "D")
STATUSES = ("active", "serving", "deceased", "abroad")
RANK_GROUPS = ("soldier", "nco", "junior_officer", "senior_officer")
RANKS: dict[str, str] = {
    "private": "soldier",
    "corporal": "soldier",
    "sergeant": "nco",
    "senior_sergeant": "nco",
    "sergeant_major": "nco",
    "warrant_officer": "nco",
    "lieutenant": "junior_officer",
    "senior_lieutenant": "junior_officer",
    "captain": "junior_officer",
    "major": "senior_officer",
    "lieutenant_colonel": "senior_officer",
    "colonel": "senior_officer",
    "general": "senior_officer",
}
SECTORS = (
    "it",
    "telecom",
    "media",
    "finance",
    "energy",
    "agriculture",
    "health",
    "education",
    "defence_industry",
    "public_service",
    "other",
    "none",
)
ACCREDITATIONS = (
    "it_accredited",
    "telecom_operator",
    "systemic_media",
    "bank",
    "financial_infrastructure",
)
STUDY_KINDS = (
    "state_university",
    "private_university",
    "postgraduate",
    "religious_school",
    "vocational_college",
)

# What can happen when a notice is delivered, per channel. Which outcomes count as delivered
# is a rule of the decree (``campaign.notices.delivered_when``), never assumed.
DELIVERY_OUTCOMES: dict[str, tuple[str, ...]] = {
    "in_person": ("handed_over", "refused", "not_met"),
    "registered_mail": ("signed_for", "refused", "returned_unclaimed"),
    "electronic": ("placed_in_account", "opened"),
}
