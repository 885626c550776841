"""A small world generator with planted effects, for developing and testing the detectors
(independent of boostloop.simulate, so the tests do not move when the simulator's defaults do)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from boostloop.analytics.insights import BoostOutcome, InsightInput, OrganicPost, SnapshotPoint

PLATFORMS = ("FACEBOOK", "INSTAGRAM", "LINKEDIN")
CONTENT = ("IMAGE", "VIDEO", "CAROUSEL", "LINK")
SEGMENTS = ("bargain-hunters", "loyal", "new-parents", "students")
AGES = ("18-24", "25-34", "35-44", "45-64")
INTERESTS = ("fitness", "travel", "food", "tech", "fashion", "games")
LOCATIONS = ("US", "GB", "DE", "FR")
PERIOD = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))


@dataclass(frozen=True)
class Planted:
    hour: dict[int, float] = field(default_factory=dict)
    weekday: dict[int, float] = field(default_factory=dict)
    segment: dict[str, float] = field(default_factory=dict)
    content: dict[str, float] = field(default_factory=dict)
    # Saturation scale b (dollars) per platform; None = linear (no diminishing returns).
    saturation_b: float | None = None
    roas_at_zero: float = 3.0  # a / b: value per dollar of the first dollar


EFFECTS = Planted(
    hour={16: 1.8, 17: 1.8, 18: 1.8, 19: 1.8},
    weekday={1: 1.6},
    segment={"loyal": 1.7},
    content={"VIDEO": 1.6},
    saturation_b=150.0,
)
NULL = Planted(saturation_b=None, roas_at_zero=1.5)


def break_even_dollars(p: Planted, m: float = 1.0) -> float:
    """True s* = b ln(a / (b m)) with a / b = roas_at_zero (the multipliers average near 1 so they are "
    "ignored)."""
    return float(p.saturation_b * np.log(p.roas_at_zero / m))


def make_world(
    seed: int, planted: Planted, *, n: int = 600, heterogeneity: float = 4.0, order_value: float = 50.0
) -> InsightInput:
    rng = np.random.default_rng(seed)
    boosts = []
    for i in range(n):
        wd, hr = int(rng.integers(7)), int(rng.integers(24))
        pf, ct = PLATFORMS[rng.integers(3)], CONTENT[rng.integers(4)]
        seg, age = SEGMENTS[rng.integers(4)], AGES[rng.integers(4)]
        ints = tuple(rng.choice(INTERESTS, size=int(rng.integers(1, 3)), replace=False).tolist())
        loc = (LOCATIONS[rng.integers(4)],)
        spend = float(np.clip(rng.lognormal(np.log(120), 0.7), 10, 2000))
        mult = (
            planted.hour.get(hr, 1.0)
            * planted.weekday.get(wd, 1.0)
            * planted.segment.get(seg, 1.0)
            * planted.content.get(ct, 1.0)
        )
        if planted.saturation_b is None:
            mean_value = planted.roas_at_zero * spend
        else:
            b = planted.saturation_b
            mean_value = planted.roas_at_zero * b * (1 - np.exp(-spend / b))
        # Boost-to-boost heterogeneity: gamma with mean 1 (over-dispersion beyond Poisson).
        lam = mean_value * mult * rng.gamma(heterogeneity, 1 / heterogeneity) / order_value
        conv = int(rng.poisson(lam))
        value = int(round(sum(rng.lognormal(np.log(order_value) - 0.08, 0.4, conv)) * 100))
        imps = int(rng.poisson(spend * 100))
        clicks = int(rng.binomial(imps, 0.012))
        boosts.append(
            BoostOutcome(
                boost_id=f"b{i:04d}",
                weekday=wd,
                hour=hr,
                platform=pf,
                content_type=ct,
                spend_cents=int(round(spend * 100)),
                budget_cents=int(round(spend * 100)),
                impressions=imps,
                clicks=clicks,
                conversions=conv,
                value_cents=value,
                segment=seg,
                age_band=age,
                interests=ints,
                locations=loc,
                active=False,
            )
        )
    return InsightInput(boosts=tuple(boosts), period_start=PERIOD[0], period_end=PERIOD[1])


def snapshot_series(
    boost_id: str,
    hours: int,
    rng: np.random.Generator,
    *,
    spend_per_h: float = 500,
    conv_per_dollar: float = 0.05,
    ctr: float = 0.012,
    jump_at: int | None = None,
    conv_factor: float = 1.0,
    ctr_factor: float = 1.0,
) -> list[SnapshotPoint]:
    """Hourly cumulative snapshots; from hour ``jump_at`` conversions and CTR are scaled by the factors."""
    out, cum = [], np.zeros(4)
    for h in range(1, hours + 1):
        after = jump_at is not None and h > jump_at
        spend = rng.poisson(spend_per_h)
        imps = rng.poisson(spend * 10)
        clicks = rng.binomial(imps, ctr * (ctr_factor if after else 1.0))
        conv = rng.poisson(spend / 100 * conv_per_dollar * (conv_factor if after else 1.0))
        cum += [spend, imps, clicks, conv]
        out.append(SnapshotPoint(boost_id, float(h), int(cum[0]), int(cum[1]), int(cum[2]), int(cum[3])))
    return out


def organic(rng: np.random.Generator, n: int = 60, strong: int = 1) -> list[OrganicPost]:
    posts = []
    for i in range(n):
        imps = int(rng.integers(2000, 6000))
        rate = 0.3 if i < strong else 0.03
        posts.append(
            OrganicPost(f"p{i:03d}", "FACEBOOK", "VIDEO", int(rng.binomial(imps, rate)), imps, boosted=False)
        )
    return posts
