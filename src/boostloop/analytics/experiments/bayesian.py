"""Bayesian chance to win and expected loss of treatment B against control A.

Proportions: **Beta-Binomial** with the uniform prior Beta(1, 1) on each arm's rate (no prior
knowledge; with a few hundred units per arm the prior's weight is negligible). Posterior
p_X ~ Beta(1 + c_X, 1 + n_X - c_X). Computed by one-dimensional quadrature, deterministically (no Monte
Carlo, so no seed is needed):
  chance to win      P(p_B > p_A)        = int f_A(x) S_B(x) dx
  expected loss of B E[max(p_A - p_B, 0)] = int f_A(x) [x F_B(x) - m_B F_{B+}(x)] dx,
where S = 1 - F, m_B = E[p_B] and B+ = Beta(a_B + 1, b_B) (because E[p 1{p<x}] = m F_{B+}(x) for a
Beta). Expected loss of A follows from E[p_B - p_A] = loss_A - loss_B. Exact for integer parameters
against Evan Miller's closed form (2015, "Formulas for Bayesian A/B testing"), which the tests check.
Units: fractions (conversion-rate points).

Means: **normal approximation with a flat (improper) prior on the difference**, as GrowthBook's
default engine (gbstats 0.8.0 ``EffectBayesianABTest`` with ``GaussianPrior(proper=False)``):
delta ~ N(d, V) with d = mean_B - mean_A (or the relative lift) and V its unpooled variance.
  chance to win = Phi(d / sqrt V)
  loss of B = E[max(-delta, 0)] = sqrt(V) phi(d/sqrt V) - d Phi(-d/sqrt V)
  loss of A = E[max(delta, 0)]  = sqrt(V) phi(d/sqrt V) + d Phi(d/sqrt V)
The same formulas serve proportions when the normal approximation is asked for (``normal_bayes``).

"Higher is better" throughout; for a lower-is-better metric swap the arms or negate the metric.
Degenerate input: an arm with n = 0 in the normal approximation, or V = 0, gives chance 0.5 and loss 0
with ``defined=False`` (GrowthBook's uninformative output); the Beta-Binomial is always defined (with
no data it is the prior: chance 0.5, loss 1/6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import integrate, special

from boostloop.analytics.experiments.frequentist import relative_variance
from boostloop.analytics.experiments.stats import ProportionStats, VariantStats

BETA_PRIOR = (1.0, 1.0)  # uniform Beta(1, 1)


@dataclass(frozen=True)
class BayesResult:
    chance_to_win: float  # P(B better than A)
    expected_loss_treatment: float  # E[loss] if B is chosen, in the effect's units
    expected_loss_control: float  # E[loss] if A is kept
    credible_interval: tuple[float, float] | None  # of the effect, (alpha/2, 1 - alpha/2)
    effect_mean: float
    method: str
    defined: bool
    note: str | None = None


def beta_binomial(
    a: ProportionStats, b: ProportionStats, alpha: float = 0.05, prior: tuple[float, float] = BETA_PRIOR
) -> BayesResult:
    """Chance that B's rate beats A's and the expected loss of each choice (module docstring)."""
    a0, b0 = prior
    if a0 <= 0 or b0 <= 0:
        raise ValueError(f"prior: Beta parameters must be > 0, got {prior}")
    a_a, b_a = a0 + a.conversions, b0 + a.n - a.conversions
    a_b, b_b = a0 + b.conversions, b0 + b.n - b.conversions
    m_a, m_b = a_a / (a_a + b_a), a_b / (a_b + b_b)
    # scipy.special: betaincinv = Beta quantile, betainc = CDF, betaincc = survival (the fast primitives
    # that scipy.stats.beta calls). Integrate over A's central 1 - 2e-13 mass (the rest cannot move the
    # answers by more than 1e-13), with A's density in log form so large counts do not overflow.
    lo, hi = float(special.betaincinv(a_a, b_a, 1e-13)), float(special.betaincinv(a_a, b_a, 1.0 - 1e-13))
    log_norm = float(special.betaln(a_a, b_a))

    def dens(x: float) -> float:
        if x <= 0.0 or x >= 1.0:
            return 0.0
        return math.exp((a_a - 1.0) * math.log(x) + (b_a - 1.0) * math.log1p(-x) - log_norm)

    def win(x: float) -> float:
        return dens(x) * float(special.betaincc(a_b, b_b, x))

    def loss_b(x: float) -> float:
        inner = x * special.betainc(a_b, b_b, x) - m_b * special.betainc(a_b + 1.0, b_b, x)
        return dens(x) * max(0.0, float(inner))

    # Where B's survival changes fastest, if that falls inside A's window: a hint for the integrator.
    marks = [q for q in (float(special.betaincinv(a_b, b_b, 0.5)),) if lo < q < hi]
    opts = {"limit": 400, "epsabs": 1e-12, "epsrel": 1e-10, "points": marks or None}
    ctw = float(min(1.0, max(0.0, integrate.quad(win, lo, hi, **opts)[0])))
    lb = float(max(0.0, integrate.quad(loss_b, lo, hi, **opts)[0]))
    la = float(max(0.0, lb + (m_b - m_a)))
    # Credible interval of p_B - p_A by its normal approximation (posterior moments are exact).
    sd = math.sqrt(m_a * (1 - m_a) / (a_a + b_a + 1) + m_b * (1 - m_b) / (a_b + b_b + 1))  # Beta variances
    z = float(special.ndtri(1.0 - alpha / 2.0))
    diff = float(m_b - m_a)
    return BayesResult(
        chance_to_win=ctw,
        expected_loss_treatment=lb,
        expected_loss_control=la,
        credible_interval=(diff - z * sd, diff + z * sd),
        effect_mean=diff,
        method=f"Beta-Binomial, prior Beta{prior}; exact quadrature; interval: normal approx of posterior",
        defined=True,
    )


def normal_posterior(effect: float, variance: float, alpha: float = 0.05, method: str = "") -> BayesResult:
    """Chance to win and expected losses for delta ~ N(effect, variance) (flat prior)."""
    if not (variance > 0.0 and math.isfinite(variance) and math.isfinite(effect)):
        return BayesResult(
            0.5,
            0.0,
            0.0,
            None,
            0.0 if not math.isfinite(effect) else effect,
            method,
            False,
            "no variance to form a posterior",
        )
    sd = math.sqrt(variance)
    z = effect / sd
    pdf = float(math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi))
    loss_b = sd * pdf - effect * float(special.ndtr(-z))
    loss_a = sd * pdf + effect * float(special.ndtr(z))
    q = float(special.ndtri(1.0 - alpha / 2.0))
    return BayesResult(
        chance_to_win=float(special.ndtr(z)),
        expected_loss_treatment=max(0.0, loss_b),
        expected_loss_control=max(0.0, loss_a),
        credible_interval=(effect - q * sd, effect + q * sd),
        effect_mean=effect,
        method=method,
        defined=True,
    )


def normal_bayes(
    a: VariantStats, b: VariantStats, alpha: float = 0.05, *, relative: bool = False
) -> BayesResult:
    """GrowthBook-style normal approximation, flat prior; absolute or relative effect."""
    kind = "relative lift" if relative else "absolute difference"
    method = f"normal approximation, flat (improper) prior on the {kind}; unpooled variance"
    if a.n == 0 or b.n == 0:
        return BayesResult(0.5, 0.0, 0.0, None, 0.0, method, False, "an arm has no units yet")
    ma, mb = a.mean, b.mean
    if relative:
        if ma == 0.0:
            return BayesResult(0.5, 0.0, 0.0, None, 0.0, method, False, "control mean is 0")
        effect = mb / ma - 1.0
        var = relative_variance(a, b) or 0.0
    else:
        effect = mb - ma
        var = a.variance / a.n + b.variance / b.n
    return normal_posterior(effect, var, alpha, method)


def bayes(a: VariantStats, b: VariantStats, alpha: float = 0.05) -> BayesResult:
    """Beta-Binomial for proportions, normal approximation for means."""
    if isinstance(a, ProportionStats) and isinstance(b, ProportionStats):
        return beta_binomial(a, b, alpha)
    return normal_bayes(a, b, alpha)
