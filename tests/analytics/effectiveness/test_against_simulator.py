"""Fast version of benchmarks/effectiveness/validate.py: one small simulated world, estimates scored
against the simulator's truth (the full run with peers and more worlds is the benchmark)."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "effectiveness"


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_small_world_error_and_coverage():
    harness = _load("harness")
    validate = _load("validate")
    from boostloop.simulate import generate
    from boostloop.simulate.world import world_from_dict

    world = world_from_dict(copy.deepcopy(validate.WORLDS["big_effect"]))
    sim = generate(world, 4, scale=0.5)
    cases = harness.build_cases(sim, max_controls=15)
    s = harness.evaluate(cases, seed=4, peers=False)["summary"]["boostloop"]
    assert s["n_boosts"] == len(sim.boosts) == 30
    assert s["n_30plus"] >= 10
    # The targets: median error <= 15 % of the truth on boosts with 30+ incremental conversions;
    # 90 % intervals covering 85-95 %. With 30 boosts the binomial sd of a coverage is 5.5 %, so the
    # coverage bounds here are widened to [0.80, 1.0]; the full benchmark reports the real figure.
    assert s["median_abs_rel_error_inc_30plus"] <= 0.15
    assert 0.80 <= s["coverage_cf_reach_90"] <= 1.0
    assert 0.80 <= s["coverage_inc_90"] <= 1.0
    assert s["median_abs_rel_error_cf_growth"] <= 0.15
