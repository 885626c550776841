"""The FastAPI application factory.

Until the dashboard issue lands, ``/`` is a plain server-rendered list of the boosts of every workspace
(the demo's first screen); the API and the dashboard are added by their own issues.
"""

from __future__ import annotations

import html

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from boostloop import __version__
from boostloop.server.db.models import BoostCampaign, SocialPost, Workspace
from boostloop.server.db.session import engine_for, session_scope
from boostloop.server.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Boostloop", version=__version__)
    engine = engine_for(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def boost_list() -> str:
        with session_scope(engine) as session:
            rows = session.execute(
                sa.select(Workspace.name, Workspace.currency, BoostCampaign, SocialPost.content_type)
                .join(BoostCampaign, BoostCampaign.workspace_id == Workspace.id)
                .outerjoin(SocialPost, SocialPost.id == BoostCampaign.original_post_id)
                .order_by(BoostCampaign.boosted_at.desc())
                .limit(500)
            ).all()
        body = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:,.2f} {}</td><td>{}</td><td>{}</td></tr>".format(
                html.escape(ws), b.boosted_at.strftime("%Y-%m-%d %H:%M"), b.platform.value,
                ct.value if ct else "", b.initial_budget_cents / 100, cur, b.duration_days, b.status.value,
            )
            for ws, cur, b, ct in rows
        )
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Boostloop</title></head><body>"
            f"<h1>Boosts</h1><p>{len(rows)} boosts</p><table><thead><tr><th>Workspace</th><th>Boosted at (UTC)"
            "</th><th>Platform</th><th>Content</th><th>Budget</th><th>Days</th><th>Status</th></tr></thead>"
            f"<tbody>{body}</tbody></table></body></html>"
        )

    return app
