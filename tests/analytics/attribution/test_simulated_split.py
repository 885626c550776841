"""The organic / paid / overlap split against the simulator's truth (``truth["boosts"][id]["conversions_split"]``).

What is measured (default world as of main f6ceb6a, scale 0.5, seed 1), summed over boosts:

    truth     organic  7   paid 528   overlap 140   total 675
    observed  organic 56   paid 524   overlap   2   total 582

* total: -13.8% (converters whose clicks fall outside the 7-day click window, or whose session id changed
  overnight, are not linked to the boost);
* paid: -0.8%;
* overlap is NOT recovered (-99%): the simulator's truth counts a converter as overlap when the same
  person was *reached* both organically and by the ad, but the default world tracks only 3% of views
  (``organic_view_tracking = paid_view_tracking = 0.03``), so an overlap converter almost never leaves
  a tracked touch of both kinds; the split (by tracked touches, as defined in ``boost_split``) puts
  them under the channel they clicked (mostly paid, some organic: hence organic +49).

Seed 2: total -14.4%, paid -0.2%, overlap 0 of 104. The bounds below are those measurements with a margin;
they guard against regressions and claim no more accuracy than measured.
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
    assert -0.20 <= total_err <= 0.0, (ours, truth)
    assert abs(paid_err) <= 0.05, (ours, truth)
    # the documented limitation: overlap exposure is mostly invisible to tracked touches
    assert ours["overlap"] <= 0.1 * truth["overlap"], (ours, truth)
