"""Null calibration of the one-vs-rest rate-ratio test: share of p-values under 0.05 / 0.01 / 0.001 over
effect-free worlds (per-boost gamma(4) heterogeneity), for the variance / reference choices considered.

    PYTHONPATH=. .venv/bin/python benchmarks/insights/calibration.py
"""

from __future__ import annotations

from unittest import mock

import numpy as np
from tests.analytics.insights.synth import NULL, make_world

from boostloop.analytics.insights import groups, stats

CHOICES = {
    "sandwich (HC1) + normal": {"variance": "sandwich", "reference": "normal"},
    "sandwich (HC1) + t (Welch-Satterthwaite df)": {"variance": "sandwich", "reference": "t"},
    "jackknife + t (shipped)": {"variance": "jackknife", "reference": "t"},
}


def main(worlds: int = 60) -> None:
    data = [make_world(1000 + s, NULL) for s in range(worlds)]
    for name, kw in CHOICES.items():

        def test(*a, _kw=kw, **k):  # noqa: ANN002, ANN003, ANN202
            return stats.rate_ratio_test(*a, **{**k, **_kw})

        ps = []
        with mock.patch.object(groups, "rate_ratio_test", test):
            for w in data:
                for det in ("timing", "targeting", "content_type", "platform"):
                    ps += [
                        f.evidence.p_value
                        for f in groups.detect_groups(det, w.boosts, value_per_conversion_cents=5000).findings
                    ]
        p = np.array(ps)
        print(
            f"{name}: {len(p)} tests; p<0.05 {np.mean(p < 0.05):.3f}, p<0.01 {np.mean(p < 0.01):.3f}, "
            f"p<0.001 {np.mean(p < 0.001):.4f}"
        )


if __name__ == "__main__":
    main()
