"""Guardrail metrics: a winner must not be significantly worse on cost per result or on spend.

Both are "lower is better" and tested **one-sided at alpha** in the harmful direction (a guardrail
exists to catch harm, so it gets the more sensitive one-sided test; GrowthBook's guardrails do the
same). ``worse`` is True when p_worse < alpha.

Cost per result (CPA, cents per conversion) of arm X: S_X / c_X, spend S_X in cents, conversions
c_X ~ Binomial(n_X, p_X). The spend is what the platform billed for the budget set, treated as known;
the sampling noise is in the conversions. Delta method on the log: Var(ln c_X) ~= (1 - p_X) / (n_X p_X)
= 1/c_X - 1/n_X, so for l = ln(CPA_T / CPA_C):
    se = sqrt(1/c_T - 1/n_T + 1/c_C - 1/n_C),  p_worse = 1 - Phi(l / se),
    interval of CPA_T / CPA_C - 1: exp(l +/- z_{1-alpha/2} se) - 1 (two-sided, for display).
Undefined (and so blocking) while an arm has no conversions or no spend.

Cost per result over boosts (when per-boost spend and conversions are known): CPA = sum spend / sum
conversions as a ratio metric over boosts (:class:`RatioStats`, m = spend, d = conversions), its
relative change CPA_T / CPA_C - 1 by the delta method (as :func:`relative_lift_test`), and
p_worse = P(T_df > t) one-sided. Cluster-robust like the primary ratio analysis.

Spend (cents per boost, the randomisation unit): Welch's t on the per-boost spends,
p_worse = P(T_df > t). Undefined while an arm has fewer than two boosts; when every boost within each arm
spent the same (zero variance), the difference is exact and "worse" means simply higher.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from boostloop.analytics.experiments.frequentist import relative_lift_test, welch_dof
from boostloop.analytics.experiments.stats import MeanStats, RatioStats

COST_PER_RESULT = "cost_per_result"
SPEND = "spend"
GUARDRAILS = (COST_PER_RESULT, SPEND)


@dataclass(frozen=True)
class GuardrailResult:
    metric: str
    estimate: float  # CPA: relative change (fraction); spend: difference in cents per boost
    ci: tuple[float, float] | None
    p_worse: float  # one-sided p-value of "treatment is worse"
    worse: bool
    defined: bool
    method: str
    note: str | None = None


def cost_per_result_guardrail(
    control: tuple[int, int, int], treatment: tuple[int, int, int], alpha: float = 0.05
) -> GuardrailResult:
    """``control`` and ``treatment`` are (spend_cents, conversions, n)."""
    method = "ln CPA ratio, delta method, spend known, conversions binomial; one-sided"
    (s_c, c_c, n_c), (s_t, c_t, n_t) = control, treatment
    if min(c_c, c_t) <= 0 or min(s_c, s_t) <= 0:
        return GuardrailResult(
            COST_PER_RESULT,
            0.0,
            None,
            1.0,
            False,
            False,
            method,
            "needs spend and at least one conversion in both arms",
        )
    var = max(0.0, 1.0 / c_t - 1.0 / n_t) + max(0.0, 1.0 / c_c - 1.0 / n_c)
    log_ratio = math.log(s_t / c_t) - math.log(s_c / c_c)
    if var <= 0.0:
        return GuardrailResult(
            COST_PER_RESULT,
            math.expm1(log_ratio),
            None,
            1.0,
            False,
            False,
            method,
            "every unit converted in both arms: no sampling variance",
        )
    se = math.sqrt(var)
    p_worse = float(special.ndtr(-(log_ratio / se)))
    z = float(special.ndtri(1.0 - alpha / 2.0))
    return GuardrailResult(
        COST_PER_RESULT,
        math.expm1(log_ratio),
        (math.expm1(log_ratio - z * se), math.expm1(log_ratio + z * se)),
        p_worse,
        p_worse < alpha,
        True,
        method,
    )


def spend_guardrail(control: MeanStats, treatment: MeanStats, alpha: float = 0.05) -> GuardrailResult:
    """Spend per boost (cents), Welch one-sided."""
    method = "Welch t on spend per boost (cents); one-sided"
    d = treatment.mean - control.mean
    dof = welch_dof(control.variance, control.n, treatment.variance, treatment.n)
    if control.n < 2 or treatment.n < 2:
        return GuardrailResult(SPEND, d, None, 1.0, False, False, method, "needs two or more boosts per arm")
    if dof is None:
        # Every boost in each arm spent the same: the difference is known exactly, no test needed.
        worse = d > 0
        return GuardrailResult(
            SPEND,
            d,
            (d, d),
            0.0 if worse else 1.0,
            worse,
            True,
            method,
            "spend is the same for every boost within each arm: compared exactly",
        )
    se = math.sqrt(control.variance / control.n + treatment.variance / treatment.n)
    t = d / se
    p_worse = float(special.stdtr(dof, -(t)))
    half = float(special.stdtrit(dof, 1.0 - alpha / 2.0)) * se
    return GuardrailResult(SPEND, d, (d - half, d + half), p_worse, p_worse < alpha, True, method)


def cost_per_result_ratio_guardrail(
    control: RatioStats, treatment: RatioStats, alpha: float = 0.05
) -> GuardrailResult:
    """CPA over boosts: ``control`` / ``treatment`` are RatioStats of (spend cents, conversions) per boost."""
    method = "CPA as a ratio over boosts (spend / conversions), delta-method relative change; one-sided"
    lift = relative_lift_test(control, treatment, alpha)
    if not lift.defined or lift.statistic is None or lift.dof is None:
        return GuardrailResult(
            COST_PER_RESULT,
            lift.estimate,
            None,
            1.0,
            False,
            False,
            method,
            f"cannot be assessed yet: {lift.note}",
        )
    p_worse = float(special.stdtr(lift.dof, -lift.statistic))
    return GuardrailResult(COST_PER_RESULT, lift.estimate, lift.ci, p_worse, p_worse < alpha, True, method)
