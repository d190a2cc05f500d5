"""Accounts: who may be created, how passwords are kept, how sign-in is limited, how codes
and sessions expire."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from muster.accounts import service as accounts
from muster.accounts.models import User
from muster.errors import MusterError

PASSWORD = "a long enough password"
T0 = datetime(2022, 10, 11, 9, 0)


def test_a_password_is_kept_as_an_argon2_hash(populated: Engine) -> None:
    accounts.add_user(populated, username="ana", password=PASSWORD, role="hq", actor="t")
    with populated.connect() as conn:
        stored = conn.scalar(select(User.password_hash).where(User.username == "ana"))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "citizen"}, "not a staff role"),
        ({"role": "hq", "password": "short"}, "at least 10 characters"),
        ({"role": "regional_officer"}, "needs --region"),
        ({"role": "regional_officer", "region": "R99"}, "no region 'R99'"),
        ({"role": "employer_hr"}, "needs --employer"),
    ],
)
def test_bad_accounts_are_refused_with_what_to_do(
    populated: Engine, kwargs: dict[str, str], message: str
) -> None:
    args = {"username": "x", "password": PASSWORD, "actor": "t", **kwargs}
    with pytest.raises(MusterError, match=message):
        accounts.add_user(populated, **args)  # type: ignore[arg-type]


def test_a_username_is_taken_once(populated: Engine) -> None:
    accounts.add_user(populated, username="ana", password=PASSWORD, role="hq", actor="t")
    with pytest.raises(MusterError, match="'ana' is taken"):
        accounts.add_user(populated, username="ana", password=PASSWORD, role="auditor", actor="t")


def test_failed_sign_ins_lock_the_username_for_the_window_only(populated: Engine) -> None:
    accounts.add_user(populated, username="ana", password=PASSWORD, role="hq", actor="t")
    for i in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.SignInRefusedError):
            accounts.sign_in(populated, username="ana", password="wrong", client=f"c{i}", at=T0)
    with pytest.raises(accounts.TooManyAttemptsError):
        accounts.sign_in(populated, username="ana", password=PASSWORD, client="c", at=T0)
    later = T0 + accounts.FAILURE_WINDOW + timedelta(seconds=1)
    session = accounts.sign_in(populated, username="ana", password=PASSWORD, client="c", at=later)
    who = accounts.principal(populated, token=session.token, at=later)
    assert who is not None and who.role == "hq" and who.actor == "web:ana"


def test_sessions_expire_and_end_at_sign_out(populated: Engine) -> None:
    accounts.add_user(populated, username="ana", password=PASSWORD, role="auditor", actor="t")
    session = accounts.sign_in(populated, username="ana", password=PASSWORD, client="c", at=T0)
    assert accounts.principal(populated, token=session.token, at=T0) is not None
    expired = T0 + timedelta(hours=accounts.SESSION_HOURS, seconds=1)
    assert accounts.principal(populated, token=session.token, at=expired) is None
    accounts.sign_out(populated, token=session.token)
    assert accounts.principal(populated, token=session.token, at=T0) is None


def _code(engine: Engine, national_id: str) -> str:
    body = accounts.outbox(engine, national_id=national_id, limit=1)[0].body
    return body.split("code is ")[1][:6]


def _someone(engine: Engine) -> str:
    from muster.registry.models import Person

    with engine.connect() as conn:
        return str(conn.scalar(select(Person.national_id).limit(1)))


def test_a_code_goes_to_the_contact_address_expires_and_signs_in_once(populated: Engine) -> None:
    nid = _someone(populated)
    assert accounts.request_code(populated, national_id=nid, client="c", at=T0)
    message = accounts.outbox(populated, national_id=nid)[0]
    assert message.address and "valid for 10 minutes" in message.body
    code = _code(populated, nid)
    late = T0 + timedelta(minutes=accounts.CODE_MINUTES, seconds=1)
    with pytest.raises(accounts.SignInRefusedError, match="expired"):
        accounts.verify_code(populated, national_id=nid, code=code, client="c", at=late)
    accounts.request_code(populated, national_id=nid, client="c", at=late)
    fresh = _code(populated, nid)
    session = accounts.verify_code(populated, national_id=nid, code=fresh, client="c", at=late)
    assert accounts.principal(populated, token=session.token, at=late).national_id == nid  # type: ignore[union-attr]
    with pytest.raises(accounts.SignInRefusedError):
        accounts.verify_code(populated, national_id=nid, code=fresh, client="c", at=late)


def test_an_unknown_person_gets_no_code_and_codes_are_rationed(populated: Engine) -> None:
    assert not accounts.request_code(populated, national_id="ZZ0000000000", client="c", at=T0)
    nid = _someone(populated)
    for _ in range(accounts.MAX_CODES):
        accounts.request_code(populated, national_id=nid, client="c", at=T0)
    with pytest.raises(accounts.TooManyAttemptsError, match="sent several times"):
        accounts.request_code(populated, national_id=nid, client="c", at=T0)
