"""Thompson sampling regret: ours against mabwiser's ``LearningPolicy.ThompsonSampling`` on the same arms.

    .venv/bin/python benchmarks/learning/bench_exploration.py [--runs=50] [--horizon=500]

Arms: the five audience segments of tests/analytics/learning/test_exploration.py with success
probabilities 0.45 / 0.30 / 0.25 / 0.35 / 0.40 (a boost's success = ROI > 0). Expected regret per step =
best p - p of the chosen arm, averaged over runs (each run its own seeded reward stream, the same for both
policies). A uniform random choice regrets 0.10 per step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from boostloop.analytics.learning.exploration import bernoulli_regret  # noqa: E402
from tests.analytics.learning.test_exploration import ARMS, _mabwiser, _ours  # noqa: E402  (the test's arms and policies)


def main() -> None:
    opts = dict(a.lstrip("-").split("=") for a in sys.argv[1:] if "=" in a)
    runs, horizon = int(opts.get("runs", 50)), int(opts.get("horizon", 500))
    ours = bernoulli_regret(_ours, ARMS, horizon=horizon, runs=runs, seed=3)
    ref = bernoulli_regret(_mabwiser, ARMS, horizon=horizon, runs=runs, seed=3)
    rand = 0.45 - float(np.mean(list(ARMS.values())))
    print(f"{runs} runs, cumulative expected regret at step: ours / mabwiser / uniform random")
    for t in (50, 100, 200, 300, 400, 500):
        if t <= horizon:
            print(f"  {t:4d}: {ours.cumulative_regret[t - 1]:6.2f} / {ref.cumulative_regret[t - 1]:6.2f} / {rand * t:6.1f}")
    print("max |ours - mabwiser| over the curve:", float(np.max(np.abs(np.subtract(ours.cumulative_regret, ref.cumulative_regret)))))


if __name__ == "__main__":
    main()
