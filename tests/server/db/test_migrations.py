"""The one migration tree runs up and down on an empty database, on every backend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from boostloop.server.db import migrate
from boostloop.server.db.models import Base
from tests.conftest import BACKENDS, fresh_database_url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path):
    """An empty database (migrated to head, then down to base)."""
    gen = fresh_database_url(request.param, request, tmp_path)
    url = next(gen)
    migrate.downgrade(url, "base")
    yield url
    next(gen, None)


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(empty_database_url: str) -> None:
    assert _tables(empty_database_url) == set()
    migrate.upgrade(empty_database_url)
    assert _tables(empty_database_url) == set(Base.metadata.tables)
    migrate.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) == set()
    migrate.upgrade(empty_database_url)  # and up again: the downgrade left nothing behind
    assert _tables(empty_database_url) == set(Base.metadata.tables)


def test_schema_matches_the_models(engine) -> None:
    """Autogenerate finds nothing to do: the migrations and the ORM models describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_plan_indexes_exist(engine) -> None:
    insp = sa.inspect(engine)
    def cols(table: str) -> set[tuple[str, ...]]:
        found = {tuple(ix["column_names"]) for ix in insp.get_indexes(table)}
        found |= {tuple(uq["column_names"]) for uq in insp.get_unique_constraints(table)}
        return found
    # ../shared/PLAN.md, 'Database Schema Changes'
    assert {("workspace_id",), ("original_post_id",), ("campaign_id",), ("boosted_at",)} <= cols("boost_campaigns")
    assert {("boost_campaign_id", "snapshot_at"), ("snapshot_at",)} <= cols("boost_performance_snapshots")
    assert {("boost_campaign_id", "occurred_at"), ("session_id_hash",), ("user_id_hash",)} <= cols(
        "boost_attribution_events"
    )
    assert {("workspace_id", "is_training_ready"), ("aggregated_at",), ("boost_campaign_id",)} <= cols(
        "boost_ml_training_data"
    )
    assert {("workspace_id", "status"), ("confidence",), ("created_at",)} <= cols("boost_recommendations")
    assert {("workspace_id", "acknowledged"), ("severity", "acknowledged"), ("created_at",)} <= cols(
        "boost_insights"
    )


def test_constraint_names_follow_the_convention(engine) -> None:
    """Named constraints (so migrations can drop them), within PostgreSQL's 63-character identifiers."""
    insp = sa.inspect(engine)
    fks = insp.get_foreign_keys("boost_performance_snapshots")
    assert len(fks) == 2
    for fk in fks:
        assert fk["name"].startswith("fk_boost_performance_snapshots_")
        assert len(fk["name"]) <= 63


def test_0008_back_fills_the_ranking_columns_from_the_stored_results(empty_database_url: str) -> None:
    """Results stored before 0008 (JSON only) get the comparison's ranking columns from their JSON."""
    from boostloop.server.db.models import BoostEffectivenessResult
    from boostloop.server.db.session import create_db_engine, session_scope
    from boostloop.server.effectiveness import service
    from tests.server.effectiveness.test_service import _world
    from tests.server.effectiveness.test_store import CLOSED

    cols = ("platform", "cost_per_result", "cost_per_result_lower", "cost_per_result_upper", "incremental_roi",
            "incremental_roi_lower", "incremental_roi_upper", "benchmark_roas")
    migrate.upgrade(empty_database_url)
    engine = create_db_engine(empty_database_url)
    try:
        with session_scope(engine) as s:
            ws, _, _ = _world(s)
            service.overview(s, ws.id, now=CLOSED)  # stores the result, columns included
        t = BoostEffectivenessResult.__table__
        with engine.connect() as c:
            want = c.execute(sa.select(*(t.c[n] for n in cols))).one()
        assert want.platform == "FACEBOOK" and want.benchmark_roas > 0 and want.incremental_roi is not None
        migrate.downgrade(empty_database_url, "0007_reads")
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT count(*) FROM boost_effectiveness_results")).scalar() == 1
        migrate.upgrade(empty_database_url)
        with engine.connect() as c:
            assert c.execute(sa.select(*(t.c[n] for n in cols))).one() == want
    finally:
        engine.dispose()
