"""The organic / paid / overlap split against the simulator's truth (``truth["boosts"][id]["conversions_split"]``).

What is measured (default world, scale 0.5, seed 1; 76k events, 30 boosts), summed over boosts:

    truth     organic 12   paid 305   overlap 54   total 371
    observed  organic 33   paid 300   overlap  1   total 334

* total: -10% (converters whose clicks fall outside the 7-day click window, or whose session id changed
  overnight, are not linked to the boost);
* paid: -1.6%;
* overlap is NOT recovered (-98%): the simulator's truth counts a converter as overlap when the same
  person was *reached* both organically and by the ad, but the default world tracks only 3% of views
  (``organic_view_tracking = paid_view_tracking = 0.03``), so an overlap converter almost never leaves
  a tracked touch of both kinds; the split (by tracked touches, as defined in ``boost_split``) puts
  them under the channel they clicked (mostly paid, some organic: hence organic +21).

The bounds below are those measurements with a margin; they guard against regressions, they do not claim
more accuracy than measured. (seed 2 gave total -8%, paid -5.5%, overlap 0 of 75.)
"""

from __future__ import annotations

import pytest

simulate = pytest.importorskip("boostloop.simulate")

from boostloop.analytics.attribution.engines import DuckDBEngine  # noqa: E402
from boostloop.analytics.attribution.journeys import JourneyConfig, boost_split_sql, event_table  # noqa: E402


@pytest.mark.slow
def test_split_against_simulated_truth() -> None:
    sim = simulate.generate(simulate.load_world(), seed=1, scale=0.5)
    events = event_table(sim.events, ("user_id", "session_id"))
    rows = {r["boost_id"]: r for r in DuckDBEngine().run(boost_split_sql(JourneyConfig()), events).to_pylist()}
    truth = {k: 0 for k in ("organic", "paid", "overlap")}
    ours = dict(truth)
    for boost_id, t in sim.truth["boosts"].items():
        for k in truth:
            truth[k] += t["conversions_split"][k]
            ours[k] += (rows.get(boost_id) or {}).get(f"{k}_conversions", 0)
    assert set(rows) <= set(sim.truth["boosts"])
    total_err = (sum(ours.values()) - sum(truth.values())) / sum(truth.values())
    paid_err = (ours["paid"] - truth["paid"]) / truth["paid"]
    assert -0.15 <= total_err <= 0.0, (ours, truth)
    assert abs(paid_err) <= 0.08, (ours, truth)
    # the documented limitation: overlap exposure is mostly invisible to tracked touches
    assert ours["overlap"] <= 0.1 * truth["overlap"], (ours, truth)
