"""A small demo database for the dashboard tests: the simulated workspace at a small scale, the two demo
users of ``boostloop demo``, a second workspace the viewer does not belong to, and every job run once so
that the pages have data."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from boostloop.cli.serve import DEMO_PASSWORD, DEMO_USERS, learning_world
from boostloop.enums import JobTrigger, Role
from boostloop.server.auth import service as auth_service
from boostloop.server.db import migrate
from boostloop.server.db.models import User, Workspace
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.jobs import registry
from boostloop.server.jobs.runner import run_job
from boostloop.server.workspaces.service import add_member
from boostloop.simulate import generate, load_world
from boostloop.simulate.world import World
from boostloop.simulate.load import load_into_database

# The browser-test world: at scale 0.3 (~135 posts) with 6x the default boosts per post (~110 boosts, ~100
# training-ready: above the 80 the conformal outcome model needs, so that the recommendations' confidence is
# earned from the workspace's own calibrated model, as the scenario "apply a high-confidence
# recommendation" needs) and a third of the tracked view and engagement events (setup time; clicks and
# conversions all kept). Measured: RESULTS.md "Learning", "Browser-test world".
BROWSER_SCALE = 0.3
BROWSER_WORLD = {"posts_factor": 1.5, "boosts_factor": 6.0, "tracking_factor": 1 / 3}


def browser_world() -> World:
    return learning_world(load_world(), **BROWSER_WORLD)


# The order the daily pipeline runs them in (registry.py): measure first, then learn from it.
JOB_ORDER = ("snapshots", "training_data", "insights", "recommendations")


def build_demo_db(url: str, *, seed: int = 11, scale: float = 0.2, days_running: int = 3,
                  world: World | None = None) -> tuple[uuid.UUID, dict]:
    migrate.upgrade(url)
    engine = create_db_engine(url)
    world = world or load_world()
    # The simulated period ends now (minus ``days_running``), so that the jobs run at the real clock see
    # running boosts, fresh posts to recommend and recent results, like a live workspace.
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=world.workspace.days - days_running)
    world = dataclasses.replace(world, workspace=dataclasses.replace(world.workspace, start=start))
    ws_id = load_into_database(generate(world, seed, scale=scale), engine)
    with session_scope(engine) as session:
        ws = session.get(Workspace, ws_id)
        for email, name, role in DEMO_USERS:
            user = session.scalar(sa.select(User).where(User.email == email))
            if user is None:
                user = auth_service.create_user(session, email=email, name=name, password=DEMO_PASSWORD)
            add_member(session, ws, user, Role(role))
    outcomes = {}
    # Earlier hourly rounds of snapshot collection (as the scheduler would have run them), so that running
    # boosts have a history to chart.
    if "snapshots" in registry.REGISTRY:
        for hours_ago in (60, 36, 18, 6):
            run_job(engine, "snapshots", ws_id, trigger=JobTrigger.SCHEDULE, now=now - timedelta(hours=hours_ago),
                    max_attempts=1)
    for name in JOB_ORDER:
        if name in registry.REGISTRY:
            outcomes[name] = run_job(engine, name, ws_id, trigger=JobTrigger.MANUAL, max_attempts=1)
    engine.dispose()
    return ws_id, outcomes


if __name__ == "__main__":  # python -m tests.server.web.demo_db sqlite:///path.db
    import sys

    ws, out = build_demo_db(sys.argv[1], scale=BROWSER_SCALE, world=browser_world())
    print(ws, {k: (v.status, v.error) for k, v in out.items()})
