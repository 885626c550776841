"""reads_miss: the comparison's ranking inputs as columns of boost_effectiveness_results, and
boost_attribution_splits (each boost's attribution split, stored for the boost detail)

- ``boost_effectiveness_results``: platform, cost per incremental result and incremental ROI (estimate,
  lower, upper) and the benchmark ROAS, so that the comparison ranks without parsing every stored
  ``result`` (2.3-2.7 s at 1,000 boosts, benchmarks/RESULTS.md "Effectiveness wiring"). Back-filled here
  from each row's ``result`` JSON (the values the comparison read from it before).
- ``boost_attribution_splits``: empty after the migration; the next snapshots job fills it (and until
  then a boost detail computes its split and stores it, ``boosts.split_store``).

Revision ID: 0008_reads_miss
Revises: 0007_reads
Create Date: 2026-11-24
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import boostloop.server.db.types

revision = "0008_reads_miss"
down_revision = "0007_reads"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = boostloop.server.db.types.UTCDateTime(timezone=True)
_TABLE = "boost_effectiveness_results"
_FLOATS = ("cost_per_result", "cost_per_result_lower", "cost_per_result_upper", "incremental_roi",
           "incremental_roi_lower", "incremental_roi_upper")
_BATCH = 500


def _ranking_inputs(result: dict) -> dict:
    """The new columns of one row from its stored ``BoostEffectivenessOut`` JSON."""
    cpr, roi = result["cost_per_incremental_result_cents"], result["incremental_roi"]
    return {"platform": result["platform"], "benchmark_roas": float(result["benchmark"]["roas"]),
            "cost_per_result": cpr["estimate"], "cost_per_result_lower": cpr["lower"],
            "cost_per_result_upper": cpr["upper"], "incremental_roi": roi["estimate"],
            "incremental_roi_lower": roi["lower"], "incremental_roi_upper": roi["upper"]}


def upgrade() -> None:
    op.add_column(_TABLE, sa.Column("platform", sa.String(length=16), nullable=True))
    for name in _FLOATS:
        op.add_column(_TABLE, sa.Column(name, sa.Float(), nullable=True))
    op.add_column(_TABLE, sa.Column("benchmark_roas", sa.Float(), nullable=True))

    bind = op.get_bind()
    t = sa.table(_TABLE, sa.column("id", sa.Uuid()), sa.column("result", _JSON), sa.column("platform", sa.String()),
                 sa.column("benchmark_roas", sa.Float()), *(sa.column(n, sa.Float()) for n in _FLOATS))
    ids = [r[0] for r in bind.execute(sa.select(t.c.id))]
    stmt = (sa.update(t).where(t.c.id == sa.bindparam("row_id"))
            .values({c: sa.bindparam(c) for c in ("platform", "benchmark_roas", *_FLOATS)}))
    for i in range(0, len(ids), _BATCH):
        part = ids[i:i + _BATCH]
        rows = []
        for row_id, result in bind.execute(sa.select(t.c.id, t.c.result).where(t.c.id.in_(part))):
            if isinstance(result, str):  # SQLite without JSON decoding on this connection
                result = json.loads(result)
            rows.append({"row_id": row_id, **_ranking_inputs(result)})
        if rows:
            bind.execute(stmt, rows)
    with op.batch_alter_table(_TABLE) as batch:
        batch.alter_column("platform", existing_type=sa.String(length=16), nullable=False)
        batch.alter_column("benchmark_roas", existing_type=sa.Float(), nullable=False)

    op.create_table(
        "boost_attribution_splits",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("boost_campaign_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", _TS, nullable=False),
        sa.Column("inputs_mark", sa.String(length=300), nullable=False),
        sa.Column("split", _JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["boost_campaign_id"], ["boost_campaigns.id"],
            name=op.f("fk_boost_attribution_splits_boost_campaign_id"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_boost_attribution_splits_workspace_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boost_attribution_splits")),
        sa.UniqueConstraint("boost_campaign_id", name=op.f("uq_boost_attribution_splits_boost_campaign_id")),
    )
    op.create_index(op.f("ix_boost_attribution_splits_workspace_id"), "boost_attribution_splits", ["workspace_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_boost_attribution_splits_workspace_id"), table_name="boost_attribution_splits")
    op.drop_table("boost_attribution_splits")
    with op.batch_alter_table(_TABLE) as batch:
        for name in ("platform", *_FLOATS, "benchmark_roas"):
            batch.drop_column(name)
