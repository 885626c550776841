"""Re-time ``train`` and ``generate_recommendations`` on a database ``bench_speed.py`` already built.

    .venv/bin/python benchmarks/learning/bench_speed_reuse.py /path/to/speed.db
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

import sqlalchemy as sa

from boostloop.server.db.models import SocialPost, Workspace
from boostloop.server.db.session import create_db_engine, session_scope
from boostloop.server.learning import service

eng = create_db_engine(f"sqlite:///{sys.argv[1]}")
with session_scope(eng) as s:
    ws = s.scalar(sa.select(Workspace.id))
    now = s.scalar(sa.select(sa.func.max(SocialPost.published_at))).replace(tzinfo=__import__("datetime").UTC) + timedelta(hours=6)
    n_posts = s.scalar(sa.select(sa.func.count()).select_from(SocialPost))
for _ in range(2):
    with session_scope(eng) as s:
        t0 = time.perf_counter()
        m = service.train(s, ws, now)
        t_train = time.perf_counter() - t0
    with session_scope(eng) as s:
        t0 = time.perf_counter()
        r = service.generate_recommendations(s, ws, now + timedelta(minutes=len(str(t0))), seed=2)
        t_recs = time.perf_counter() - t0
    print(f"posts {n_posts}, ready rows {m.training_rows}: train {t_train:.1f} s ({m.validation['method']}), "
          f"generate_recommendations {t_recs:.1f} s ({len(r.created)} created, {r.skipped_duplicates} duplicates skipped)")
