"""The simulator's A/B test, loaded into the database and analysed by the service, against its truth."""

from __future__ import annotations

import pytest

from boostloop.server.db.session import session_scope
from boostloop.server.experiments import service
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


@pytest.fixture(scope="module")
def simulated():
    return generate(load_world(), seed=3, scale=0.05)


@pytest.mark.slow
def test_simulated_experiment_is_valid_and_its_interval_covers_the_truth(engine, simulated):
    ws_id = load_into_database(simulated, engine, slug="sim")
    truth = simulated.truth["experiments"][0]
    (exp_row,) = simulated.experiments
    with session_scope(engine) as s:
        # The simulator's design passes the service's "differ in one thing" validation.
        design = {
            "name": exp_row["name"],
            "dimension": exp_row["dimension"].value,
            "assignment_seed": 1,
            "variants": [
                {
                    "name": v["name"],
                    "strategy": v["strategy"],
                    "is_control": v["is_control"],
                    "allocation": v["allocation"],
                }
                for v in simulated.variants
            ],
        }
        service.create_experiment(s, ws_id, design)
        a = service.analyse_experiment(s, ws_id, exp_row["id"])
    (cmp,) = a.comparisons
    rates = truth["true_conversion_rates"]
    true_diff = rates["evening-start"] - rates["morning-start"]
    # 95 % intervals (fixed-horizon and the wider confidence sequence) cover the planted effect.
    assert cmp.absolute.ci_low <= true_diff <= cmp.absolute.ci_high
    assert cmp.sequential.ci_low <= true_diff <= cmp.sequential.ci_high
    assert cmp.relative.ci_low <= truth["true_relative_lift"] <= cmp.relative.ci_high
    # Whatever the verdict, it is explained: a winner has nothing missing, no winner lists why.
    assert (a.winner is not None) == (a.missing == [])
    assert a.elapsed_days == pytest.approx(14.0)
