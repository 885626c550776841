"""Speed of the insight statistics against their reference implementations, same data, one process.

- budget curve: our profiled fit (``budget._fit``: closed-form a(b), 1-D search over log b) against
  ``scipy.optimize.curve_fit`` (trust-region reflective with bounds) on the same weighted problem; the
  bootstrap refits the curve 200 times per platform, so this decides the detector's run time;
- Benjamini-Hochberg: ours against ``statsmodels.stats.multitest.multipletests(method='fdr_bh')``.

    .venv/bin/python benchmarks/insights/speed.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from scipy import optimize
from statsmodels.stats.multitest import multipletests

from boostloop.analytics.insights.budget import _fit, saturating
from boostloop.analytics.insights.stats import benjamini_hochberg


def bench(fn, repeat: int) -> float:  # noqa: ANN001
    fn()
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat


def main() -> None:
    rng = np.random.default_rng(0)
    s = rng.uniform(20, 1500, 200)
    v = saturating(s, 2000, 600) * rng.gamma(4, 1 / 4, 200)

    def ours() -> None:
        _fit(s, v)

    def scipy_fit() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimize.curve_fit(
                saturating,
                s,
                v,
                p0=(v.sum() / s.sum() * 600, 600),
                sigma=np.sqrt(s),
                bounds=([1e-9, 1e-9], [np.inf, np.inf]),
                maxfev=5000,
            )

    a = bench(ours, 200)
    b = bench(scipy_fit, 50)
    (pa, pb), _, _ = _fit(s, v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = optimize.curve_fit(saturating, s, v, p0=(1000, 600), sigma=np.sqrt(s), maxfev=5000)[0]
    print(
        f"budget fit n=200: ours {a * 1e3:.2f} ms, curve_fit(trf, bounds) {b * 1e3:.2f} ms, ratio "
        f"{b / a:.1f}x; "
        f"max relative parameter difference {max(abs(pa / ref[0] - 1), abs(pb / ref[1] - 1)):.1e}"
    )
    p = rng.uniform(size=1000)
    c = bench(lambda: benjamini_hochberg(p), 2000)
    d = bench(lambda: multipletests(p, method="fdr_bh"), 2000)
    diff = float(np.max(np.abs(benjamini_hochberg(p) - multipletests(p, method="fdr_bh")[1])))
    print(
        f"BH m=1000: ours {c * 1e6:.1f} us, statsmodels {d * 1e6:.1f} us, ratio {d / c:.1f}x; max |diff| "
        f"{diff:.1e}"
    )


if __name__ == "__main__":
    main()
