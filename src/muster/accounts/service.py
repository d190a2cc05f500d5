"""Staff accounts with Argon2 password hashes, citizens' one-time codes sent through the
outbox, server-side sessions with CSRF tokens, and sign-in rate limits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update

from muster.accounts.models import OneTimeCode, OutboxMessage, SignInFailure, User, WebSession
from muster.accounts.schemas import (
    ROLE_TITLES,
    ROLES,
    STAFF_ROLES,
    OutboxRead,
    Principal,
    SessionRead,
    UserRead,
)
from muster.audit import service as audit
from muster.audit.schemas import Event
from muster.db.clock import now as utcnow
from muster.db.engine import connected
from muster.errors import MusterError
from muster.registry.models import Employer, Person, Region

SESSION_HOURS = 8
CODE_MINUTES = 10
CODE_ATTEMPTS = 5
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # per username or national id in the window
MAX_CLIENT_FAILURES = 30  # per client address in the window
MAX_CODES = 3  # codes sent to one person in the window
MIN_PASSWORD = 10

_hasher = PasswordHasher()


class SignInRefusedError(MusterError):
    """Wrong username, password or code; the message never says which."""


class TooManyAttemptsError(MusterError):
    """Too many failed sign-ins for this account or client; try again later."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _read(u: Any) -> UserRead:
    return UserRead.model_validate(u, from_attributes=True)


def add_user(
    engine: Engine,
    *,
    username: str,
    password: str,
    role: str,
    actor: str,
    display_name: str | None = None,
    region: str | None = None,
    employer: str | None = None,
) -> UserRead:
    """Create a staff account. A regional officer needs a region, employer HR an employer."""
    if role not in STAFF_ROLES:
        raise MusterError(
            f"role: {role!r} is not a staff role (expected one of: {', '.join(STAFF_ROLES)}; "
            "citizens sign in with their national id and a one-time code)"
        )
    if not username.strip() or len(username) > 80:
        raise MusterError("username: expected 1 to 80 characters")
    if len(password) < MIN_PASSWORD:
        raise MusterError(f"password: expected at least {MIN_PASSWORD} characters")
    if role == "regional_officer" and not region:
        raise MusterError("region: a regional officer needs --region CODE")
    if role == "employer_hr" and not employer:
        raise MusterError("employer: employer HR needs --employer CODE")
    with engine.begin() as conn:
        if (
            region is not None
            and conn.scalar(select(Region.code).where(Region.code == region)) is None
        ):
            raise MusterError(f"region: no region {region!r} in the registry")
        if (
            employer is not None
            and conn.scalar(select(Employer.code).where(Employer.code == employer)) is None
        ):
            raise MusterError(f"employer: no employer {employer!r} in the registry")
        if conn.scalar(select(User.id).where(User.username == username)) is not None:
            raise MusterError(f"username: {username!r} is taken")
        new_id = conn.execute(
            insert(User).returning(User.id),
            {
                "username": username,
                "display_name": display_name or username,
                "role": role,
                "region_code": region if role == "regional_officer" else None,
                "employer_code": employer if role == "employer_hr" else None,
                "password_hash": _hasher.hash(password),
                "active": True,
                "created_at": utcnow(),
            },
        ).scalar_one()
        audit.record(
            conn,
            Event(
                actor=actor,
                action="user.added",
                subject=f"user:{username}",
                after={"role": role, "region": region, "employer": employer},
            ),
        )
        row = conn.execute(select(User).where(User.id == new_id)).one()
    return _read(row)


def list_users(engine: Engine) -> list[UserRead]:
    with engine.connect() as conn:
        return [_read(u) for u in conn.execute(select(User).order_by(User.username))]


def _throttle(conn: Connection, keys: list[tuple[str, int]], at: datetime) -> None:
    for key, limit in keys:
        failures = conn.scalar(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.key == key, SignInFailure.at > at - FAILURE_WINDOW)
        )
        if (failures or 0) >= limit:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise TooManyAttemptsError(
                f"too many failed sign-ins; wait {minutes} minutes and try again"
            )


def _fail(engine: Engine, keys: list[str], at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(SignInFailure), [{"key": k, "at": at} for k in keys])


def _open_session(
    engine: Engine, *, user_id: int | None, national_id: str | None, role: str, at: datetime
) -> SessionRead:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = at + timedelta(hours=SESSION_HOURS)
    with engine.begin() as conn:
        conn.execute(delete(WebSession).where(WebSession.expires_at < at))
        conn.execute(
            insert(WebSession),
            {
                "token_hash": _sha(token),
                "user_id": user_id,
                "national_id": national_id,
                "csrf": csrf,
                "created_at": at,
                "expires_at": expires,
            },
        )
    return SessionRead(token=token, csrf=csrf, expires_at=expires, role=role)


def sign_in(
    engine: Engine, *, username: str, password: str, client: str, at: datetime | None = None
) -> SessionRead:
    """A staff sign-in. Failures count against the username and the client address; past
    the limit every attempt is refused for the window, right password or not."""
    at = at or utcnow()
    keys = [f"user:{username}", f"client:{client}"]
    with engine.connect() as conn:
        _throttle(conn, [(keys[0], MAX_FAILURES), (keys[1], MAX_CLIENT_FAILURES)], at)
        user = conn.execute(select(User).where(User.username == username)).first()
    try:
        if user is None or not user.active:
            raise VerificationError("unknown user")
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        _fail(engine, keys, at)
        raise SignInRefusedError("the username or password is wrong") from None
    return _open_session(engine, user_id=user.id, national_id=None, role=user.role, at=at)


