"""End to end on a small simulated workspace: the service's input equals the simulator's own rows."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest

from boostloop.server.db.session import session_scope
from boostloop.server.insights import service
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


@pytest.fixture(scope="module")
def sim():
    return generate(load_world(), 3, scale=0.25)


@pytest.mark.slow
def test_input_from_database_matches_simulated_rows(engine, sim):
    ws_id = load_into_database(sim, engine)
    sums = defaultdict(lambda: [0, 0, 0, 0, 0])
    for m in sim.campaign_metrics:
        s = sums[m["campaign_id"]]
        for i, k in enumerate(
            ("spend_cents", "impressions", "clicks", "conversions", "conversion_value_cents")
        ):
            s[i] += m[k]
    tz = ZoneInfo(sim.workspace["timezone"])
    ctype = {p["id"]: p["content_type"].value for p in sim.posts}
    expected = {}
    for b in sim.boosts:
        local = b["boosted_at"].astimezone(tz)
        expected[str(b["id"])] = (
            local.weekday(),
            local.hour,
            b["platform"].value,
            ctype[b["original_post_id"]],
            *sums[b["campaign_id"]],
            b["targeting_criteria"]["segment"],
        )
    with session_scope(engine) as s:
        data = service.build_input(s, ws_id, period_end=sim.end, period_days=200)
        got = {
            o.boost_id: (
                o.weekday,
                o.hour,
                o.platform,
                o.content_type,
                o.spend_cents,
                o.impressions,
                o.clicks,
                o.conversions,
                o.value_cents,
                o.segment,
            )
            for o in data.boosts
        }
        assert got == expected
        # Hourly campaign rows become the anomaly histories (running sums, one point per delivered hour).
        assert len(data.snapshots) == sum(1 for m in sim.campaign_metrics)
        assert data.organic_posts and all(p.engagements_7d >= 0 for p in data.organic_posts)
        result = service.generate_and_store(s, ws_id, now=sim.end, period_days=200)
        assert result.summary.boosts_analysed == len(sim.boosts)
