"""Settings, from the environment (``MUSTER_*``) or from command-line options."""

from __future__ import annotations

import getpass
from datetime import date

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_URL = "sqlite:///muster.db"


class Settings(BaseSettings):
    """Process-wide settings. ``MUSTER_DB=postgresql+psycopg://…`` selects PostgreSQL."""

    model_config = SettingsConfigDict(env_prefix="MUSTER_", extra="ignore")

    db: str = DEFAULT_DB_URL
    actor: str = ""
    evidence_dir: str = "evidence"
    publish_dir: str = "published"
    # The service's date for decisions and deadlines in the web app (a replay or a demo of a
    # past campaign sets it); empty means the real date.
    today: date | None = None
    # Send the session cookie only over HTTPS (set behind a TLS-terminating proxy).
    cookie_secure: bool = False

    def service_date(self) -> date:
        return self.today or date.today()

    def actor_name(self) -> str:
        """Who is acting, for history and audit: ``MUSTER_ACTOR`` or ``cli:<os user>``."""
        if self.actor:
            return self.actor
        try:
            return f"cli:{getpass.getuser()}"
        except (KeyError, OSError):
            return "cli:unknown"


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit values (e.g. ``--db``) taking precedence."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
