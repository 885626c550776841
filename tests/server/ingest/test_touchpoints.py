"""Touchpoint logs: classification rules, boost links, the event dicts handed to attribution."""

from __future__ import annotations

import importlib.util
import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from boostloop.enums import AttributionEventType, BoostSource, Platform, TouchpointType
from boostloop.errors import InvalidInput
from boostloop.server.db.models import AdCampaign, BoostCampaign, SocialPost, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.ingest.importers import import_file
from boostloop.server.ingest.importers.rows import FileImport
from boostloop.server.ingest.importers.touchpoints import classify, parse_events, platform_of

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


@pytest.mark.parametrize(
    "medium,click_ids,linked,expected",
    [
        ("cpc", set(), False, TouchpointType.PAID),
        ("CPM", set(), False, TouchpointType.PAID),
        ("paid_social", set(), False, TouchpointType.PAID),
        ("ppc", set(), False, TouchpointType.PAID),
        ("retargeting", set(), False, TouchpointType.PAID),
        ("social", {"fbclid"}, False, TouchpointType.ORGANIC),  # rule 2 before rule 3
        ("organic", set(), True, TouchpointType.ORGANIC),
        ("", {"gclid"}, False, TouchpointType.PAID),
        (None, {"li_fat_id"}, False, TouchpointType.PAID),
        ("", {"fbclid"}, False, TouchpointType.PAID),
        ("", set(), True, TouchpointType.PAID),
        ("email", set(), False, TouchpointType.UNKNOWN),
        ("", set(), False, TouchpointType.UNKNOWN),
    ],
)
def test_classification_rules(medium, click_ids, linked, expected):
    assert classify(medium, click_ids, linked)[0] is expected


def test_platform_from_source_or_click_id():
    assert platform_of("ig", set()) is Platform.INSTAGRAM
    assert platform_of("", {"ttclid"}) is Platform.TIKTOK
    assert platform_of("newsletter", set()) is Platform.OTHER


def _setup(engine):
    """The ad-level and campaign-level Meta samples, and one boost on campaign ...101."""
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "acme")).one()
        import_file(s, ws, "meta-ads-csv", SAMPLES / "meta_ads_campaigns_daily.csv")
        import_file(s, ws, "meta-ads-csv", SAMPLES / "meta_ads_ads_daily.csv")
        import_file(
            s,
            ws,
            "generic",
            SAMPLES / "generic_organic_history.csv",
            mapping=SAMPLES / "generic_organic_history.toml",
        )
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "acme")).one()
        camp = s.scalars(
            sa.select(AdCampaign).where(AdCampaign.platform_campaign_id == "120210000000000101")
        ).one()
        reel = s.scalars(
            sa.select(AdCampaign).where(AdCampaign.platform_campaign_id == "120210000000000103")
        ).one()
        post = s.scalars(
            sa.select(SocialPost).where(SocialPost.platform_post_id == "104501234567890_880001")
        ).one()
        ids = {}
        for c, p in ((camp, post), (reel, None)):
            b = BoostCampaign(
                id=uuid.uuid4(),
                workspace_id=ws.id,
                original_post_id=p.id if p else None,
                campaign_id=c.id,
                platform=Platform.FACEBOOK,
                boosted_at=c.started_at,
                boosted_by="test",
                source=BoostSource.MANUAL,
                organic_metrics={},
                initial_budget_cents=0,
                duration_days=3,
            )
            s.add(b)
            ids[c.platform_campaign_id] = (b.id, p.id if p else None)
    return ids


def _events(engine, source):
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "acme")).one()
        imp = FileImport(s, ws)
        events = list(parse_events(s, ws, source, imp))
        return events, imp.errors


def test_sample_csv_classified_and_linked(engine, workspaces):
    boosts = _setup(engine)
    events, errors = _events(engine, SAMPLES / "touchpoints.csv")
    assert not errors
    by_id = {e["client_event_id"]: e for _, e in events}
    assert len(by_id) == 8
    assert by_id["ev-0001"]["touchpoint_type"] is TouchpointType.ORGANIC
    paid = by_id["ev-0002"]
    assert paid["touchpoint_type"] is TouchpointType.PAID and paid["platform"] is Platform.FACEBOOK
    assert (paid["boost_id"], paid["post_id"]) == boosts["120210000000000101"]
    assert by_id["ev-0003"]["event_type"] is AttributionEventType.CONVERSION
    assert (
        by_id["ev-0003"]["value_cents"] == 5990
        and by_id["ev-0003"]["touchpoint_type"] is TouchpointType.UNKNOWN
    )
    assert by_id["ev-0004"]["touchpoint_type"] is TouchpointType.PAID  # fbclid alone
    assert by_id["ev-0004"]["metadata"]["click_id_params"] == ["fbclid"]
    assert "IwAR9qRt" not in str(by_id["ev-0004"])  # click id values are not kept
    assert (
        by_id["ev-0006"]["platform"] is Platform.GOOGLE
        and by_id["ev-0006"]["touchpoint_type"] is TouchpointType.PAID
    )
    # utm_content in the landing URL is an ad id of campaign ...103: linked to that campaign's boost
    assert by_id["ev-0007"]["boost_id"] == boosts["120210000000000103"][0]
    assert by_id["ev-0007"]["platform"] is Platform.INSTAGRAM
    assert (
        by_id["ev-0008"]["touchpoint_type"] is TouchpointType.UNKNOWN and by_id["ev-0008"]["boost_id"] is None
    )
    assert by_id["ev-0001"]["occurred_at"] == datetime(2026, 10, 5, 9, 12, 44, tzinfo=UTC)
    assert by_id["ev-0001"]["user_id"] == "u-7f3a"


