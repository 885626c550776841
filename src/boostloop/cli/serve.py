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


DEMO_PASSWORD = "boostloop-demo"
DEMO_USERS = (("admin@northwind.example", "Avery Admin", "OWNER"), ("viewer@northwind.example", "Vic Viewer", "VIEWER"))


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the simulated workspace (first run only).")] = 7,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after loading.")] = True,
) -> None:
    """Create and migrate the database, load the simulated demo workspace once, and serve it."""
    import sqlalchemy as sa

    from boostloop.enums import Role
    from boostloop.server.auth import service as auth_service
    from boostloop.server.db import migrate
    from boostloop.server.db.models import User, Workspace
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.workspaces.service import add_member
    from boostloop.simulate import generate, load_world
    from boostloop.simulate.load import load_into_database

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    world = load_world()
    with session_scope(engine) as session:
        exists = session.scalar(sa.select(Workspace.id).where(Workspace.slug == world.workspace.slug))
    if exists is None:
        typer.echo("Loading the simulated demo workspace (first run only, ~30 s)...")
        ws_id = load_into_database(generate(world, seed), engine)
        with session_scope(engine) as session:
            ws = session.get(Workspace, ws_id)
            for email, name, role in DEMO_USERS:
                user = session.scalar(sa.select(User).where(User.email == email))
                if user is None:  # the auth module's own argon2 hashing, so sign-in verifies it
                    user = auth_service.create_user(session, email=email, name=name, password=DEMO_PASSWORD)
                add_member(session, ws, user, Role(role))
    engine.dispose()
    host, port = settings.host, settings.port
    typer.echo(
        f"\nBoostloop demo: http://{host}:{port}\n"
        + "".join(f"  sign in as {email} ({role}) with password {DEMO_PASSWORD}\n" for email, _, role in DEMO_USERS)
    )
    if serve_after:
        serve(host=host, port=port)
