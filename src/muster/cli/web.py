"""``muster serve``, ``muster users …`` and ``muster outbox``: the web app and its accounts."""

from __future__ import annotations

import os
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from muster.accounts import service as accounts
from muster.cli.common import engine, err, out, settings
from muster.db.engine import WORKER_CONNECTIONS, server_connections
from muster.errors import MusterError

users_app = typer.Typer(help="Staff accounts and their roles.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only).")] = 1,
    today: Annotated[
        str | None,
        typer.Option(
            help="The service's date YYYY-MM-DD, for a replay or a demo of a past campaign."
        ),
    ] = None,
) -> None:
    """Serve the API (/api/v1, OpenAPI at /api/v1/openapi.json), the staff workspace, the
    citizen portal and the public pages."""
    import uvicorn

    s = settings(ctx)
    db = engine(ctx)  # migrate and fail early with a clear message
    os.environ["MUSTER_DB"] = s.db
    if today is not None:
        try:
            date.fromisoformat(today)
        except ValueError:
            raise MusterError(f"--today: {today!r} is not a date (expected YYYY-MM-DD)") from None
        os.environ["MUSTER_TODAY"] = today
    if workers < 1:
        raise MusterError(f"--workers: {workers} is not a number of processes (1 or more)")
    if workers > 1 and s.db.startswith("sqlite"):
        raise MusterError(
            "--workers: several worker processes need PostgreSQL (--db postgresql://…)"
        )
    if workers > 1:  # refuse now rather than fail requests under load
        allowed, need = server_connections(db), workers * WORKER_CONNECTIONS
        if need > allowed:
            raise MusterError(
                f"--workers {workers}: each worker may hold up to {WORKER_CONNECTIONS} "
                f"PostgreSQL connections, {need} in all, but the server gives ordinary users "
                f"{allowed} (max_connections less superuser_reserved_connections); use "
                f"--workers {max(1, allowed // WORKER_CONNECTIONS)} or raise max_connections"
            )
    err.print(f"Muster on http://{host}:{port}  (database {s.db}; Ctrl+C stops)")
    uvicorn.run(
        "muster.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@users_app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[
        str,
        typer.Option(
            help="hq, regional_officer, medical_board, appeals_board, employer_hr or auditor."
        ),
    ],
    region: Annotated[str | None, typer.Option(help="A regional officer's region code.")] = None,
    employer: Annotated[str | None, typer.Option(help="Employer HR's employer code.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="Password (at least 10 characters); asked for when omitted.",
            envvar="MUSTER_NEW_PASSWORD",
        ),
    ] = None,
) -> None:
    """Create a staff account (the password is stored as an Argon2 hash)."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = accounts.add_user(
        engine(ctx),
        username=username,
        password=password,
        role=role,
        region=region,
        employer=employer,
        display_name=name,
        actor=settings(ctx).actor_name(),
    )
    out.print(f"Added {user.username} ({user.role}).")


@users_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Staff accounts."""
    grid = Table("username", "name", "role", "region", "employer", "active")
    for u in accounts.list_users(engine(ctx)):
        grid.add_row(
            u.username,
            u.display_name,
            u.role,
            u.region_code or "",
            u.employer_code or "",
            "yes" if u.active else "no",
        )
    out.print(grid)


def outbox(
    ctx: typer.Context,
    national_id: Annotated[str | None, typer.Option(help="Only messages to this person.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
) -> None:
    """Messages waiting for the mail/SMS gateway (sign-in codes), newest first."""
    for m in accounts.outbox(engine(ctx), national_id=national_id, limit=limit):
        out.print(f"{m.created_at:%Y-%m-%d %H:%M} to {m.national_id} <{m.address}>: {m.body}")


DEMO_PASSWORD = "demo-password-1"


def demo_accounts(ctx: typer.Context, *, region: str, employer: str | None) -> None:
    """One staff account per role for the demo (skipped if present), printed with the
    password, and how a citizen signs in."""
    eng = engine(ctx)
    have = {u.username for u in accounts.list_users(eng)}
    wanted: list[tuple[str, str, str | None, str | None]] = [
        ("hq", "hq", None, None),
        (f"officer-{region.lower()}", "regional_officer", region, None),
        ("medical", "medical_board", None, None),
        ("appeals", "appeals_board", None, None),
        ("auditor", "auditor", None, None),
    ]
    if employer:
        wanted.append((f"hr-{employer.lower()}", "employer_hr", None, employer))
    grid = Table("username", "role", "password", title="Demo accounts", title_justify="left")
    for username, role, in_region, of_employer in wanted:
        if username not in have:
            accounts.add_user(
                eng,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                region=in_region,
                employer=of_employer,
                actor=settings(ctx).actor_name(),
            )
        grid.add_row(username, role, DEMO_PASSWORD)
    out.print(grid)
    out.print(
        "Citizens sign in at /citizen/sign-in with a national id; the one-time code is in "
        "`muster outbox --national-id ID` (the demo's stand-in for the SMS gateway)."
    )