def test_sample_ndjson(engine, workspaces):
    _setup(engine)
    events, errors = _events(engine, SAMPLES / "touchpoints.ndjson")
    assert not errors
    by_id = {e["client_event_id"]: e for _, e in events}
    assert by_id["ev-1001"]["touchpoint_type"] is TouchpointType.PAID  # utm_medium=cpc in the URL
    assert by_id["ev-1003"]["occurred_at"] == datetime(2026, 10, 26, 11, 30, tzinfo=UTC)
    assert by_id["ev-1003"]["touchpoint_type"] is TouchpointType.ORGANIC
    assert by_id["ev-1004"]["platform"] is Platform.TIKTOK


def test_bad_rows_named(engine, workspaces):
    data = (
        b"event_id,occurred_at,event_type,user_id,value,currency\n"
        b"e1,2026-10-05T09:00:00Z,visit,u1,,\n"
        b"e2,yesterday,visit,u1,,\n"
        b"e3,2026-10-05T09:00:00Z,teleport,u1,,\n"
        b"e4,2026-10-05T09:00:00Z,purchase,u1,12.00,EUR\n"
        b"e1,2026-10-05T09:00:00Z,visit,u1,,\n"
        b"e6,2026-10-05T09:00:00Z,visit,,,\n"
    )
    _, errors = _events(engine, io.BytesIO(data))
    locs = [tuple(e.loc) for e in errors.errors]
    assert locs == [
        ("line 3", "occurred_at"),
        ("line 4", "event_type"),
        ("line 5", "currency"),
        ("line 7", "user_id"),
        ("line 6",),
    ]


def _has_attribution() -> bool:
    try:
        return importlib.util.find_spec("boostloop.server.attribution.service") is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.skipif(
    not _has_attribution(), reason="needs the attribution service (feat/attribution); enable at merge"
)
def test_touchpoint_import_end_to_end(engine, workspaces):
    _setup(engine)
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "acme")).one()
        r = import_file(s, ws, "touchpoints", SAMPLES / "touchpoints.csv")
    assert r.events.created == 8
    with engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from boost_attribution_events")).scalar_one()
        hashes = conn.execute(sa.text("select user_id_hash from boost_attribution_events")).scalars().all()
    assert n == 8 and "u-7f3a" not in hashes
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "acme")).one()
        again = import_file(s, ws, "touchpoints", SAMPLES / "touchpoints.csv")
    assert again.events.created == 0
    with pytest.raises(InvalidInput), session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "acme")).one()
        import_file(
            s, ws, "touchpoints", io.BytesIO(b"event_id,occurred_at,event_type,user_id\nx,bad,visit,u\n")
        )


def test_an_event_links_to_the_boost_running_at_its_time(engine, workspaces):
    """Two boosts on one campaign: an event goes to the one that started last before it."""
    _setup(engine)
    with session_scope(engine) as s:
        ws = s.scalars(sa.select(Workspace).where(Workspace.slug == "acme")).one()
        camp = s.scalars(
            sa.select(AdCampaign).where(AdCampaign.platform_campaign_id == "120210000000000101")
        ).one()
        later = BoostCampaign(
            id=uuid.uuid4(),
            workspace_id=ws.id,
            campaign_id=camp.id,
            platform=Platform.FACEBOOK,
            boosted_at=datetime(2026, 10, 6, 12, tzinfo=UTC),
            boosted_by="test",
            source=BoostSource.MANUAL,
            organic_metrics={},
            initial_budget_cents=0,
            duration_days=1,
        )
        s.add(later)
        later_id = later.id
    data = (
        b"event_id,occurred_at,event_type,user_id,utm_campaign\n"
        b"a,2026-10-06T11:00:00Z,visit,u1,120210000000000101\n"
        b"b,2026-10-06T13:00:00Z,visit,u1,120210000000000101\n"
    )
    events, errors = _events(engine, io.BytesIO(data))
    assert not errors
    by_id = {e["client_event_id"]: e for _, e in events}
    assert by_id["a"]["boost_id"] != later_id and by_id["a"]["boost_id"] is not None
    assert by_id["b"]["boost_id"] == later_id


def test_wrong_header_is_refused_before_any_row(engine, workspaces):
    with pytest.raises(InvalidInput) as exc:
        _events(engine, io.BytesIO(b"id,when,what\n1,2026-10-05T09:00:00Z,visit\n"))
    msgs = [e.msg for e in exc.value.errors]
    assert len(msgs) == 4 and all(tuple(e.loc) == ("line 1",) for e in exc.value.errors)
    assert "'event_id'" in msgs[0] and "'occurred_at' or 'timestamp'" in msgs[1]
