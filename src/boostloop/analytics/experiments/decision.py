"""Whether an experiment has a winner, and if not, what is missing and how long it should take.

The primary statistics are per person (:class:`ProportionStats`, :class:`MeanStats`) or a ratio over
boosts (:class:`RatioStats`, cluster-robust); the minimum sample is always counted in people reached.

A treatment is declared the winner only when all of these hold (issue 5, "Experiments" 3):
1. no sample-ratio mismatch on the randomisation unit (boosts per variant; :mod:`.srm`, p < 0.001);
2. every variant has reached ``min_sample_per_variant`` units (people reached) on the primary metric;
3. the primary metric is significantly better than the control: the p-value used is the always-valid
   mSPRT p-value when ``sequential`` (the default, because the dashboard is looked at every day; a
   fixed-horizon p-value read daily inflates false positives, see benchmarks/experiments/) or the
   fixed-horizon p-value (pooled z / Welch) otherwise; with more than one treatment the p-values are
   Holm-adjusted (:mod:`.multiple`) and compared with ``alpha``;
4. no guardrail (cost per result, spend) is significantly worse than the control (:mod:`.guardrails`,
   one-sided at ``alpha``), and each guardrail can be assessed.
Among treatments that pass, the one with the largest estimated effect wins. The control is declared
the winner when every treatment is significantly *worse* on the primary metric (with 1 and 2 holding).

Otherwise ``missing`` lists each unmet condition in plain words, with:
- ``days_to_min_sample``: max over variants of (min_sample - n) / (n / elapsed_days);
- ``days_to_significance``: a projection *if the observed effect of the best treatment is the true
  one*: for the sequential test, the total sample N at which the mSPRT statistic with the current
  estimate and per-unit variance would reach 1/alpha' (alpha' = alpha / number of treatments, Holm's
  first step); for the fixed-horizon test, the sample for 80 % power (:mod:`.power`). At the current
  daily rate. None when no rate or no effect has been observed yet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import optimize

from boostloop.analytics.experiments.bayesian import BayesResult, bayes
from boostloop.analytics.experiments.frequentist import ComparisonResult, compare
from boostloop.analytics.experiments.guardrails import (
    COST_PER_RESULT,
    GUARDRAILS,
    SPEND,
    GuardrailResult,
    cost_per_result_guardrail,
    cost_per_result_ratio_guardrail,
    spend_guardrail,
)
from boostloop.analytics.experiments.multiple import holm
from boostloop.analytics.experiments.power import sample_size_means, sample_size_proportions
from boostloop.analytics.experiments.sequential import SequentialResult, mixing_rho_squared, msprt
from boostloop.analytics.experiments.srm import SRM_THRESHOLD, SrmResult, sample_ratio_mismatch
from boostloop.analytics.experiments.stats import MeanStats, ProportionStats, RatioStats, VariantStats

WINNER = "WINNER"
NO_WINNER_YET = "NO_WINNER_YET"
INVALID = "INVALID"  # sample-ratio mismatch: the data cannot be trusted


@dataclass(frozen=True)
class VariantInput:
    name: str
    is_control: bool
    allocation: float  # planned share of the randomisation units
    primary: VariantStats  # per person reached
    units_assigned: int  # boosts assigned (the randomisation unit), for the SRM check
    spend_cents: int = 0
    spend_per_unit: MeanStats | None = None  # per-boost spend, cents; for the spend guardrail
    # Per-boost (spend cents, conversions) as a ratio, for the cluster-robust cost-per-result guardrail;
    # without it the guardrail uses spend_cents and the primary's conversions (binomial per person).
    cpa_per_unit: RatioStats | None = None
    # Conversions, for the binomial cost-per-result guardrail when the primary metric is not a rate
    # (e.g. value per person); defaults to the primary's conversions.
    conversions: int | None = None


@dataclass(frozen=True)
class VariantComparison:
    name: str
    frequentist: ComparisonResult
    sequential: SequentialResult
    bayes: BayesResult
    p_value: float  # the p-value the decision uses, before adjustment
    p_value_adjusted: float  # Holm
    significant: bool  # p_value_adjusted < alpha
    direction: int  # +1 better, -1 worse, 0 not significant
    guardrails: tuple[GuardrailResult, ...]


@dataclass(frozen=True)
class Decision:
    status: str  # WINNER, NO_WINNER_YET, INVALID
    winner: str | None
    missing: tuple[str, ...]
    comparisons: tuple[VariantComparison, ...]
    srm: SrmResult
    min_sample_reached: bool
    days_to_min_sample: float | None
    days_to_significance: float | None
    elapsed_days: float
    alpha: float
    sequential: bool
    p_value_method: str


def _fmt_p(p: float) -> str:
    return f"{p:.2g}" if p >= 1e-4 else "<0.0001"


def _sequential_total_needed(seq: SequentialResult, alpha: float, rho2: float) -> float | None:
    """Total N at which ln Lambda with the current estimate and per-unit variance reaches ln(1/alpha)."""
    if not seq.defined or seq.estimate == 0.0:
        return None
    n_now = seq.n_total
    var_now = seq.tau_squared / (n_now * rho2)  # V = tau^2 / r, r = N rho^2
    s2 = var_now * n_now  # per-unit variance of the effect

    def gap(n: float) -> float:
        r = n * rho2
        z2 = seq.estimate * seq.estimate * n / s2
        return z2 * r / (2.0 * (1.0 + r)) - 0.5 * math.log1p(r) - math.log(1.0 / alpha)

    if gap(n_now) >= 0:
        return float(n_now)
    hi = max(2.0 * n_now, 4.0)
    while gap(hi) < 0:
        hi *= 2.0
        if hi > 1e13:
            return None
    return float(optimize.brentq(gap, n_now, hi, xtol=0.5))


def decide(
    variants: Sequence[VariantInput],
    *,
    min_sample_per_variant: int,
    elapsed_days: float,
    alpha: float = 0.05,
    sequential: bool = True,
    guardrails: Sequence[str] = GUARDRAILS,
    srm_threshold: float = SRM_THRESHOLD,
    power: float = 0.8,
) -> Decision:
    """Apply the decision rule of the module docstring to one experiment's sufficient statistics."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha: must be in (0, 1), got {alpha}")
    if min_sample_per_variant < 1:
        raise ValueError(f"min_sample_per_variant: must be >= 1, got {min_sample_per_variant}")
    controls = [v for v in variants if v.is_control]
    if len(variants) < 2 or len(controls) != 1:
        raise ValueError("variants: need two or more variants and exactly one control")
    for g in guardrails:
        if g not in GUARDRAILS:
            raise ValueError(f"guardrails: unknown guardrail {g!r} (known: {', '.join(GUARDRAILS)})")
    kinds = {type(v.primary) for v in variants}
    if len(kinds) != 1:
        raise ValueError("variants: the primary statistics must all be proportions or all means")
    control = controls[0]
    treatments = [v for v in variants if not v.is_control]
    elapsed = max(0.0, float(elapsed_days))

    srm = sample_ratio_mismatch(
        [v.units_assigned for v in variants], [v.allocation for v in variants], srm_threshold
    )
    # The mSPRT boundary is tuned for a pairwise comparison at the planned sample: N* = 2 arms x minimum.
    n_star = 2.0 * min_sample_per_variant

    raw: list[tuple[ComparisonResult, SequentialResult, BayesResult, float]] = []
    for t in treatments:
        freq = compare(control.primary, t.primary, alpha)
        seq = msprt(
            control.primary, t.primary, alpha=alpha, tuning_sample=_tuning(n_star, control.primary, t.primary)
        )
        bay = bayes(control.primary, t.primary, alpha)
        raw.append((freq, seq, bay, seq.p_value if sequential else freq.absolute.p_value))
    adjusted = holm([r[3] for r in raw])

    comparisons: list[VariantComparison] = []
    for t, (freq, seq, bay, p), p_adj in zip(treatments, raw, adjusted, strict=True):
        sig = p_adj < alpha and (seq.defined if sequential else freq.absolute.defined)
        direction = 0 if not sig else (1 if freq.absolute.estimate > 0 else -1)
        checks: list[GuardrailResult] = []
        if COST_PER_RESULT in guardrails and control.cpa_per_unit is not None and t.cpa_per_unit is not None:
            checks.append(cost_per_result_ratio_guardrail(control.cpa_per_unit, t.cpa_per_unit, alpha))
        elif COST_PER_RESULT in guardrails:
            checks.append(
                cost_per_result_guardrail(
                    (control.spend_cents, _conversions(control), _people(control.primary)),
                    (t.spend_cents, _conversions(t), _people(t.primary)),
                    alpha,
                )
            )
        if SPEND in guardrails:
            if control.spend_per_unit is None or t.spend_per_unit is None:
                checks.append(
                    GuardrailResult(
                        SPEND,
                        0.0,
                        None,
                        1.0,
                        False,
                        False,
                        "Welch t on spend per boost (cents); one-sided",
                        "no per-boost spend recorded",
                    )
                )
            else:
                checks.append(spend_guardrail(control.spend_per_unit, t.spend_per_unit, alpha))
        comparisons.append(VariantComparison(t.name, freq, seq, bay, p, p_adj, sig, direction, tuple(checks)))

    missing: list[str] = []
    if srm.mismatch:
        missing.append(
            f"sample ratio mismatch: boosts per variant {list(srm.observed)} against the planned allocation "
            f"(chi-square p={_fmt_p(srm.p_value)} < {srm_threshold}); check the assignment, no result can be trusted"
        )

    # Minimum sample and the time to reach it at the current rate.
    short = [v for v in variants if _people(v.primary) < min_sample_per_variant]
    min_reached = not short
    days_to_min: float | None = 0.0 if min_reached else None
    if short:
        waits = []
        for v in short:
            rate = _people(v.primary) / elapsed if elapsed > 0 else 0.0
            waits.append((min_sample_per_variant - _people(v.primary)) / rate if rate > 0 else math.inf)
        worst = max(waits)
        days_to_min = None if math.isinf(worst) else worst
        names = ", ".join(f"{v.name} n={_people(v.primary):g}" for v in short)
        when = (
            f"about {days_to_min:.1f} more days at the current rate"
            if days_to_min is not None
            else "no units are arriving yet, so no estimate of when"
        )
        missing.append(
            f"minimum sample of {min_sample_per_variant} per variant not reached ({names}); {when}"
        )

    better = [c for c in comparisons if c.direction > 0]
    passing = [c for c in better if all(g.defined and not g.worse for g in c.guardrails)]
    method = (
        "always-valid mSPRT p-value (normal mixture), Holm-adjusted"
        if sequential
        else "fixed-horizon p-value (pooled z / Welch), Holm-adjusted"
    )

    if not better:
        worse_all = all(c.direction < 0 for c in comparisons)
        if not worse_all:
            missing.append(
                f"primary metric not significant: smallest adjusted p={_fmt_p(min(c.p_value_adjusted for c in comparisons))}"
                f" (alpha={alpha}, {method})"
            )
    for c in better:
        for g in c.guardrails:
            if not g.defined:
                missing.append(f"guardrail {g.metric} for {c.name} cannot be assessed yet: {g.note}")
            elif g.worse:
                missing.append(
                    f"guardrail {g.metric} is significantly worse for {c.name} "
                    f"(estimate {g.estimate:+.3g}, one-sided p={_fmt_p(g.p_worse)})"
                )

    # Projection of the days until the primary metric would be significant.
    days_to_sig: float | None = None
    if not better and elapsed > 0:
        days_to_sig = _project_days(
            control, treatments, comparisons, alpha, sequential, power, elapsed, n_star
        )
        if days_to_sig is not None and missing and missing[-1].startswith("primary metric not significant"):
            missing[-1] += (
                f"; if the observed effect is real, about {days_to_sig:.1f} more days at the current rate"
            )

    winner: str | None = None
    if not srm.mismatch and min_reached:
        if passing:
            winner = max(passing, key=lambda c: c.frequentist.absolute.estimate).name
        elif comparisons and all(c.direction < 0 for c in comparisons):
            winner = control.name
    status = INVALID if srm.mismatch else (WINNER if winner else NO_WINNER_YET)
    return Decision(
        status=status,
        winner=winner,
        missing=tuple(missing) if winner is None else (),
        comparisons=tuple(comparisons),
        srm=srm,
        min_sample_reached=min_reached,
        days_to_min_sample=days_to_min,
        days_to_significance=days_to_sig,
        elapsed_days=elapsed,
        alpha=alpha,
        sequential=sequential,
        p_value_method=method,
    )


