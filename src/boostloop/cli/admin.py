"""``boostloop workspaces create``, ``boostloop users create``, ``boostloop tokens create``,
``boostloop jobs run NAME [--workspace W]``."""

from __future__ import annotations

import getpass
import json
import os
import sys
import uuid
from typing import Annotated

import sqlalchemy as sa
import typer

from boostloop.enums import JobTrigger, Role
from boostloop.errors import BoostloopError
from boostloop.server.settings import get_settings

workspaces_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs (for cron / Kubernetes CronJob).", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Default: BOOSTLOOP_DATABASE_URL or ./boostloop.db")
]


def register(app: typer.Typer) -> None:
    app.add_typer(workspaces_app, name="workspaces")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(jobs_app, name="jobs")


def _engine(url: str | None):
    from boostloop.server.db.session import create_db_engine

    return create_db_engine(url or get_settings().database_url)


def _fail(exc: BoostloopError) -> None:
    typer.echo(f"error: {exc.detail}", err=True)
    raise typer.Exit(2)


def _find_workspace(session, ref: str):
    from boostloop.server.db.models import Workspace

    try:
        ws = session.get(Workspace, uuid.UUID(ref))
    except ValueError:
        ws = session.scalar(sa.select(Workspace).where(Workspace.slug == ref))
    if ws is None:
        typer.echo(f"error: no workspace {ref!r} (id or slug)", err=True)
        raise typer.Exit(2)
    return ws


def _find_user(session, email: str):
    from boostloop.server.auth.service import get_user_by_email

    user = get_user_by_email(session, email)
    if user is None:
        typer.echo(f"error: no user {email}", err=True)
        raise typer.Exit(2)
    return user


@workspaces_app.command("create")
def workspaces_create(
    name: str,
    slug: Annotated[str, typer.Option(help="Short name used by --workspace elsewhere (a-z, 0-9, '-')")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code; money is stored in its minor unit")] = "USD",
    timezone: Annotated[str, typer.Option(help="IANA zone; daily jobs and timing insights use it")] = "UTC",
    owner: Annotated[str | None, typer.Option(help="E-mail of an existing user who becomes OWNER")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a workspace (prints its id and slug as JSON)."""
    from boostloop.server.db.session import session_scope
    from boostloop.server.workspaces.service import create_workspace, create_workspace_for

    fields = {"name": name, "slug": slug, "currency": currency, "timezone": timezone}
    try:
        with session_scope(_engine(database_url)) as s:
            if owner is None:
                ws = create_workspace(s, **fields)
            else:
                ws = create_workspace_for(s, _find_user(s, owner), **fields)
            typer.echo(json.dumps({"id": str(ws.id), "slug": ws.slug}))
    except BoostloopError as exc:
        _fail(exc)


@users_app.command("create")
def users_create(
    email: str,
    name: Annotated[str, typer.Option(help="Display name")] = "",
    workspace: Annotated[str | None, typer.Option(help="Add to this workspace (id or slug)")] = None,
    role: Annotated[Role, typer.Option(help="Role in --workspace")] = Role.VIEWER,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
    no_password: Annotated[bool, typer.Option(help="API tokens only, no dashboard login")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user (password from BOOSTLOOP_NEW_PASSWORD, --password-stdin, or a prompt)."""
    from boostloop.server.auth import service
    from boostloop.server.db.session import session_scope
    from boostloop.server.workspaces.service import add_member

    password = None
    if not no_password:
        password = os.environ.get("BOOSTLOOP_NEW_PASSWORD")
        if password is None:
            password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")
    try:
        with session_scope(_engine(database_url)) as s:
            user = service.create_user(s, email=email, name=name, password=password)
            if workspace:
                add_member(s, _find_workspace(s, workspace), user, role)
            typer.echo(json.dumps({"id": str(user.id), "email": user.email}))
    except BoostloopError as exc:
        _fail(exc)


@tokens_app.command("create")
def tokens_create(
    email: str,
    name: Annotated[str, typer.Option(help="What the token is for")] = "",
    workspace: Annotated[str | None, typer.Option(help="Limit the token to this workspace (id or slug)")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API token for the user; prints it once (only its SHA-256 is stored)."""
    from boostloop.server.auth import service
    from boostloop.server.db.session import session_scope

    try:
        with session_scope(_engine(database_url)) as s:
            user = _find_user(s, email)
            ws_id = _find_workspace(s, workspace).id if workspace else None
            row, token = service.create_token(s, user, name=name, workspace_id=ws_id)
            typer.echo(json.dumps({"id": str(row.id), "prefix": row.prefix, "token": token}))
    except BoostloopError as exc:
        _fail(exc)


@jobs_app.command("run")
def jobs_run(
    name: str,
    workspace: Annotated[str | None, typer.Option(help="Workspace id or slug; default: every workspace")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run job NAME now (for cron). Exit status 1 if any run failed; a run whose lease is held is skipped."""
    from boostloop.server.cache import build_backends
    from boostloop.server.db.session import session_scope
    from boostloop.server.jobs import registry
    from boostloop.server.jobs.runner import run_job, workspace_ids

    try:
        registry.get(name)
    except BoostloopError as exc:
        _fail(exc)
    engine = _engine(database_url)
    if workspace:
        with session_scope(engine) as s:
            ids = [_find_workspace(s, workspace).id]
    else:
        ids = [w for w, _ in workspace_ids(engine)]
    settings = get_settings()
    cache = build_backends(settings.redis_url, settings.redis_prefix)[0] if settings.redis_url else None
    failed = False
    for ws_id in ids:
        out = run_job(engine, name, ws_id, trigger=JobTrigger.CLI, cache=cache)
        failed |= out.status == "FAILED"
        typer.echo(json.dumps({"job": name, "workspace_id": str(ws_id), "status": out.status,
                               "attempts": out.attempts, "counts": out.counts, "error": out.error}))
    raise typer.Exit(1 if failed else 0)