def request_code(
    engine: Engine, *, national_id: str, client: str, at: datetime | None = None
) -> bool:
    """Send a one-time sign-in code to the person's contact address through the outbox.
    Returns whether one was sent; callers say the same thing either way, so the page does
    not reveal who is in the registry."""
    at = at or utcnow()
    keys = [f"citizen:{national_id}", f"client:{client}"]
    with engine.begin() as conn:
        _throttle(conn, [(keys[0], MAX_FAILURES), (keys[1], MAX_CLIENT_FAILURES)], at)
        sent = conn.scalar(
            select(func.count())
            .select_from(OneTimeCode)
            .where(
                OneTimeCode.national_id == national_id,
                OneTimeCode.expires_at > at - FAILURE_WINDOW,
            )
        )
        if (sent or 0) >= MAX_CODES:
            raise TooManyAttemptsError(
                "a code was sent several times already; use the last one or wait 15 minutes"
            )
        person = conn.execute(
            select(Person.address).where(Person.national_id == national_id)
        ).first()
        if person is None:
            conn.execute(insert(SignInFailure), [{"key": k, "at": at} for k in keys])
            return False
        code = f"{secrets.randbelow(10**6):06d}"
        conn.execute(
            insert(OneTimeCode),
            {
                "national_id": national_id,
                "code_hash": _sha(f"{national_id}:{code}"),
                "expires_at": at + timedelta(minutes=CODE_MINUTES),
                "attempts": 0,
                "used": False,
            },
        )
        conn.execute(
            insert(OutboxMessage),
            {
                "national_id": national_id,
                "address": person.address,
                "subject": "Your Muster sign-in code",
                "body": f"Your sign-in code is {code}. It is valid for {CODE_MINUTES} minutes. "
                "Nobody from the service will ever ask you for it.",
                "created_at": at,
            },
        )
    return True


def verify_code(
    engine: Engine, *, national_id: str, code: str, client: str, at: datetime | None = None
) -> SessionRead:
    """A citizen's sign-in with the newest unexpired code sent to them."""
    at = at or utcnow()
    keys = [f"citizen:{national_id}", f"client:{client}"]
    with engine.begin() as conn:
        _throttle(conn, [(keys[0], MAX_FAILURES), (keys[1], MAX_CLIENT_FAILURES)], at)
        row = conn.execute(
            select(OneTimeCode)
            .where(
                OneTimeCode.national_id == national_id,
                OneTimeCode.expires_at > at,
                OneTimeCode.used.is_(False),
                OneTimeCode.attempts < CODE_ATTEMPTS,
            )
            .order_by(OneTimeCode.id.desc())
            .limit(1)
        ).first()
        good = row is not None and hmac.compare_digest(
            row.code_hash, _sha(f"{national_id}:{code.strip()}")
        )
        if row is not None:
            conn.execute(
                update(OneTimeCode)
                .where(OneTimeCode.id == row.id)
                .values(attempts=OneTimeCode.attempts + 1, used=good)
            )
    if not good:
        _fail(engine, keys, at)
        raise SignInRefusedError("the code is wrong or has expired; ask for a new one")
    return _open_session(engine, user_id=None, national_id=national_id, role="citizen", at=at)


# Asked on every signed-in request: built once (see ``muster.db.statements``).
_SESSION = select(WebSession.user_id, WebSession.national_id, WebSession.csrf).where(
    WebSession.token_hash == bindparam("token_hash"), WebSession.expires_at > bindparam("at")
)
_USER = select(User).where(User.id == bindparam("user_id"))


def principal(
    engine: Engine | Connection, *, token: str, at: datetime | None = None
) -> Principal | None:
    """Who holds this session token, or None if it is unknown or expired."""
    at = at or utcnow()
    with connected(engine) as conn:
        s = conn.execute(_SESSION, {"token_hash": _sha(token), "at": at}).first()
        if s is None:
            return None
        if s.national_id is not None:
            return Principal(
                role="citizen", name=s.national_id, csrf=s.csrf, national_id=s.national_id
            )
        u = conn.execute(_USER, {"user_id": s.user_id}).first()
    if u is None or not u.active:
        return None
    return Principal(
        role=u.role,
        name=u.display_name,
        csrf=s.csrf,
        username=u.username,
        region_code=u.region_code,
        employer_code=u.employer_code,
    )


def sign_out(engine: Engine, *, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(WebSession).where(WebSession.token_hash == _sha(token)))


def outbox(engine: Engine, *, national_id: str | None = None, limit: int = 50) -> list[OutboxRead]:
    """Messages waiting for the gateway, newest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if national_id is not None:
        query = query.where(OutboxMessage.national_id == national_id)
    with engine.connect() as conn:
        return [OutboxRead.model_validate(m, from_attributes=True) for m in conn.execute(query)]


__all__ = [
    "ROLES",
    "ROLE_TITLES",
    "STAFF_ROLES",
    "SignInRefusedError",
    "TooManyAttemptsError",
    "add_user",
    "list_users",
    "outbox",
    "principal",
    "request_code",
    "sign_in",
    "sign_out",
    "verify_code",
]
