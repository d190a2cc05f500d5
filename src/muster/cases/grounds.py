"""What a claim may rest on and where it goes: grounds the decree knows per kind of claim,
when the registry already proves one, the boards by tier, and where a rejected claim returns
the call-up."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from muster.errors import MusterError
from muster.policy.versions import Version
from muster.quotas import service as quotas
from muster.screening import service as screening
from muster.selection import lifecycle

TOP_TIER = 3
BOARDS = {1: "regional board", 2: "appeals board", 3: "national board"}
RELEASE_AS = {
    "exemption": "exempt",
    "deferral": "deferred",
    "wrongful": "wrongful",
    "unfit": "unfit",
}
# What an upheld claim grants under its decree, by kind: later screens honour it.
GRANTS = {
    "exemption": "exempt",
    "deferral": "deferred",
    "wrongful": "ineligible",
    "unfit": "ineligible",
}
# Where a call-up goes back to when its claim is rejected, by the state it was in.
RESUME = {
    "selected": "selected",
    "notified": "notified",
    "no_show": "notified",
    "reported": "reported",
    "examined": "examined",
}
OPEN_CALLUP = tuple(s for s in lifecycle.ACTIVE if s != "enlisted")


def grant_source(claim_id: int) -> str:
    """How a grant names the claim it was made on."""
    return f"claim {claim_id}"


def board_of(tier: int, region: str) -> str:
    return f"{BOARDS[tier]} {region}" if tier == 1 else BOARDS[tier]


def version_for(engine: Engine, *, campaign_id: int | None, day: date) -> Version:
    decree = quotas.get(engine, campaign_id=campaign_id).decree if campaign_id else None
    return screening.stored_decree(engine, decree).in_force(day)


def choices(version: Version) -> dict[str, list[tuple[str, str]]]:
    """Per kind of claim, the grounds the decree knows: (ground id, title)."""
    rule_kind = {"exemption": "exemption", "deferral": "deferral", "wrongful": "criterion"}
    found: dict[str, list[tuple[str, str]]] = {
        kind: [(r.id, r.title) for r in version.rules if r.kind == wanted]
        for kind, wanted in rule_kind.items()
    }
    found["wrongful"].insert(0, ("criteria-not-met", "I do not meet the criteria to be called"))
    found["unfit"] = [("unfit", "I am unfit for service")]
    return found


def check_ground(version: Version, kind: str, ground: str) -> None:
    """The ground must be one the decree knows for this kind of claim."""
    known = [g for g, _ in choices(version)[kind]] if kind in RELEASE_AS else []
    if ground not in known:
        raise MusterError(
            f"ground: {ground!r} is not a ground for a {kind} claim under {version.ref} "
            f"(expected one of: {', '.join(known)})"
        )


def proven(
    version: Version, kind: str, ground: str, decided: tuple[str, str | None], fitness: str | None
) -> tuple[str, str] | None:
    """If the registry already proves the claim: the reasons (the decree's words for the
    decisive ground) and its legal reference."""
    decision, decisive = decided
    rules = {r.id: r for r in version.rules}
    proven = (
        (kind == "exemption" and decision == "exempt" and decisive == ground)
        or (kind == "deferral" and decision == "deferred" and decisive == ground)
        or (kind == "wrongful" and decision == "ineligible")
        or (kind == "unfit" and decision != "eligible" and fitness in ("D", "G"))
    )
    if not proven:
        return None
    rule = rules.get(decisive or "")
    words = f"{rule.title} ({rule.id})" if rule else (decisive or "not on the register")
    extra = f"; fitness category {fitness}" if kind == "unfit" else ""
    reasons = (
        f"Verified automatically against the registry under {version.ref}: the decision is "
        f"{decision} on the ground {words}{extra}."
    )
    return reasons, rule.reference if rule else version.legal_source
