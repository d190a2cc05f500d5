"""schemathesis against the OpenAPI document: generated requests, signed in as headquarters,
a board member or a citizen, never make the server fail, and every response matches the
schema."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from muster.config import Settings
from muster.web.app import create_app
from tests.web.conftest import Site


def _document() -> dict[str, Any]:
    """The OpenAPI document as the app publishes it (it does not depend on the data)."""
    folder = Path(tempfile.mkdtemp(prefix="muster-openapi-"))
    spec: dict[str, Any] = create_app(Settings(db=f"sqlite:///{folder / 'm.db'}")).openapi()
    return spec


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case: schemathesis.Case, site: Site) -> None:
    if case.path == "/api/v1/auth/sign-out":
        return  # it would end the session the other cases use; covered in test_matrix
    role = "hq"
    if case.path.startswith("/api/v1/me"):
        role = "citizen"
    elif case.path.startswith("/api/v1/claims/"):
        role = "appeals_board"
    kwargs = case.as_transport_kwargs(base_url="http://127.0.0.1", headers=site.bearer(role))
    response = site.client.request(**{k: v for k, v in kwargs.items() if k != "base_url"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    case.validate_response(response)
