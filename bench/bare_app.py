"""The yardstick for ``web_status.py``: FastAPI with nothing behind it.

``GET /async`` answers a small constant JSON from the event loop; ``GET /sync`` does the same
from a plain ``def`` route, run in Starlette's thread pool like muster's routes. No middleware,
no database, no authentication.

    uvicorn --app-dir bench bare_app:app --port 8001 --workers 2
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
BODY = {"status": "ok", "headline": "not_called"}


@app.get("/async")
async def constant_async() -> dict[str, str]:
    return BODY


@app.get("/sync")
def constant_sync() -> dict[str, str]:
    return BODY
