"""A migrated database (SQLite, and PostgreSQL when configured) with two workspaces."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    BoostCampaign,
    OrganicPostMetric,
    SocialAccount,
    SocialPost,
)
from boostloop.server.db.session import session_scope
from boostloop.server.workspaces.service import create_workspace

COUNTED = (SocialAccount, SocialPost, OrganicPostMetric, AdCampaign, AdCampaignMetric, BoostCampaign)


@pytest.fixture
def workspaces(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as s:
        create_workspace(s, name="Acme", slug="acme", currency="USD", timezone="America/New_York")
        create_workspace(s, name="Other", slug="other", currency="EUR", timezone="Europe/Paris")
    return {"acme": "acme", "other": "other"}


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            m.__tablename__: conn.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
            for m in COUNTED
        }


def table_snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the ingest tables, ordered, for 'nothing changed' checks (timestamps included)."""
    out = {}
    with engine.connect() as conn:
        for m in COUNTED:
            t = m.__table__
            out[t.name] = [tuple(r) for r in conn.execute(sa.select(t).order_by(t.c.id))]
    return out
