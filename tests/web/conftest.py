"""A running campaign behind the web app: the small registry screened against the 2022
decree, a campaign drawn, the first day's notices issued, one staff account per role.

It is built once per test run into a template SQLite file; every test gets its own copy, so
tests may change anything.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select, text

from muster.accounts import service as accounts
from muster.config import Settings
from muster.db.engine import get_engine
from muster.notices import service as notices
from muster.quotas import service as quotas
from muster.registry import service as registry
from muster.registry.models import Employer, Person
from muster.screening import service as screening
from muster.selection import service as selection
from muster.web.app import create_app
from tests.conftest import PG_ADMIN_URL

DECREE = Path("decrees/partial-mobilization-2022.yaml")
DECREE_ID = "partial-mobilization-2022"
TODAY = date(2022, 10, 11)
PASSWORD = "correct horse battery"
ROLES = ("hq", "regional_officer", "medical_board", "appeals_board", "employer_hr", "auditor")


@dataclass
class Site:
    engine: Engine
    client: TestClient
    campaign: int
    region: str  # the regional officer's region
    other_region: str
    employer: str
    called: str  # a called-up citizen (notice issued) in ``region``
    stranger: str  # a called-up citizen of ``other_region``
    tokens: dict[str, str] = field(default_factory=dict)

    def citizen_code(self, national_id: str) -> str:
        """The newest code in the outbox for this person, as the gateway would deliver it."""
        body = accounts.outbox(self.engine, national_id=national_id, limit=1)[0].body
        found = re.search(r"\b(\d{6})\b", body)
        assert found, body
        return found.group(1)

    def token(self, role: str) -> str:
        """A bearer token for the role (cached): staff by password, a citizen by code."""
        if role not in self.tokens:
            if role == "citizen":
                accounts.request_code(self.engine, national_id=self.called, client="test")
                session = accounts.verify_code(
                    self.engine,
                    national_id=self.called,
                    code=self.citizen_code(self.called),
                    client="test",
                )
            else:
                session = accounts.sign_in(
                    self.engine, username=role, password=PASSWORD, client="test"
                )
            self.tokens[role] = session.token
        return self.tokens[role]

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}


def _populate(engine: Engine) -> None:
    registry.generate(engine, persons=3_000, seed=7, regions=12, actor="test")
    screening.load_decree(engine, DECREE, actor="test")
    screening.screen(engine, as_of=date(2022, 10, 10), actor="test")
    campaign = quotas.open_campaign(engine, decree_id=DECREE_ID, target=40, actor="hq")
    selection.commit(engine, campaign_id=campaign.id, actor="hq")
    selection.draw(engine, campaign_id=campaign.id, actor="hq")
    notices.issue(engine, campaign_id=campaign.id, day=TODAY, actor="officer")
    with engine.connect() as conn:
        employer = conn.scalar(select(Employer.code).order_by(Employer.code).limit(1))
    issued = notices.list_notices(engine, campaign_id=campaign.id)
    region = issued[0].region
    for role in ROLES:
        accounts.add_user(
            engine,
            username=role,
            password=PASSWORD,
            role=role,
            region=region if role == "regional_officer" else None,
            employer=employer if role == "employer_hr" else None,
            actor="test",
        )


def _build(path: Path) -> None:
    engine = get_engine(f"sqlite:///{path}")
    _populate(engine)
    with engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "template.db"
    _build(path)
    return path


@pytest.fixture(scope="session")
def pg_web_template(pg_url: str) -> Iterator[str]:
    """The same campaign in a PostgreSQL database each test copies (CREATE DATABASE …
    TEMPLATE)."""
    name = f"muster_web_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = get_engine(url)
    _populate(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _database(request: pytest.FixtureRequest, web_template: Path, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "muster.db"
        shutil.copy(web_template, path)
        yield f"sqlite:///{path}"
        return
    template: str = request.getfixturevalue("pg_web_template")
    name = f"muster_web_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, web_template: Path, tmp_path: Path) -> Iterator[Site]:
    """The app over a copy of the campaign: SQLite, and PostgreSQL."""
    databases = _database(request, web_template, tmp_path)
    url = next(databases)
    settings = Settings(
        db=url,
        today=TODAY,
        evidence_dir=str(tmp_path / "evidence"),
        publish_dir=str(tmp_path / "published"),
    )
    app = create_app(settings)
    engine = app.state.engine
    issued = notices.list_notices(engine)
    first = issued[0]
    other = next(n for n in issued if n.region != first.region)
    with engine.connect() as conn:
        employer = conn.scalar(select(Employer.code).order_by(Employer.code).limit(1))
        assert conn.scalar(select(Person.id).where(Person.national_id == first.national_id))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Site(
            engine=engine,
            client=client,
            campaign=first.campaign,
            region=first.region,
            other_region=other.region,
            employer=str(employer),
            called=first.national_id,
            stranger=other.national_id,
        )
    engine.dispose()
    next(databases, None)
