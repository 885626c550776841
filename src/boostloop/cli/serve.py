"""``boostloop serve`` and ``boostloop demo``."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
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
    from boostloop.server.web import charts

    settings = get_settings()
    app = create_app(settings, start_scheduler=settings.run_scheduler)
    # The first chart page of a fresh process took ~2 s (plotly's lazy set-up), 0.15 s once warmed.
    threading.Thread(target=charts.warm, name="warm-charts", daemon=True).start()
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info")


# The jobs run after loading, in the daily pipeline's order (jobs/registry.py): measure, then learn from it;
# recommendations need the model that ``training_data`` trains. (Attribution is computed when read: nothing to store.)
DEMO_JOBS = ("snapshots", "training_data", "insights", "recommendations")

# The demo world: the default world with twice its boosts (scale 1: ~120 boosts, ~110 training-ready),
# so that the workspace has its own calibrated outcome model (conformal above 80 training-ready boosts,
# ``analytics.learning.outcome_model``) and recommendations can earn "high" confidence
# (``analytics.learning.confidence``; below 80 the model leans on platform priors and is at most medium).
# To keep the first start short, half the view and engagement touchpoints are tracked (pixel/view-through
# coverage varies that much between real sites; clicks and conversions, which attribution and the
# measured labels use, are all kept).
DEMO_BOOSTS_FACTOR = 2.0
DEMO_TRACKING_FACTOR = 0.5


def learning_world(world, *, posts_factor: float = 1.0, boosts_factor: float = DEMO_BOOSTS_FACTOR,
                   tracking_factor: float = DEMO_TRACKING_FACTOR):
    """``world`` with ``posts_factor`` x its posts and ``boosts_factor`` x its boosts per platform (the same
    responses and truth) and ``tracking_factor`` x its tracked view and engagement touchpoints."""
    platforms = {p: dataclasses.replace(s, posts=round(s.posts * posts_factor), boosts=round(s.boosts * boosts_factor))
                 for p, s in world.platforms.items()}
    j = world.journeys
    journeys = dataclasses.replace(j, organic_view_tracking=j.organic_view_tracking * tracking_factor,
                                   paid_view_tracking=j.paid_view_tracking * tracking_factor,
                                   engagement_tracking=j.engagement_tracking * tracking_factor)
    return dataclasses.replace(world, platforms=platforms, journeys=journeys)


def prepare_workspace(engine, workspace_id: uuid.UUID, *, now: datetime, echo=typer.echo) -> dict:
    """Make a freshly loaded (simulated or imported) workspace show data on every page: back-fill the
    boosts' snapshot history up to ``now`` (one transaction), then run the jobs ``DEMO_JOBS`` once each
    (recorded in the job history like scheduled runs). Prints what it did; returns ``{step: counts}``.
    A job whose domain is not installed, or that fails, is reported and the others still run."""
    from boostloop.enums import JobTrigger
    from boostloop.server.boosts.snapshots import backfill_snapshots
    from boostloop.server.db.session import session_scope
    from boostloop.server.jobs.runner import run_job

    done: dict = {}
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        r = backfill_snapshots(session, workspace_id, now)
    done["backfill"] = {"boosts": r.boosts, "created": r.created, "skipped_existing": r.skipped_existing}
    echo(f"  back-filled {r.created:,} snapshots of {r.boosts} boosts ({time.perf_counter() - t0:.1f} s)")
    for name in DEMO_JOBS:
        t0 = time.perf_counter()
        out = run_job(engine, name, workspace_id, trigger=JobTrigger.MANUAL, now=now, max_attempts=1)
        done[name] = {"status": out.status, **(out.counts or {})}
        counts = ", ".join(f"{k} {v}" for k, v in (out.counts or {}).items())
        detail = counts if out.status == "SUCCEEDED" else (out.error or "")
        echo(f"  job {name}: {out.status.lower()} ({time.perf_counter() - t0:.1f} s){': ' + detail if detail else ''}")
    return done


DEMO_PASSWORD = "boostloop-demo"
DEMO_USERS = (("admin@northwind.example", "Avery Admin", "OWNER"), ("viewer@northwind.example", "Vic Viewer", "VIEWER"))


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the simulated workspace (first run only).")] = 7,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after loading.")] = True,
    scale: Annotated[float, typer.Option(help="Size of the simulated workspace (first run only; 1 = ~120 boosts).")] = 1.0,
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
    world = learning_world(load_world())
    with session_scope(engine) as session:
        exists = session.scalar(sa.select(Workspace.id).where(Workspace.slug == world.workspace.slug))
    if exists is None:
        typer.echo("Loading the simulated demo workspace (first run only)...")
        t0 = time.perf_counter()
        # The simulated period ends now (to the hour), so the demo looks live: the last boosts are still
        # running, the newest posts are hours old (candidates for recommendations), and nothing is dated in
        # the future. Only the dates move with the clock; the same seed gives the same workspace otherwise.
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        world = dataclasses.replace(world, workspace=dataclasses.replace(
            world.workspace, start=now - timedelta(days=world.workspace.days)))
        sim = generate(world, seed, scale=scale)
        ws_id = load_into_database(sim, engine)
        typer.echo(f"  loaded {len(sim.posts)} posts, {len(sim.boosts)} boosts, {sim.events.num_rows:,} events "
                   f"({time.perf_counter() - t0:.1f} s)")
        with session_scope(engine) as session:
            ws = session.get(Workspace, ws_id)
            for email, name, role in DEMO_USERS:
                user = session.scalar(sa.select(User).where(User.email == email))
                if user is None:  # the auth module's own argon2 hashing, so sign-in verifies it
                    user = auth_service.create_user(session, email=email, name=name, password=DEMO_PASSWORD)
                add_member(session, ws, user, Role(role))
        prepare_workspace(engine, ws_id, now=now)
    engine.dispose()
    host, port = settings.host, settings.port
    typer.echo(
        f"\nBoostloop demo: http://{host}:{port}\n"
        + "".join(f"  sign in as {email} ({role}) with password {DEMO_PASSWORD}\n" for email, _, role in DEMO_USERS)
    )
    if serve_after:
        serve(host=host, port=port)
