"""Roles, accounts and the signed-in principal as the web and the command line see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel

from muster.timestamps import UtcDateTime

Role = Literal[
    "hq",
    "regional_officer",
    "medical_board",
    "appeals_board",
    "employer_hr",
    "auditor",
    "citizen",
]
ROLES: tuple[str, ...] = get_args(Role)
STAFF_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != "citizen")
ROLE_TITLES = {
    "hq": "National headquarters",
    "regional_officer": "Regional officer",
    "medical_board": "Medical board",
    "appeals_board": "Appeals board",
    "employer_hr": "Employer HR",
    "auditor": "Auditor",
    "citizen": "Citizen",
}


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    region_code: str | None
    employer_code: str | None
    active: bool
    created_at: UtcDateTime


class SessionRead(BaseModel):
    """A new session: the token goes in a cookie (browser) or a bearer header (API client);
    the CSRF token must accompany every form or cookie-authenticated change."""

    token: str
    csrf: str
    expires_at: UtcDateTime
    role: str


class OutboxRead(BaseModel):
    id: int
    national_id: str
    address: str
    subject: str
    body: str
    created_at: UtcDateTime


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is signed in: a staff user (``username``) or a citizen (``national_id``)."""

    role: str
    name: str
    csrf: str
    username: str | None = None
    national_id: str | None = None
    region_code: str | None = None
    employer_code: str | None = None

    @property
    def actor(self) -> str:
        """The actor written in the audit log."""
        return f"web:{self.username}" if self.username else f"citizen:{self.national_id}"
