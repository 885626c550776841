"""``boostloop boosts collect``: one round of boost performance snapshots (what the job runs hourly)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
import typer

from boostloop.server.boosts.snapshots import collect_snapshots
from boostloop.server.db.models import Workspace
from boostloop.server.db.session import engine_for, session_scope
from boostloop.server.settings import get_settings

app = typer.Typer(help="Boost tracking.", no_args_is_help=True)


@app.command()
def collect(
    workspace: Annotated[str | None, typer.Option(help="Workspace slug; default: every workspace")] = None,
    now: Annotated[str | None, typer.Option(help="ISO time with offset to collect as of; default: now")] = None,
    database_url: Annotated[str | None, typer.Option(help="Default: BOOSTLOOP_DATABASE_URL")] = None,
) -> None:
    """Record every snapshot due (one per boost and snapshot time; re-running adds nothing)."""

    at = datetime.fromisoformat(now) if now else datetime.now(UTC)
    if at.tzinfo is None:
        raise typer.BadParameter("give a time zone offset, e.g. 2026-03-02T10:00:00+00:00", param_hint="--now")
    engine = engine_for(database_url or get_settings().database_url)
    with session_scope(engine) as s:
        q = sa.select(Workspace.id, Workspace.slug).order_by(Workspace.slug)
        if workspace:
            q = q.where(Workspace.slug == workspace)
        targets = s.execute(q).all()
    if workspace and not targets:
        raise typer.BadParameter(f"no workspace {workspace!r}", param_hint="--workspace")
    for ws_id, slug in targets:
        with session_scope(engine) as s:  # one transaction per workspace: all of its snapshots or none
            r = collect_snapshots(s, ws_id, now=at)
        typer.echo(f"{slug}: {r.created} snapshots created, {r.skipped_existing} already there, "
                   f"{len(r.completed)} boosts completed")
