"""Path-table attribution against ChannelAttribution 2.2.5, side by side in one process (issue 3, Speed).

    .venv/bin/python benchmarks/attribution/bench_paths.py [--rows 1000000 10000000] [--repeat 3]

Data: ChannelAttribution's own ``Data.csv`` (10,000 paths, 12 channels) repeated row by row to N rows, as
a pandas DataFrame (what ChannelAttribution takes). Both sides start from that DataFrame, so both parse
the path strings inside the timing.

* heuristics: ChannelAttribution ``heuristic_models`` (first, last and linear touch, conversions and value)
  vs ours: ``PathTable.from_strings`` + first_touch + last_touch + linear. Goal: ours >= 3x faster.
* Markov order 1: ChannelAttribution ``markov_model`` (simulated; default nsim_start=1e5, conv_par=0.05,
  with value and nulls) vs ours: ``PathTable.from_strings`` + exact solve. Goal: ours >= 2x faster.

Each timing is the best of ``--repeat`` runs (the machine is shared; the minimum is the least disturbed).
``flg_pro=False``: no banner; ChannelAttribution's ``install_pro`` is never called.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from boostloop.analytics.attribution import PathTable, attribute


def data_csv() -> Path:
    import cypack

    return Path(cypack.__file__).parent / "data" / "Data.csv"


def best(fn, repeat: int) -> tuple[float, object]:  # noqa: ANN001
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def ours_table(df: pd.DataFrame) -> PathTable:
    return PathTable.from_strings(
        pa.array(df["path"]), df["total_conversions"].to_numpy(np.float64),
        df["total_conversion_value"].to_numpy(np.float64), df["total_null"].to_numpy(np.float64), sep=">",
    )


def ours_heuristics(df: pd.DataFrame) -> dict:
    t = ours_table(df)
    return {m: attribute(t, m) for m in ("first_touch", "last_touch", "linear")}


def ours_markov(df: pd.DataFrame):  # noqa: ANN201
    return attribute(ours_table(df), "markov", order=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import ChannelAttribution as ca

    base = pd.read_csv(data_csv(), sep=";")
    for n in args.rows:
        df = base.iloc[np.arange(n) % len(base)].reset_index(drop=True)
        with contextlib.redirect_stdout(io.StringIO()):
            t_ca_h, ref_h = best(lambda: ca.heuristic_models(
                df, "path", "total_conversions", var_value="total_conversion_value", sep=">", flg_pro=False), args.repeat)
        t_us_h, got_h = best(lambda: ours_heuristics(df), args.repeat)
        with contextlib.redirect_stdout(io.StringIO()):
            t_ca_m, ref_m = best(lambda: ca.markov_model(
                df, "path", "total_conversions", var_value="total_conversion_value", var_null="total_null",
                order=1, seed=0, verbose=False, flg_pro=False), args.repeat)
        t_us_m, got_m = best(lambda: ours_markov(df), args.repeat)
        # the same answers, so that the speed comparison is of equal work
        ref_h = ref_h.set_index("channel_name")
        lin = got_h["linear"].conversions_by_channel()
        assert max(abs(lin[c] - ref_h.loc[c, "linear_touch_conversions"]) for c in ref_h.index) < 1e-6 * n
        ref_m = ref_m.set_index("channel_name")
        mk = got_m.conversions_by_channel()
        gap = sum(abs(mk[c] - ref_m.loc[c, "total_conversions"]) for c in ref_m.index) / df["total_conversions"].sum()
        print(f"rows={n:,}")
        print(f"  heuristics  ChannelAttribution {t_ca_h:7.2f} s   ours {t_us_h:7.2f} s   ratio {t_ca_h / t_us_h:5.1f}x")
        print(f"  markov k=1  ChannelAttribution {t_ca_m:7.2f} s   ours {t_us_m:7.2f} s   ratio {t_ca_m / t_us_m:5.1f}x"
              f"   (|ours - CA| / conversions = {gap:.2%})")


if __name__ == "__main__":
    main()
