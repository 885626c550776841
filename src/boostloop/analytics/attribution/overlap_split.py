"""A boost's organic / paid / overlap conversions, corrected for exposure that left no tracked touch.

The observed split (``journeys.boost_split_sql``) classifies a converter by the *tracked* touches of the
boost in their journey: ORGANIC only, PAID only, or both. But a person is "overlap" when both the organic
post and the paid delivery *reached* them, and platforms track only a small part of exposure (pixel /
view-through views are a few percent of reach), so most overlap converters show one kind of touch only:
the one they clicked. This module moves the expected share of each one-sided class to overlap, using the
platform's reach figures, which are counted over all reached people and not only the tracked ones.

Model (the exposure model of DESIGN.md's simulator, and the assumptions below):

* ``V`` people were reached by both channels: ``V = organic_reach + paid_reach - total_reach`` (the
  platform's unique reach across both, e.g. Meta's ``post_impressions_unique``), via
  :func:`boostloop.analytics.snapshot_metrics.incremental_reach` (``V = paid_reach - incremental``; under
  independence from the audience size when no total reach is reported, flagged by ``method``).
* ``s = V / paid_reach``: the share of paid-reached people also reached organically;
  ``r = V / organic_reach``: the share of organically reached people also reached by the ad.
* ``q_o`` / ``q_p``: the chance that an organically / paid reached person leaves at least one tracked touch
  of that kind, estimated as distinct people with such a touch / reach (``tracked_* / *_reach``).
* A paid-only converter (tracked PAID touches only) converted through the ad. If they were in the overlap,
  their organic exposure left no tracked touch (chance ``1 - q_o``, independent of the ad click), so by
  Bayes, with the same paid conversion chance in both groups::

      pi_P = s (1 - q_o) / (s (1 - q_o) + (1 - s))

  is the probability that a paid-only converter is an overlap person. Symmetrically for organic-only
  converters: ``pi_O = r (1 - q_p) / (r (1 - q_p) + (1 - r))``.
* Converters with both kinds of touch are overlap. Estimate::

      overlap = B + pi_P * P + pi_O * O,   paid = (1 - pi_P) * P,   organic = (1 - pi_O) * O

  and the same for value (each class's value times the same shares).

Assumptions: (1) tracking of one channel's exposure is independent of the other channel's clicks and of
conversion; (2) a person converts through the ad with the same chance whether or not the post also reached
them organically (and through the post likewise); (3) the reach figures are as of the same time as the
conversions. Where (2) fails, e.g. if overlap people convert more through the ad, ``pi`` is biased in the
same direction.

Interval (``level``, 90 % by default): given the observed classes, the realised number of overlap people
among ``P`` paid-only converters is Binomial(P, pi_P), and among ``O`` organic-only ones Binomial(O, pi_O);
``q_o`` / ``q_p`` carry Beta(tracked + 1, reach - tracked + 1) uncertainty. The interval is the percentile
interval of ``n_draws`` seeded draws of (q_o, q_p, X_P, X_O). It is a predictive interval for the realised
split, so it can have zero width when nothing is uncertain (no one-sided converters, or s = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boostloop.analytics.snapshot_metrics import REACH_EXACT, incremental_reach

DEFAULT_LEVEL = 0.9
# 2,000 draws: the Monte Carlo error of a 5 % / 95 % percentile is about sqrt(0.05 * 0.95 / 2000) = 0.5
# percentile points, well under one conversion for the class sizes seen per boost (tens to hundreds).
# Measured (load average 21): 1,000 boosts take 3.0 s with 2,000 draws, 0.07 s without (n_draws=0, what the
# snapshot collector uses).
DEFAULT_DRAWS = 2_000
METHOD_NO_REACH = "no_reach"  # no reach figures: the observed split, uncorrected


@dataclass(frozen=True)
class ObservedSplit:
    """Converters of one boost by their tracked touches of it (counts and value in cents)."""

    organic: int = 0
    paid: int = 0
    overlap: int = 0
    organic_value: float = 0.0
    paid_value: float = 0.0
    overlap_value: float = 0.0


@dataclass(frozen=True)
class ReachFigures:
    """The platform's reach figures for the boosted post and its paid delivery, and the number of distinct
    people with a tracked touch of each kind, all as of the same time. ``total_reach``: unique reach across
    organic and paid (None when the platform does not report it); ``audience_size``: the universe for the
    independence estimate when it is missing."""

    organic_reach: int
    paid_reach: int | None
    total_reach: int | None = None
    tracked_organic: int = 0
    tracked_paid: int = 0
    audience_size: int | None = None


@dataclass(frozen=True)
class EstimatedSplit:
    """The corrected split; ``*_low`` / ``*_high`` bound each part at ``level`` (None without draws).
    ``estimated`` is True whenever any converter was moved between classes (or could not be checked);
    ``method`` says where the overlap reach came from (``snapshot_metrics.REACH_*`` or ``no_reach``)."""

    organic: float
    paid: float
    overlap: float
    organic_value: float
    paid_value: float
    overlap_value: float
    share_paid_also_organic: float  # s
    share_organic_also_paid: float  # r
    pi_paid: float
    pi_organic: float
    estimated: bool
    method: str
    level: float | None = None
    organic_low: float | None = None
    organic_high: float | None = None
    paid_low: float | None = None
    paid_high: float | None = None
    overlap_low: float | None = None
    overlap_high: float | None = None

    @property
    def conversions(self) -> float:
        return self.organic + self.paid + self.overlap


def _posterior(share: float, q_other: float | np.ndarray) -> float | np.ndarray:
    """P(overlap | one-sided converter): share (1 - q) / (share (1 - q) + 1 - share); see the module."""
    a = share * (1.0 - q_other)
    den = a + (1.0 - share)
    return np.where(den > 0, a / np.where(den > 0, den, 1.0), 0.0)


def _tracked_share(tracked: int, reach: int) -> float:
    return min(1.0, tracked / reach) if reach > 0 else 0.0


def estimate_split(
    observed: ObservedSplit, reach: ReachFigures | None, *, level: float = DEFAULT_LEVEL,
    n_draws: int = DEFAULT_DRAWS, seed: int = 0,
) -> EstimatedSplit:
    """The corrected organic / paid / overlap split of one boost (formula and assumptions: module docstring).

    ``reach`` None (or no paid reach known): the observed split, ``estimated=True``, ``method='no_reach'``.
    ``n_draws=0`` skips the interval (point estimate only, e.g. for snapshot rounds).
    """
    if not 0 < level < 1:
        raise ValueError(f"level: must be in (0, 1), got {level}")
    for name in ("organic", "paid", "overlap"):
        if getattr(observed, name) < 0:
            raise ValueError(f"observed.{name}: must be >= 0")
    o, p, b = observed.organic, observed.paid, observed.overlap
    if reach is None or reach.paid_reach is None:
        return EstimatedSplit(
            float(o), float(p), float(b), observed.organic_value, observed.paid_value, observed.overlap_value,
            0.0, 0.0, 0.0, 0.0, True, METHOD_NO_REACH,
        )
    inc = incremental_reach(organic_reach=reach.organic_reach, total_reach=reach.total_reach,
                            paid_reach=reach.paid_reach, audience_size=reach.audience_size)
    # Overlap reach V = paid - incremental, clipped to [0, min(organic, paid)] against platform rounding.
    v = max(0, min(reach.paid_reach - inc.value, reach.organic_reach, reach.paid_reach))
    s = v / reach.paid_reach if reach.paid_reach > 0 else 0.0
    r = v / reach.organic_reach if reach.organic_reach > 0 else 0.0
    q_o = _tracked_share(reach.tracked_organic, reach.organic_reach)
    q_p = _tracked_share(reach.tracked_paid, reach.paid_reach)
    pi_p = float(_posterior(s, q_o))
    pi_o = float(_posterior(r, q_p))
    moved = pi_p * p + pi_o * o
    out = dict(
        organic=(1 - pi_o) * o, paid=(1 - pi_p) * p, overlap=b + moved,
        organic_value=(1 - pi_o) * observed.organic_value, paid_value=(1 - pi_p) * observed.paid_value,
        overlap_value=observed.overlap_value + pi_p * observed.paid_value + pi_o * observed.organic_value,
        share_paid_also_organic=s, share_organic_also_paid=r, pi_paid=pi_p, pi_organic=pi_o,
        estimated=moved > 0 or inc.method != REACH_EXACT, method=inc.method,
    )
    if n_draws > 0:
        rng = np.random.default_rng(seed)
        # Beta(k + 1, n - k + 1): the posterior of a tracked share under a uniform prior.
        qo = rng.beta(min(reach.tracked_organic, reach.organic_reach) + 1,
                      max(0, reach.organic_reach - reach.tracked_organic) + 1, n_draws)
        qp = rng.beta(min(reach.tracked_paid, reach.paid_reach) + 1,
                      max(0, reach.paid_reach - reach.tracked_paid) + 1, n_draws)
        x_p = rng.binomial(p, _posterior(s, qo))
        x_o = rng.binomial(o, _posterior(r, qp))
        lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
        for name, draws in (("organic", o - x_o), ("paid", p - x_p), ("overlap", b + x_p + x_o)):
            low, high = np.percentile(draws, [lo, hi])
            out[f"{name}_low"], out[f"{name}_high"] = float(low), float(high)
        out["level"] = level
    return EstimatedSplit(**out)
