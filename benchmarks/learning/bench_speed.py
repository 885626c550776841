"""Speed: a workspace of ~10,000 posts and ~2,000 past boosts, through the product's own path.

    .venv/bin/python benchmarks/learning/bench_speed.py [--scale 33]

A simulated workspace (default world at ``--scale``; touchpoint tracking switched off, as events play no
part in learning) is loaded into a fresh SQLite file; then timed: ``build_training_data`` (the weekly job),
``train`` (fit + time-ordered validation + refit), ``generate_recommendations``. Peer: MAPIE 1.6
``ConformalizedQuantileRegressor`` (same HistGradientBoosting quantile learner) fitted on the same matrix,
timed in the same process; the ratio is printed. Targets (issue 6): training < 60 s, recommendations < 10 s.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from boostloop.analytics.learning.features import TARGETS
from boostloop.analytics.learning.outcome_model import BoostOutcomeModel, _to_model_scale
from boostloop.server.db import migrate
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.learning import repository as repo
from boostloop.server.learning import service
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


def main() -> None:
    scale = 33.0
    for a in sys.argv[1:]:
        if a.startswith("--scale"):
            scale = float(a.split("=", 1)[1])
    w = load_world()
    w = dataclasses.replace(w, journeys=dataclasses.replace(w.journeys, organic_view_tracking=0.0, paid_view_tracking=0.0,
                                                            engagement_tracking=0.0))
    t0 = time.perf_counter()
    sim = generate(w, 5, scale=scale)
    sim = dataclasses.replace(sim, events=sim.events.slice(0, 0))
    print(f"generated {len(sim.posts)} posts, {len(sim.boosts)} boosts in {time.perf_counter() - t0:.0f} s")
    path = Path(tempfile.mkdtemp()) / "speed.db"
    migrate.upgrade(f"sqlite:///{path}")
    eng = create_db_engine(f"sqlite:///{path}")
    ws = load_into_database(sim, eng)
    now = max(p["published_at"] for p in sim.posts) + timedelta(hours=6)
    with session_scope(eng) as s:
        t0 = time.perf_counter()
        built = service.build_training_data(s, ws, now)
        t_build = time.perf_counter() - t0
    with session_scope(eng) as s:
        t0 = time.perf_counter()
        record = service.train(s, ws, now)
        t_train = time.perf_counter() - t0
    with session_scope(eng) as s:
        t0 = time.perf_counter()
        recs = service.generate_recommendations(s, ws, now, seed=1)
        t_recs = time.perf_counter() - t0
        pairs = repo.training_rows(s, ws, ready_only=True)
    X = [row.features for row, _ in pairs]
    Y = np.array([[float(row.labels[t]) for t in TARGETS] for row, _ in pairs])
    # peer: MAPIE CQR on the same rows (one fit per target, as our model does)
    from mapie.regression import ConformalizedQuantileRegressor
    from sklearn.ensemble import HistGradientBoostingRegressor

    m = BoostOutcomeModel().fit(X, Y)
    Xm = m.encoder_.transform(X)[:, m.columns_]
    Z = _to_model_scale(Y)
    with threadpool_limits(1, "openmp"):
        t0 = time.perf_counter()
        BoostOutcomeModel().fit(X, Y)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        for j in range(3):
            est = HistGradientBoostingRegressor(loss="quantile", max_iter=100, max_leaf_nodes=15, min_samples_leaf=10,
                                                categorical_features=m.encoder_.categorical_mask[m.columns_], random_state=0)
            ConformalizedQuantileRegressor(est, confidence_level=0.9).fit(Xm[: m.n_train_], Z[: m.n_train_, j]).conformalize(
                Xm[m.n_train_ :], Z[m.n_train_ :, j])
        t_mapie = time.perf_counter() - t0
    print(f"posts {len(sim.posts)}, boosts {len(sim.boosts)}, training rows {built.created} ({built.training_ready} ready)")
    print(f"build_training_data {t_build:.1f} s; train (fit + validate + refit, {record.validation['method']}) {t_train:.1f} s;"
          f" generate_recommendations {t_recs:.1f} s ({len(recs.created)} created)")
    print(f"one model fit: ours {t_ours:.1f} s, MAPIE CQR {t_mapie:.1f} s, ratio ours/MAPIE {t_ours / t_mapie:.2f}")


if __name__ == "__main__":
    main()