def _conversions(variant: VariantInput) -> int:
    if variant.conversions is not None:
        return variant.conversions
    stats = variant.primary
    if isinstance(stats, ProportionStats):
        return stats.conversions
    if isinstance(stats, RatioStats):
        return round(stats.m_sum)
    return 0


def _people(stats: VariantStats) -> float:
    """People reached: n for per-person statistics, the summed denominator for a ratio over boosts."""
    return stats.d_sum if isinstance(stats, RatioStats) else stats.n


def _tuning(n_star_people: float, a: VariantStats, b: VariantStats) -> float:
    """N* in the statistics' own unit: people, or for a ratio over boosts the boosts expected at N* people
    at the current people-per-boost (the mSPRT's n counts boosts there)."""
    if isinstance(a, RatioStats) and isinstance(b, RatioStats) and a.d_sum + b.d_sum > 0 and a.n + b.n > 0:
        return max(2.0, n_star_people * (a.n + b.n) / (a.d_sum + b.d_sum))
    return n_star_people


def _project_days(
    control: VariantInput,
    treatments: list[VariantInput],
    comparisons: list[VariantComparison],
    alpha: float,
    sequential: bool,
    power: float,
    elapsed: float,
    n_star: float,
) -> float | None:
    alpha_first = alpha / len(treatments)  # Holm's first step
    best_days: float | None = None
    for t, c in zip(treatments, comparisons, strict=True):
        n_c, n_t = control.primary.n, t.primary.n
        rate = (n_c + n_t) / elapsed
        if rate <= 0 or c.frequentist.absolute.estimate == 0.0:
            continue
        if sequential:
            rho2 = mixing_rho_squared(alpha, c.sequential.tuning_sample)
            total = _sequential_total_needed(c.sequential, alpha_first, rho2)
            if total is None:
                continue
            days = max(0.0, (total - (n_c + n_t)) / rate)
        else:
            ratio = n_t / n_c if n_c else 1.0
            d = c.frequentist.absolute.estimate
            try:
                if isinstance(control.primary, ProportionStats):
                    plan = sample_size_proportions(
                        control.primary.mean, d, alpha=alpha_first, power=power, ratio=ratio
                    )
                else:
                    sd = math.sqrt((control.primary.variance + t.primary.variance) / 2.0)
                    plan = sample_size_means(d, sd, alpha=alpha_first, power=power, ratio=ratio)
            except ValueError:  # a rate pushed a hair outside [0, 1] by rounding
                continue
            if plan.n_control is None:
                continue
            days = max(0.0, (plan.n_control - n_c) / (n_c / elapsed)) if n_c else None
            if days is None:
                continue
        best_days = days if best_days is None else min(best_days, days)
    return best_days
