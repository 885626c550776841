"""Simulator speed and peak memory at the scale option (issue: foundation).

    .venv/bin/python benchmarks/simulator/bench_simulator.py [--scale 50]

Generation only (no database): events per second and peak resident memory of the process. There is no
peer to compare a bespoke world generator with; the figure is a budget for tests and benchmarks that
build large worlds.
"""

from __future__ import annotations

import argparse
import resource
import time

from boostloop.simulate import generate, load_world


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=50.0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t0 = time.perf_counter()
    sim = generate(load_world(), args.seed, scale=args.scale)
    dt = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = sim.events.num_rows
    print(f"scale={args.scale} posts={len(sim.posts)} boosts={len(sim.boosts)} events={n:,}")
    print(f"generation {dt:.1f} s, {n / dt:,.0f} events/s, peak RSS {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
