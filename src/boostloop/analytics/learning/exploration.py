"""Exploration: Beta-Bernoulli Thompson sampling across boost strategies (audience segments).

Which part explores, and why. The audience segment is the choice the outcome model is least able to
answer from data: it is categorical, so the gradient-boosted trees cannot interpolate to a segment the
workspace has rarely tried, whereas start hour and budget are ordered and the model (and the response
curve) borrow strength from neighbouring values. So ``EXPLORATION_SHARE`` = 20 % of the recommendations
that carry a segment (chosen by a seeded draw) take it from a Thompson sample instead of the model's
argmax; the other 80 % exploit. Thompson sampling (Thompson 1933; Russo et al., "A Tutorial on Thompson
Sampling", 2018) explores in proportion to the posterior probability that an arm is best, so as evidence
accumulates its draw coincides with the argmax and the exploration costs nothing; the 20 % cap keeps most
of what a person sees the current best estimate.

Model: each arm a has successes s_a and failures f_a of the boost ``success`` label; the posterior of its
success rate is Beta(1 + s_a, 1 + f_a) (uniform prior). A choice draws theta_a from every posterior and
takes the largest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

EXPLORATION_SHARE = 0.2


@dataclass(frozen=True)
class ArmPosterior:
    arm: str
    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


class ThompsonSampler:
    """Beta-Bernoulli Thompson sampling; ``seed`` makes the draws reproducible."""

    def __init__(self, arms: Sequence[str], seed: int, prior: tuple[float, float] = (1.0, 1.0)) -> None:
        if not arms:
            raise ValueError("arms: at least one arm is needed")
        self.arms = list(dict.fromkeys(arms))
        self._a = {a: float(prior[0]) for a in self.arms}
        self._b = {a: float(prior[1]) for a in self.arms}
        self._rng = np.random.default_rng(seed)

    def update(self, arm: str, reward: float) -> None:
        """Add one observation; a reward in [0, 1] counts as that fraction of a success."""
        if arm not in self._a:
            raise ValueError(f"arm: unknown arm {arm!r}")
        r = float(min(1.0, max(0.0, reward)))
        self._a[arm] += r
        self._b[arm] += 1.0 - r

    def choose(self) -> str:
        draws = [self._rng.beta(self._a[a], self._b[a]) for a in self.arms]
        return self.arms[int(np.argmax(draws))]

    def posteriors(self) -> tuple[ArmPosterior, ...]:
        return tuple(ArmPosterior(a, self._a[a], self._b[a]) for a in self.arms)


def sampler_from_history(arms: Sequence[str], history: Sequence[tuple[str, float]], seed: int) -> ThompsonSampler:
    s = ThompsonSampler(arms, seed)
    for arm, reward in history:
        if arm in s._a:
            s.update(arm, reward)
    return s


def should_explore(seed: int, index: int) -> bool:
    """Whether recommendation ``index`` of a batch explores (a seeded draw with probability 20 %)."""
    return bool(np.random.default_rng([seed, index]).random() < EXPLORATION_SHARE)


@dataclass(frozen=True)
class RegretCurve:
    cumulative_regret: tuple[float, ...]  # mean over runs, by step
    final_regret: float
    runs: int


def bernoulli_regret(
    choose_and_update: Callable[[int], tuple[Callable[[], str], Callable[[str, float], None]]],
    arm_probs: Mapping[str, float],
    horizon: int,
    runs: int,
    seed: int,
) -> RegretCurve:
    """Expected-regret curve of a policy on Bernoulli arms: sum over steps of (best p - p of the chosen arm).

    ``choose_and_update(run_seed)`` returns the policy's (choose, update) pair for one fresh run; rewards are
    drawn from one seeded stream per run, so two policies given the same ``seed`` face the same world.
    """
    best = max(arm_probs.values())
    total = np.zeros(horizon)
    for run in range(runs):
        rng = np.random.default_rng([seed, run])
        choose, update = choose_and_update(seed * 1000 + run)
        regret = np.zeros(horizon)
        for t in range(horizon):
            arm = choose()
            reward = float(rng.random() < arm_probs[arm])
            update(arm, reward)
            regret[t] = best - arm_probs[arm]
        total += np.cumsum(regret)
    mean = total / max(1, runs)
    return RegretCurve(tuple(float(x) for x in mean), float(mean[-1]) if horizon else 0.0, runs)
