"""A claim's decision as a plain HTML letter the person can read and download."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from muster.cases.schemas import ClaimRead

KIND = {
    "exemption": "an exemption",
    "deferral": "a deferral",
    "wrongful": "release from a wrongful call-up",
    "unfit": "release as unfit for service",
}


def render(claim: ClaimRead, *, appeal_days: int, next_board: str | None) -> str:
    """The letter: what was asked, what was decided, why and under which law, and how to
    appeal and by when (or that no appeal is left)."""
    if claim.status == "pending":
        outcome = (
            f"Your claim is with the {claim.board}. It must be decided by {claim.due_on}; "
            "if it is not, it goes to the next board automatically. Until it is decided you "
            "will not be enlisted and no report day applies to you."
        )
        appeal = ""
    elif claim.status == "closed":
        outcome = (
            f"Your claim needs no decision any more: {claim.reasons}. Your call-up is "
            "released; you need do nothing more."
        )
        appeal = ""
    else:
        verdict = "upheld" if claim.status == "upheld" else "rejected"
        how = "automatically, from the registry" if claim.automatic else f"by {claim.decided_by}"
        outcome = f"Your claim was {verdict} on {claim.decided_on}, {how}."
        if claim.status == "upheld":
            appeal = "<p>Your call-up is released. You need do nothing more.</p>"
            if claim.kind == "deferral":
                appeal += "\n<p>" + escape(_deferral(claim)) + "</p>"
        elif next_board is None:
            appeal = "<p>This was the last board; no further appeal is open.</p>"
        else:
            by = (claim.decided_on or date.today()) + timedelta(days=appeal_days)
            appeal = (
                f"<p>You may appeal to the {escape(next_board)} by {by} "
                f"(`muster claims appeal {claim.id}`, or at your office), saying why the "
                "decision is wrong.</p>"
            )
    return (
        '<!doctype html>\n<html lang="en"><meta charset="utf-8">'
        f"<title>Claim {claim.id}</title>\n<body>\n"
        f"<h1>Decision on claim {claim.id}</h1>\n"
        f"<p>National id {escape(claim.national_id)}. Filed on {claim.filed_on} by "
        f"{escape(claim.filed_by)}: {KIND.get(claim.kind, escape(claim.kind))} on the ground "
        f"<code>{escape(claim.ground)}</code> (decree {escape(claim.decree_version)}).</p>\n"
        f"<p>{escape(outcome)}</p>\n"
        + (f"<h2>Reasons</h2>\n<p>{escape(claim.reasons)}</p>\n" if claim.reasons else "")
        + (f"<p>Legal reference: {escape(claim.reference)}</p>\n" if claim.reference else "")
        + appeal
        + "\n</body></html>\n"
    )


def _deferral(claim: ClaimRead) -> str:
    if claim.deferral_ended_on is not None:
        return (
            f"Your deferral ended on {claim.deferral_ended_on}: its ground no longer held on "
            "the registry. You may file a new claim if it still applies to you."
        )
    if claim.deferred_until is None:
        return "Your deferral lasts until it is reviewed."
    return (
        f"Your deferral lasts until {claim.deferred_until}. It renews by itself if the "
        "registry still shows its ground then; otherwise it ends and you may be called again."
    )
