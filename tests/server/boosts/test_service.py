"""Boost tracking on SQLite and PostgreSQL: creation, tenancy, status changes, campaign links, listing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boostloop.enums import BoostSource, BoostStatus, Platform, Role
from boostloop.errors import Conflict, InvalidInput, NotFound
from boostloop.server.boosts import service
from boostloop.server.db.models import RECOMMENDER, BoostPerformanceSnapshot, User
from boostloop.server.db.session import session_scope
from boostloop.server.workspaces.service import add_member

from . import factories as f
from .factories import T0

H = timedelta(hours=1)


def _boost(s, ws, post, **kw):  # noqa: ANN001, ANN202
    args = dict(post_id=post.id, boosted_at=T0, boosted_by="alice", reason="top post this week", strategy="HIGH_ENGAGEMENT",
                targeting={"age_min": 25}, budget_cents=5000, duration_days=7)
    return service.create_boost(s, ws.id, **(args | kw))


def test_creation_captures_the_posts_own_metrics_not_the_accounts(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = f.workspace(s)
        acc = f.account(s, ws)
        post, sibling = f.post(s, acc), f.post(s, acc)
        f.organic(s, post, T0 - 5 * H, 400, 300, 20)
        f.organic(s, post, T0 - H, 1000, 800, 50, likes=30, comments=5, shares=2)  # latest at or before T0
        f.organic(s, post, T0 + H, 5000, 4000, 90)  # after the boost: not the pre-boost snapshot
        f.organic(s, sibling, T0 - H, 99_999, 88_888, 7777)  # the account's other post: never mixed in
        c = f.campaign(s, ws)
        b = _boost(s, ws, post, campaign_id=c.id)
        assert b.organic_metrics | {} == {
            "impressions": 1000, "engagements": 50, "reach": 800, "likes": 30, "comments": 5, "shares": 2,
            "clicks": 0, "video_views": 0, "total_reach": None, "captured_at": (T0 - H).isoformat(),
            "estimated": False, "estimate_method": None,
        }
        assert (b.status, b.platform, b.campaign_id, b.boosted_by, b.boost_strategy) == (
            BoostStatus.ACTIVE, Platform.FACEBOOK, c.id, "alice", "HIGH_ENGAGEMENT")
        boost_id, ws_id = b.id, ws.id
    with session_scope(engine) as s:  # and it round-trips
        got = service.get_boost(s, ws_id, boost_id)
        assert got.organic_metrics["impressions"] == 1000 and got.targeting_criteria == {"age_min": 25}


def test_missing_history_is_estimated_and_flagged(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = f.workspace(s)
        acc = f.account(s, ws)
        # published 10 h before the boost, first observed 40 h after publication: 1000 * 10/40 = 250
        post = f.post(s, acc, published_at=T0 - 10 * H)
        f.organic(s, post, T0 + 30 * H, 1000, 800, 40)
        b = _boost(s, ws, post)
        assert (b.organic_metrics["impressions"], b.organic_metrics["reach"], b.organic_metrics["engagements"]) == (250, 200, 10)
        assert b.organic_metrics["estimated"] is True
        assert b.organic_metrics["estimate_method"] == "chord_from_publication"
        bare = f.post(s, acc)
        b2 = _boost(s, ws, bare)
        assert b2.organic_metrics["impressions"] == 0
        assert (b2.organic_metrics["estimated"], b2.organic_metrics["estimate_method"]) == (True, "no_history")


def test_who_boosted_it_recommender_and_member(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = f.workspace(s)
        post = f.post(s, f.account(s, ws))
        b = _boost(s, ws, post, boosted_by=RECOMMENDER, source=BoostSource.RECOMMENDATION, reason="predicted ROI 1.8")
        assert (b.boosted_by, b.source, b.boost_reason) == ("AI_AGENT", BoostSource.RECOMMENDATION, "predicted ROI 1.8")
        user = User(email="a@example.com", name="A")
        outsider = User(email="o@example.com", name="O")
        s.add_all([user, outsider])
        s.flush()
        add_member(s, ws, user, Role.MEMBER)
        b2 = _boost(s, ws, f.post(s, f.account(s, ws)), boosted_by=str(user.id), boosted_by_user_id=user.id)
        assert b2.boosted_by_user_id == user.id
        with pytest.raises(InvalidInput) as err:
            _boost(s, ws, post, boosted_by_user_id=outsider.id)
        assert [e.loc for e in err.value.errors] == [("boosted_by_user_id",)]


def test_invalid_input_lists_every_bad_field(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = f.workspace(s)
        post = f.post(s, f.account(s, ws), published_at=T0)
        ig = f.campaign(s, ws, Platform.INSTAGRAM)
        with pytest.raises(InvalidInput) as err:
            _boost(s, ws, post, boosted_at=T0 - H, boosted_by=" ", budget_cents=-1, duration_days=0, cadence_hours=0,
                   campaign_id=ig.id)
        locs = {e.loc[0] for e in err.value.errors}
        assert locs == {"boosted_at", "boosted_by", "budget_cents", "duration_days", "cadence_hours", "campaign_id"}
        with pytest.raises(InvalidInput, match="boosted_at"):
            _boost(s, ws, post, boosted_at=T0.replace(tzinfo=None))


def test_another_workspaces_resources_are_not_found(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws, other = f.workspace(s, "acme"), f.workspace(s, "rival")
        theirs_post = f.post(s, f.account(s, other))
        theirs_campaign = f.campaign(s, other)
        mine = _boost(s, ws, f.post(s, f.account(s, ws)))
        with pytest.raises(NotFound):
            _boost(s, ws, theirs_post)
        with pytest.raises(NotFound):
            _boost(s, ws, f.post(s, f.account(s, ws)), campaign_id=theirs_campaign.id)
        with pytest.raises(NotFound):
            service.get_boost(s, other.id, mine.id)
        with pytest.raises(NotFound):
            service.change_status(s, other.id, mine.id, BoostStatus.PAUSED)
        with pytest.raises(NotFound):
            service.link_campaign(s, ws.id, mine.id, theirs_campaign.id)
        with pytest.raises(NotFound):
            service.list_snapshots(s, other.id, mine.id)
        assert service.list_boosts(s, other.id).items == []


def test_status_transitions(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = f.workspace(s)
        b = _boost(s, ws, f.post(s, f.account(s, ws)))
        assert service.change_status(s, ws.id, b.id, BoostStatus.PAUSED).status == BoostStatus.PAUSED
        assert service.change_status(s, ws.id, b.id, BoostStatus.PAUSED).status == BoostStatus.PAUSED  # no-op
        assert service.change_status(s, ws.id, b.id, BoostStatus.ACTIVE).status == BoostStatus.ACTIVE
        with pytest.raises(InvalidInput, match="at"):
            service.change_status(s, ws.id, b.id, BoostStatus.CANCELLED, at=T0 - H)
        done = service.change_status(s, ws.id, b.id, BoostStatus.CANCELLED, at=T0 + H)
        assert (done.status, done.ended_at) == (BoostStatus.CANCELLED, T0 + H)
        for target in (BoostStatus.ACTIVE, BoostStatus.PAUSED, BoostStatus.COMPLETED):
            with pytest.raises(Conflict, match="CANCELLED"):
                service.change_status(s, ws.id, b.id, target)
        with pytest.raises(InvalidInput):
            service.change_status(s, ws.id, b.id, "FINISHED")  # type: ignore[arg-type]
        b2 = _boost(s, ws, f.post(s, f.account(s, ws)))
        service.change_status(s, ws.id, b2.id, BoostStatus.COMPLETED, at=T0 + 24 * H)
        future = _boost(s, ws, f.post(s, f.account(s, ws)), boosted_at=T0 + 3650 * 24 * H)
        assert service.change_status(s, ws.id, future.id, BoostStatus.CANCELLED).ended_at == future.boosted_at
        with pytest.raises(Conflict):
            service.change_status(s, ws.id, b2.id, BoostStatus.ACTIVE)


def test_link_campaign_later(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = f.workspace(s)
        acc = f.account(s, ws)
        b = _boost(s, ws, f.post(s, acc))
        assert b.campaign_id is None
        with pytest.raises(InvalidInput, match="campaign_id"):
            service.link_campaign(s, ws.id, b.id, f.campaign(s, ws, Platform.TIKTOK).id)
        c = f.campaign(s, ws)
        assert service.link_campaign(s, ws.id, b.id, c.id).campaign_id == c.id
        assert service.link_campaign(s, ws.id, b.id, c.id).campaign_id == c.id  # same again: no-op
        with pytest.raises(Conflict, match="already linked"):
            service.link_campaign(s, ws.id, b.id, f.campaign(s, ws).id)
        # the campaign already backs a running boost: its spend would count twice
        b2 = _boost(s, ws, f.post(s, acc))
        with pytest.raises(Conflict, match="already backs"):
            service.link_campaign(s, ws.id, b2.id, c.id)
        with pytest.raises(Conflict, match="already backs"):
            _boost(s, ws, f.post(s, acc), campaign_id=c.id)


def _snap(s, ws, boost, at, **kw) -> None:  # noqa: ANN001
    s.add(BoostPerformanceSnapshot(workspace_id=ws.id, boost_campaign_id=boost.id, snapshot_at=at, days_since_boosted=0, **kw))
    s.flush()


@pytest.fixture
def listing(engine):  # noqa: ANN001, ANN201
    """Six boosts with hand-set latest snapshots (and an older snapshot that must be ignored)."""

    with session_scope(engine) as s:
        ws = f.workspace(s)
        fb, ig = f.account(s, ws), f.account(s, ws, Platform.INSTAGRAM)
        spec = [  # platform account, hours after T0, strategy, cost per result, roi, (incremental, organic reach)
            (fb, 0, "A", 500.0, 0.5, (300, 1000)),
            (fb, 1, "B", 200.0, -0.2, (100, 1000)),
            (ig, 2, "A", None, None, (50, 0)),
            (fb, 3, "B", 200.0, 1.5, (900, 1000)),
            (ig, 4, "A", 800.0, 0.1, (0, 1000)),
            (fb, 5, "A", None, None, None),  # no snapshot at all
        ]
        ids = []
        for acc, hours, strategy, cpr, roi, reach in spec:
            b = _boost(s, ws, f.post(s, acc), boosted_at=T0 + hours * H, strategy=strategy)
            if reach is not None:
                _snap(s, ws, b, b.boosted_at + H, cost_per_result=1.0, total_roi=99.0, incremental_reach=1, organic_reach=1)
                _snap(s, ws, b, b.boosted_at + 2 * H, cost_per_result=cpr, total_roi=roi, incremental_reach=reach[0],
                      organic_reach=reach[1])
            ids.append(b.id)
        service.change_status(s, ws.id, ids[1], BoostStatus.PAUSED)
        ws_id = ws.id
    return ws_id, ids


def _all_pages(s, ws_id, **kw):  # noqa: ANN001, ANN202
    out, cursor = [], None
    while True:
        page = service.list_boosts(s, ws_id, cursor=cursor, **kw)
        out.extend(e.boost.id for e in page.items)
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


def test_list_sorts_from_the_latest_snapshot_nulls_last(engine, listing) -> None:  # noqa: ANN001
    ws_id, b = listing
    with session_scope(engine) as s:
        # cost per result ascending; tie (200.0) broken by id; no value last
        tied = sorted([b[1], b[3]])
        assert _all_pages(s, ws_id, sort="cost_per_result", limit=2)[:4] == [*tied, b[0], b[4]]
        assert set(_all_pages(s, ws_id, sort="cost_per_result", limit=2)[4:]) == {b[2], b[5]}
        assert _all_pages(s, ws_id, sort="roi", limit=1)[:4] == [b[3], b[0], b[4], b[1]]
        assert _all_pages(s, ws_id, sort="roi", descending=False, limit=3)[:4] == [b[1], b[4], b[0], b[3]]
        # reach lift = incremental / organic reach: 0.9, 0.3, 0.1, 0.0; no organic reach -> null, last
        assert _all_pages(s, ws_id, sort="lift", limit=4)[:4] == [b[3], b[0], b[1], b[4]]
        assert _all_pages(s, ws_id, limit=4) == list(reversed(b))  # newest first
        page = service.list_boosts(s, ws_id, sort="roi", limit=1)
        assert page.items[0].latest_snapshot.total_roi == 1.5
        # by boostedAt (the page found among the boosts first) each row carries the same latest snapshot
        newest = {e.boost.id: e.latest_snapshot for e in service.list_boosts(s, ws_id, sort="roi", limit=50).items}
        by_time = service.list_boosts(s, ws_id, limit=3).items
        assert [e.boost.id for e in by_time] == list(reversed(b))[:3]
        assert [e.latest_snapshot for e in by_time] == [newest[e.boost.id] for e in by_time]
        assert any(e.latest_snapshot is not None for e in by_time)


def test_list_filters(engine, listing) -> None:  # noqa: ANN001
    ws_id, b = listing
    with session_scope(engine) as s:
        assert set(_all_pages(s, ws_id, platforms=["INSTAGRAM"])) == {b[2], b[4]}
        assert set(_all_pages(s, ws_id, strategies=["B"])) == {b[1], b[3]}
        assert set(_all_pages(s, ws_id, statuses=[BoostStatus.PAUSED])) == {b[1]}
        assert set(_all_pages(s, ws_id, statuses=["ACTIVE"], platforms=["FACEBOOK"])) == {b[0], b[3], b[5]}
        assert set(_all_pages(s, ws_id, boosted_from=T0 + H, boosted_to=T0 + 3 * H)) == {b[1], b[2]}


def test_list_refuses_bad_arguments(engine, listing) -> None:  # noqa: ANN001
    ws_id, _ = listing
    with session_scope(engine) as s:
        with pytest.raises(InvalidInput) as err:
            service.list_boosts(s, ws_id, sort="price", limit=0, platforms=["MYSPACE"])
        assert {e.loc[0] for e in err.value.errors} == {"sort", "limit", "platform"}
        cursor = service.list_boosts(s, ws_id, sort="roi", limit=1).next_cursor
        with pytest.raises(InvalidInput, match="cursor"):
            service.list_boosts(s, ws_id, sort="lift", cursor=cursor)
        with pytest.raises(InvalidInput, match="cursor"):
            service.list_boosts(s, ws_id, cursor="garbage!")


def test_schemas_read_the_orm_rows(engine) -> None:  # noqa: ANN001
    from boostloop.server.boosts.schemas import BoostCreate, BoostListItem, BoostOut, SnapshotOut

    with session_scope(engine) as s:
        ws = f.workspace(s)
        post = f.post(s, f.account(s, ws))
        body = BoostCreate(post_id=post.id, boosted_at=T0, boosted_by="alice", strategy="S", budget_cents=100, duration_days=3)
        b = service.create_boost(s, ws.id, **body.model_dump(exclude={"targeting"}), targeting=body.targeting)
        _snap(s, ws, b, T0 + H, cost_per_result=None, total_roi=None)
        entry = service.list_boosts(s, ws.id).items[0]
        item = BoostListItem(boost=BoostOut.model_validate(entry.boost),
                             latest_snapshot=SnapshotOut.model_validate(entry.latest_snapshot))
    dumped = item.model_dump(mode="json")
    assert dumped["boost"]["status"] == "ACTIVE" and dumped["boost"]["snapshot_cadence_hours"] == 1
    assert dumped["latest_snapshot"]["cost_per_result"] is None and dumped["latest_snapshot"]["paid_ctr"] == 0.0
