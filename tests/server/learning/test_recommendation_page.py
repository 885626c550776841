"""The recommendations list's page (``learning.repository.recommendation_page``), SQLite and PostgreSQL:
filtered, sorted and cut in SQL in the order the endpoint gave when it sorted every row in Python
(the sort column, then id ascending), with the total of matching rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from boostloop.enums import RecommendationStatus, RecommendationType
from boostloop.server.db.models import BoostRecommendation
from boostloop.server.db.session import session_scope
from boostloop.server.learning import repository as repo
from boostloop.server.learning.endpoints import SORTS
from boostloop.server.workspaces.service import create_workspace

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _python_page(rows, status, min_confidence, attr, desc, limit):
    """The endpoint's former definition."""
    rows = [r for r in rows if (status is None or r.status == status) and r.confidence >= min_confidence]
    rows.sort(key=lambda r: str(r.id))
    rows.sort(key=lambda r: getattr(r, attr), reverse=desc)
    return [r.id for r in rows[:limit]], len(rows)


@pytest.mark.parametrize("sort", list(SORTS))
def test_page_equals_the_python_sort(engine, sort) -> None:
    rng = random.Random(5)
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        other = create_workspace(s, name="Other", slug="other")
        for n in range(60):
            s.add(BoostRecommendation(
                workspace_id=other.id if n % 10 == 0 else ws.id,
                recommendation_type=RecommendationType.BOOST_HIGH_PERFORMER,
                # few distinct values: many ties, broken by id
                confidence=rng.choice([0.2, 0.5, 0.5, 0.9]), priority=rng.randint(1, 3), suggested_budget_cents=5000,
                suggested_duration_days=3, suggested_timing=T0, suggested_targeting={}, projected_reach=1000,
                projected_conversions=10, projected_roi=rng.choice([0.1, 0.4]), confidence_interval={}, reason="r",
                supporting_data={}, fingerprint=f"fp{n}",
                status=rng.choice([RecommendationStatus.PENDING, RecommendationStatus.EXPIRED]),
                created_at=T0 + timedelta(hours=rng.randint(0, 3)),
                expires_at=T0 + timedelta(days=rng.randint(1, 3))))
        s.flush()
        mine = repo.recommendations(s, ws.id)
        assert len(mine) == 54
        attr, default_desc = SORTS[sort]
        for status in (None, RecommendationStatus.PENDING):
            for min_conf in (0.0, 0.5):
                for desc in (default_desc, not default_desc):
                    for limit in (7, 500):
                        rows, total = repo.recommendation_page(s, ws.id, status=status, min_confidence=min_conf,
                                                               sort=attr, descending=desc, limit=limit)
                        want = _python_page(mine, status, min_conf, attr, desc, limit)
                        assert ([r.id for r in rows], total) == want, (status, min_conf, desc, limit)
                        assert all(r.workspace_id == ws.id for r in rows)
