"""``boostloop learning build|train|recommend``: the learning jobs for one workspace, from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
import typer

from boostloop.server.db.models import Workspace
from boostloop.server.db.session import engine_for, session_scope
from boostloop.server.settings import get_settings

app = typer.Typer(help="Training data, outcome model and recommendations.", no_args_is_help=True)

DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="Default: BOOSTLOOP_DATABASE_URL or ./boostloop.db")]
Slug = Annotated[str, typer.Option("--workspace", help="Workspace slug")]
Now = Annotated[str | None, typer.Option("--now", help="ISO time to run as (default: now, UTC)")]


def _run(database_url: str | None, slug: str, now: str | None, fn) -> None:  # noqa: ANN001
    at = datetime.fromisoformat(now) if now else datetime.now(UTC)
    if at.tzinfo is None:
        raise typer.BadParameter("--now must carry a time zone, e.g. 2026-09-01T09:00:00Z")
    with session_scope(engine_for(database_url or get_settings().database_url)) as s:
        ws = s.scalar(sa.select(Workspace).where(Workspace.slug == slug))
        if ws is None:
            raise typer.BadParameter(f"--workspace: no workspace with slug {slug!r}")
        typer.echo(json.dumps(fn(s, ws.id, at), indent=1, default=str))


@app.command()
def build(workspace: Slug, now: Now = None, database_url: DatabaseUrl = None) -> None:
    """Rebuild the training rows of every finished boost (weekly job)."""
    from boostloop.server.learning.service import build_training_data

    _run(database_url, workspace, now, lambda s, w, t: build_training_data(s, w, t).__dict__)


@app.command()
def train(workspace: Slug, now: Now = None, database_url: DatabaseUrl = None) -> None:
    """Fit and record a new outcome model version."""
    from boostloop.server.learning.service import train as train_model

    _run(database_url, workspace, now, lambda s, w, t: (lambda m: {"version": m.version, "rows": m.training_rows,
                                                                    "validation": m.validation})(train_model(s, w, t)))


@app.command()
def recommend(workspace: Slug, now: Now = None, database_url: DatabaseUrl = None) -> None:
    """Close the loop on finished applied boosts, then generate recommendations (daily job)."""
    from boostloop.server.learning.service import close_loop, generate_recommendations

    def go(s, w, t):  # noqa: ANN001, ANN202
        closed = close_loop(s, w, t)
        r = generate_recommendations(s, w, t)
        return {"closed": closed, "expired": r.expired, "skipped_duplicates": r.skipped_duplicates,
                "created": [{"type": x.recommendation_type.value, "priority": x.priority, "confidence": x.confidence,
                             "post": x.suggested_post_id, "reason": x.reason} for x in r.created]}

    _run(database_url, workspace, now, go)
