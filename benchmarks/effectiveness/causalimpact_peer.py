"""Google's tfp-causalimpact 0.2.0 as a peer, run in its own environment (it pulls TensorFlow, ~2.1 GB;
never a dependency of the product):

    cd benchmarks/effectiveness
    uv venv .venv && uv pip install --python .venv/bin/python tfp-causalimpact==0.2.0 tf-keras pandas
    # 1. export the series (product venv):
    ../../.venv/bin/python validate.py --worlds default --seeds 1 --no-peers --export-ci /tmp/ci_in.json
    # 2. fit (this venv):
    .venv/bin/python causalimpact_peer.py /tmp/ci_in.json /tmp/ci_out.json [--limit N]
    # 3. score with the same conversion formula (product venv):
    ../../.venv/bin/python validate.py --worlds default --seeds 1 --no-peers --ci-results /tmp/ci_out.json

Model: CausalImpact's default (local level + regression on the covariate) on the post's hourly
cumulative organic reach ``y`` (pre-boost hours, then the actual post-boost hours), with the controls'
mean cumulative reach scaled to the post's baseline as the covariate ``x``; the counterfactual at the
analysis end is the posterior mean and 90 % interval (alpha = 0.1) at the last hour.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    import numpy as np
    import pandas as pd
    import causalimpact

    src, dst = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else None
    cases = json.load(open(src))
    if limit:
        cases = cases[:limit]
    out = {}
    for i, c in enumerate(cases):
        t0 = time.perf_counter()
        y, x, n_pre = np.asarray(c["y"], float), np.asarray(c["x"], float), int(c["n_pre"])
        df = pd.DataFrame({"y": y, "x": x})
        try:
            res = causalimpact.fit_causalimpact(df, pre_period=(0, n_pre - 1), post_period=(n_pre, len(y) - 1),
                                                alpha=0.1, seed=i)
            last = res.series.iloc[-1]
            out[c["key"]] = {"mean": float(last["posterior_mean"]), "lower": float(last["posterior_lower"]),
                             "upper": float(last["posterior_upper"]), "seconds": time.perf_counter() - t0}
        except Exception as exc:  # noqa: BLE001 - a failed fit is reported, not fatal
            out[c["key"]] = {"error": repr(exc)}
        print(i, c["key"], out[c["key"]], flush=True)
        json.dump(out, open(dst, "w"))


if __name__ == "__main__":
    main()
