"""The call-up lifecycle, declared in one place: states and the moves between them.

selected → notified → reported → examined → enlisted; released (with a reason) from any
state before enlisted; no-show and claim-pending are side states a call-up returns from (a
rejected claim returns the call-up to where it was, a notified one to notified).
Any other move is refused with a readable error.
"""

from __future__ import annotations

from muster.errors import MusterError

STATES = (
    "selected",
    "notified",
    "reported",
    "examined",
    "enlisted",
    "released",
    "no_show",
    "claim_pending",
)
ACTIVE = tuple(s for s in STATES if s != "released")
RELEASE_REASONS = ("unfit", "exempt", "deferred", "wrongful", "quota_closed")

MOVES: dict[str, tuple[str, ...]] = {
    "selected": ("notified", "claim_pending", "released"),
    "notified": ("reported", "no_show", "claim_pending", "released"),
    "no_show": ("notified", "reported", "claim_pending", "released"),
    "claim_pending": ("selected", "notified", "reported", "examined", "released"),
    "reported": ("examined", "claim_pending", "released"),
    "examined": ("enlisted", "claim_pending", "released"),
    "enlisted": (),
    "released": (),
}
assert set(MOVES) == set(STATES) and all(t in STATES for ts in MOVES.values() for t in ts)

_VERB = {
    "notified": "notify",
    "reported": "record reporting",
    "examined": "record an examination",
    "enlisted": "enlist",
    "released": "release",
    "no_show": "record a no-show",
    "claim_pending": "open a claim",
    "selected": "select",
}


def check_move(current: str, target: str) -> None:
    """Refuse a move the lifecycle does not allow, saying what is allowed instead."""
    if target not in STATES:
        raise MusterError(f"{target!r} is not a call-up state; states: {', '.join(STATES)}")
    if target in MOVES[current]:
        return
    allowed = MOVES[current]
    what = current.replace("_", " ")
    raise MusterError(
        f"can't {_VERB[target]} when the call-up is {what}"
        + (
            f"; from {what} it can only be: {', '.join(a.replace('_', ' ') for a in allowed)}"
            if allowed
            else f"; {what} is final"
        )
    )
