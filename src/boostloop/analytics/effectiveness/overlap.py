"""The overlap term of the counterfactual conversions: overlap converters who converted through the ad first
but would have converted organically anyway.

Who counts. Without the boost, the post's organic audience converts organically. With it, a person reached
both organically and by the ad (an *overlap* person) who converts through both has the conversion recorded
on the touch that came first. If the paid one came first, the conversion carries a PAID touchpoint, so it is
not among the organic conversions ``O`` that ``lift.counterfactual_conversion_draws`` thins by reach, yet it
would have happened without the boost. Their number ``E`` belongs to the counterfactual (and not to the
incremental conversions). Expected value, under the overlap split's independence assumptions
(``analytics.attribution.overlap_split``: a person's chance to convert through one channel does not depend
on the other channel having reached them)::

    E = P * s * rho * pi

* ``P``: the post's conversions on a PAID touchpoint (total minus organic);
* ``s``: the share of paid-reached people also reached organically (``EstimatedSplit.share_paid_also_organic``,
  from the platform's unique-reach figures), so ``P * s`` paid conversions are overlap people's (the same
  paid conversion chance with and without organic reach: assumption (2) of the split);
* ``rho = O / R``: the post's organic conversion rate per organically reached person (``O`` organic
  conversions, ``R`` lifetime organic reach at the analysis end): the chance that such a person would also
  have converted organically before the analysis end;
* ``pi``: the chance that the paid conversion came *first* when a person converts both ways (otherwise the
  conversion is already organic and in ``O``): for independent conversion times ``T_p`` and ``T_o`` it is
  ``P(T_p < T_o)``, estimated by the two-sample Mann-Whitney statistic of the post's paid and organic
  conversion times (``paid_first_share``). Organic conversions of the boost's spillover people arrive with
  the paid delivery, which pulls ``pi`` up: an upper-side estimate of a small term.

Interval (draws, seeded by the caller's generator): the overlap paid converters ``B ~ Binomial(P, s)``,
``rho`` from the same Jeffreys posterior ``Gamma(O + 1/2, 1 / R)`` the counterfactual conversions use,
and ``E ~ Binomial(B, min(rho * pi, 1))``; ``s`` and ``pi`` are plugged in (their sampling error is of the
order of a fraction of ``E``, itself a fraction of a conversion per boost, benchmarks/RESULTS.md
"Effectiveness": mean ``E`` 0.001-0.008 per boost on the validation worlds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# No organic conversion times to compare with: either order equally likely (the term is then ~0 anyway,
# since rho = O / R with O = 0).
PI_UNKNOWN = 0.5


def paid_first_share(organic_times: Sequence[float], paid_times: Sequence[float]) -> float:
    """``P(T_p < T_o)`` estimated over all (organic, paid) conversion pairs of the post, ties counting
    one half (the Mann-Whitney U statistic over ``n_o * n_p``). ``PI_UNKNOWN`` when either side is empty.
    Times in any common unit."""
    o = np.asarray(organic_times, dtype=float)
    p = np.sort(np.asarray(paid_times, dtype=float))
    if o.size == 0 or p.size == 0:
        return PI_UNKNOWN
    below = np.searchsorted(p, o, side="left")  # paid times strictly before each organic one
    upto = np.searchsorted(p, o, side="right")
    return float(np.mean((below + upto) / 2.0) / p.size)


def overlap_point(*, paid_conversions: float, organic_conversions: float, organic_reach: float,
                  share_paid_also_organic: float, paid_first: float) -> float:
    """``E = P * s * (O / R) * pi`` (module docstring); 0 without organic reach."""
    if organic_reach < 1.0:
        return 0.0
    _check_share("share_paid_also_organic", share_paid_also_organic)
    _check_share("paid_first", paid_first)
    rho = max(organic_conversions, 0.0) / organic_reach
    return max(paid_conversions, 0.0) * share_paid_also_organic * min(rho * paid_first, 1.0)


def overlap_draws(rng: np.random.Generator, rate_draws: np.ndarray, *, paid_conversions: float,
                  share_paid_also_organic: float, paid_first: float) -> np.ndarray:
    """Draws of ``E`` given draws of ``rho`` (``rate_draws``, one per draw): ``Binomial(Binomial(P, s),
    min(rho * pi, 1))``."""
    _check_share("share_paid_also_organic", share_paid_also_organic)
    _check_share("paid_first", paid_first)
    n = rate_draws.shape[0]
    p = int(round(max(paid_conversions, 0.0)))
    if p == 0 or share_paid_also_organic <= 0.0 or paid_first <= 0.0:
        return np.zeros(n)
    b = rng.binomial(p, share_paid_also_organic, size=n)
    return rng.binomial(b, np.clip(rate_draws * paid_first, 0.0, 1.0)).astype(float)


def _check_share(name: str, v: float) -> None:
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name}: must be in [0, 1], got {v}")
