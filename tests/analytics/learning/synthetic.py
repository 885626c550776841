"""A small synthetic boost generator for the learning tests (until/besides the simulator).

Known truth: start hours 17-20 local convert 1.6x; segment "YOUNG" 1.5x, "BROAD" 1x, "NICHE" 0.7x;
value saturates in budget: value(B) = V (1 - exp(-B / K)) with K = 20,000 cents, so the budget where the
marginal return dV/dB = (V/K) exp(-B/K) equals 1 is B* = K ln(V / K).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np

from boostloop.analytics.learning.features import BoostOutcome, BoostRecord, OrganicPoint

SEGMENT_EFFECT = {"YOUNG": 1.5, "BROAD": 1.0, "NICHE": 0.7}
K_CENTS = 20_000.0


def hour_effect(hour: int) -> float:
    return 1.6 if 17 <= hour <= 20 else 1.0


def expected_value_cents(budget: float, hour: int, segment: str, platform: str) -> float:
    v_max = 60_000.0 * hour_effect(hour) * SEGMENT_EFFECT[segment] * (1.2 if platform == "FACEBOOK" else 1.0)
    return v_max * (1.0 - np.exp(-budget / K_CENTS))


def make_records(n: int, seed: int, start: datetime | None = None, n_accounts: int = 3) -> list[BoostRecord]:
    rng = np.random.default_rng(seed)
    start = start or datetime(2025, 1, 1, tzinfo=UTC)
    accounts = [str(uuid.UUID(int=seed * 1000 + a + 1)) for a in range(n_accounts)]
    out = []
    for i in range(n):
        published = start + timedelta(hours=float(i * 8 + rng.uniform(0, 4)))
        boosted = published + timedelta(hours=float(rng.integers(2, 30)))
        boosted = boosted.replace(minute=0, second=0, microsecond=0)
        hour = boosted.hour
        segment = str(rng.choice(list(SEGMENT_EFFECT)))
        platform = str(rng.choice(["FACEBOOK", "INSTAGRAM"]))
        budget = int(rng.choice([2_000, 5_000, 10_000, 20_000, 40_000, 80_000]))
        value = expected_value_cents(budget, hour, segment, platform) * float(rng.lognormal(0, 0.35))
        spend = int(budget * rng.uniform(0.9, 1.0))
        impressions = int(spend / 10.0 * 1000 / 100)  # CPM $10
        clicks = int(impressions * 0.01)
        aov = 5_000.0
        conversions = int(rng.poisson(value / aov))
        inc_reach = int(impressions / 1.5 * 0.8 * rng.lognormal(0, 0.2) * (1.3 if segment == "BROAD" else 1.0))
        organic = [
            OrganicPoint(published + timedelta(hours=h), int(400 * h**0.5), int(20 * h**0.5), int(300 * h**0.5))
            for h in range(1, int((boosted - published).total_seconds() // 3600) + 1)
        ]
        out.append(
            BoostRecord(
                boost_id=str(uuid.UUID(int=seed * 1_000_000 + i + 1)),
                account_id=accounts[i % n_accounts],
                platform=platform,
                content_type=str(rng.choice(["IMAGE", "VIDEO", "TEXT"])),
                text_length=int(rng.integers(20, 400)),
                media_count=int(rng.integers(0, 4)),
                hashtag_count=int(rng.integers(0, 6)),
                published_at=published,
                boosted_at=boosted,
                budget_cents=budget,
                duration_days=int(rng.choice([3, 5, 7])),
                targeting={"age_min": 18, "age_max": 45 if segment == "YOUNG" else 65, "segment": segment,
                           "interests": ["a"] * (2 if segment == "NICHE" else 0), "locations": ["US"]},
                organic_series=organic,
                ended_at=boosted + timedelta(days=3),
                outcome=BoostOutcome(
                    spend_cents=spend,
                    paid_impressions=impressions,
                    paid_clicks=clicks,
                    conversions=conversions,
                    conversion_value_cents=int(conversions * aov),
                    incremental_reach=inc_reach,
                    organic_reach_end=organic[-1].reach if organic else 0,
                    engagements_gained=clicks + 50,
                    baseline_engagements=50.0,
                ),
            )
        )
    return out
