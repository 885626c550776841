from __future__ import annotations

import dataclasses
import uuid

import pytest

from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


@pytest.fixture(scope="session")
def small_sim():
    """The default world at half scale (about 30 boosts), without touchpoint events (not needed here)."""
    sim = generate(load_world(), seed=3, scale=0.5)
    return dataclasses.replace(sim, events=sim.events.slice(0, 0))


@pytest.fixture
def loaded(engine, small_sim) -> tuple[uuid.UUID, object]:
    ws_id = load_into_database(small_sim, engine)
    return ws_id, small_sim
