"""Loading a simulated workspace: every row lands, person ids only as keyed hashes, all or nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from boostloop.server.attribution.hashing import person_hash
from boostloop.server.db.models import (
    AdCampaignMetric,
    BoostAttributionEvent,
    BoostCampaign,
    OrganicPostMetric,
    SocialPost,
    Workspace,
)
from boostloop.server.db.session import session_scope
from boostloop.simulate import generate, load_world
from boostloop.simulate.load import load_into_database


@pytest.fixture(scope="module")
def small():  # noqa: ANN201
    return generate(load_world(), seed=3, scale=0.1)


def _count(session, model) -> int:  # noqa: ANN001
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_every_row_is_loaded_and_ids_are_hashed(engine, small) -> None:  # noqa: ANN001
    ws_id = load_into_database(small, engine)
    with session_scope(engine) as s:
        assert _count(s, SocialPost) == len(small.posts)
        assert _count(s, BoostCampaign) == len(small.boosts)
        assert _count(s, OrganicPostMetric) == len(small.organic_metrics)
        assert _count(s, AdCampaignMetric) == len(small.campaign_metrics)
        assert _count(s, BoostAttributionEvent) == small.events.num_rows
        key = s.get(Workspace, ws_id).hash_key
        first_user = next(u for u in small.events["user_id"].to_pylist() if u)
        expected = person_hash(key, first_user)
        assert s.scalar(sa.select(sa.func.count()).where(BoostAttributionEvent.user_id_hash == expected)) >= 1
        lengths = s.execute(sa.select(sa.func.min(sa.func.length(BoostAttributionEvent.user_id_hash)),
                                      sa.func.max(sa.func.length(BoostAttributionEvent.session_id_hash)))).one()
        assert tuple(lengths) == (64, 64)  # hex digests only, never a clear-text id
        conv_value = s.scalar(sa.select(sa.func.sum(BoostAttributionEvent.event_value_cents)))
        assert conv_value == sum(v for v in small.events["event_value_cents"].to_pylist() if v)


def test_a_failed_load_writes_nothing(engine, small) -> None:  # noqa: ANN001
    load_into_database(small, engine)
    with pytest.raises(sa.exc.IntegrityError):
        load_into_database(small, engine, slug="second")  # same simulator ids: the posts collide
    with session_scope(engine) as s:
        assert _count(s, Workspace) == 1
        assert _count(s, SocialPost) == len(small.posts)
