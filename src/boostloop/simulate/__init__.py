"""A simulated world with a recorded ground truth (DESIGN.md, "The simulator and its ground truth").

``load_world`` reads a world file, ``generate`` builds a workspace from it and ``load_into_database``
writes it through the ORM; the truth travels beside the data for tests and benchmarks.
"""

from boostloop.simulate.generate import SimulatedWorkspace, generate, roi_optimal_budget
from boostloop.simulate.world import DEFAULT_WORLD, World, WorldFileError, load_world, world_from_dict

__all__ = [
    "DEFAULT_WORLD",
    "SimulatedWorkspace",
    "World",
    "WorldFileError",
    "generate",
    "load_world",
    "roi_optimal_budget",
    "world_from_dict",
]
