"""``boostloop serve`` and ``boostloop demo``."""

from __future__ import annotations

from typing import Annotated

import typer

from boostloop.server.settings import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="Default: BOOSTLOOP_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default: BOOSTLOOP_PORT or 8000")] = None,
) -> None:
    """Serve the API and the dashboard."""
    import uvicorn

    from boostloop.server.app import create_app

    settings = get_settings()
    app = create_app(settings, start_scheduler=settings.run_scheduler)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info")
