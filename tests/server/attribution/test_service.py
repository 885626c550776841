"""Ingest, opt-out, boost split and the workspace report, on SQLite and PostgreSQL (``engine`` fixture)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from boostloop.enums import ContentType, Platform
from boostloop.errors import InvalidInput, NotFound
from boostloop.server.attribution import service
from boostloop.server.attribution.hashing import person_hash
from boostloop.server.db.models import BoostAttributionEvent, BoostCampaign, SocialAccount, SocialPost, Workspace
from boostloop.server.db.session import session_scope
from boostloop.server.workspaces.service import create_workspace

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _boost(session, ws: Workspace, n: int = 1) -> BoostCampaign:  # noqa: ANN001
    account = SocialAccount(workspace_id=ws.id, platform=Platform.FACEBOOK, platform_account_id=f"a{n}", handle="h")
    session.add(account)
    session.flush()
    post = SocialPost(
        workspace_id=ws.id, account_id=account.id, platform=Platform.FACEBOOK, platform_post_id=f"p{n}",
        content_type=ContentType.VIDEO, published_at=T0 - timedelta(days=1),
    )
    session.add(post)
    session.flush()
    boost = BoostCampaign(
        workspace_id=ws.id, original_post_id=post.id, platform=Platform.FACEBOOK, boosted_at=T0,
        boosted_by="tester", organic_metrics={}, initial_budget_cents=5000, duration_days=7,
    )
    session.add(boost)
    session.flush()
    return boost


def ev(cid: str, etype: str, tp: str, hours: float, *, user: str | None = "u1", boost=None, value=None, **kw):  # noqa: ANN001, ANN201
    out = {
        "client_event_id": cid, "event_type": etype, "touchpoint_type": tp, "platform": "FACEBOOK",
        "occurred_at": (T0 + timedelta(hours=hours)).isoformat(), "user_id": user,
        "boost_id": None if boost is None else str(boost),
    }
    if value is not None:
        out["value_cents"] = value
    return out | kw


def _count(session, ws_id) -> int:  # noqa: ANN001
    return session.scalar(
        sa.select(sa.func.count()).select_from(BoostAttributionEvent).where(BoostAttributionEvent.workspace_id == ws_id)
    )


def test_ingest_hashes_people_and_is_idempotent(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        b = _boost(s, ws)
        batch = [
            ev("e1", "VIEW", "ORGANIC", 0, boost=b.id, metadata={"utm": "x"}),
            ev("e2", "CLICK", "PAID", 1, boost=b.id, session_id="s9"),
            ev("e3", "CONVERSION", "UNKNOWN", 2, value=1999),
            ev("e3", "CONVERSION", "UNKNOWN", 2, value=1999),  # identical repeat in the batch: a duplicate
        ]
        got = service.ingest_events(s, ws, batch)
        assert (got.received, got.inserted, got.duplicates, got.opted_out) == (4, 3, 1, 0)
        ws_id, key = ws.id, ws.hash_key
    with session_scope(engine) as s:
        ws = s.get(Workspace, ws_id)
        again = service.ingest_events(s, ws, batch[:3] + [ev("e4", "VIEW", "PAID", 3)])
        assert (again.inserted, again.duplicates) == (1, 3)
    with session_scope(engine) as s:
        rows = {r.client_event_id: r for r in s.scalars(sa.select(BoostAttributionEvent))}
        assert set(rows) == {"e1", "e2", "e3", "e4"}
        assert rows["e1"].user_id_hash == person_hash(key, "u1") != "u1"
        assert len(rows["e1"].user_id_hash) == 64
        assert rows["e2"].session_id_hash == person_hash(key, "s9")
        assert rows["e3"].event_value_cents == 1999
        assert rows["e1"].event_metadata == {"utm": "x"}
        assert rows["e1"].occurred_at == T0
        # no clear-text identifier anywhere in the stored rows
        assert all("u1" not in (r.user_id_hash or "") for r in rows.values())


def test_a_bad_batch_stores_nothing_and_names_every_bad_field(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        other = create_workspace(s, name="Other", slug="other")
        foreign_boost = _boost(s, other).id
        ws_id = ws.id
    with pytest.raises(InvalidInput) as info, session_scope(engine) as s:
        ws = s.get(Workspace, ws_id)
        service.ingest_events(s, ws, [
            ev("ok1", "VIEW", "ORGANIC", 0),
            ev("bad1", "LOOK", "ORGANIC", 0),  # unknown event type
            ev("bad2", "VIEW", "ORGANIC", 0, user=None),  # no person
            ev("bad3", "VIEW", "PAID", 0, value=5),  # value on a non-conversion
            ev("bad4", "VIEW", "PAID", 0, boost=foreign_boost),  # another workspace's boost
            {**ev("bad5", "VIEW", "PAID", 0), "occurred_at": "2026-03-02T09:00:00"},  # naive time
            ev("ok1", "CLICK", "ORGANIC", 0),  # same id, different content
        ])
    locs = {tuple(e.loc) for e in info.value.errors}
    assert ("events", 1, "event_type") in locs
    assert ("events", 4, "boost_id") in locs
    assert ("events", 5, "occurred_at") in locs
    assert ("events", 6, "client_event_id") in locs
    assert any(loc[:2] == ("events", 2) for loc in locs) and any(loc[:2] == ("events", 3) for loc in locs)
    assert not any(loc[:2] == ("events", 0) for loc in locs)
    with session_scope(engine) as s:
        assert _count(s, ws_id) == 0


def test_opt_out_erases_and_then_drops_a_person(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        service.ingest_events(s, ws, [ev("a", "VIEW", "ORGANIC", 0, user="alice"), ev("b", "VIEW", "ORGANIC", 0, user="bob")])
        assert service.opt_out(s, ws, "alice") == 1
        got = service.ingest_events(s, ws, [ev("c", "VIEW", "PAID", 1, user="alice"), ev("d", "VIEW", "PAID", 1, user="bob")])
        assert (got.inserted, got.opted_out) == (1, 1)
        assert _count(s, ws.id) == 2
        hashes = set(s.scalars(sa.select(BoostAttributionEvent.user_id_hash)))
        assert hashes == {person_hash(ws.hash_key, "bob")}


def _journeys(b1, b2):  # noqa: ANN001, ANN202
    return [
        # u1: organic view of b1, paid click of b1 -> conversion 500: overlap for b1
        ev("1", "VIEW", "ORGANIC", 0, user="u1", boost=b1), ev("2", "CLICK", "PAID", 5, user="u1", boost=b1),
        ev("3", "CONVERSION", "UNKNOWN", 10, user="u1", value=500),
        # u1 again: paid view of b1 2 days before the next conversion -> outside the 1-day view window;
        # organic click of b2 -> the conversion is b2-organic only
        ev("4", "VIEW", "PAID", 20, user="u1", boost=b1), ev("5", "CLICK", "ORGANIC", 60, user="u1", boost=b2),
        ev("6", "CONVERSION", "UNKNOWN", 68, user="u1", value=700),
        # u2: paid click of b1 -> conversion 300: paid for b1
        ev("7", "CLICK", "PAID", 0, user="u2", boost=b1), ev("8", "CONVERSION", "UNKNOWN", 30, user="u2", value=300),
        # u3: organic view of b1, never converts
        ev("9", "VIEW", "ORGANIC", 3, user="u3", boost=b1),
        # u4: organic click of b1 at 100 h, conversion at 130 h (after the `until` used below)
        ev("10", "CLICK", "ORGANIC", 100, user="u4", boost=b1), ev("11", "CONVERSION", "PAID", 130, user="u4", value=900),
    ]


def test_boost_split_by_exposure(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        b1, b2 = _boost(s, ws, 1).id, _boost(s, ws, 2).id
        service.ingest_events(s, ws, _journeys(b1, b2))
        split = service.boost_split(s, ws, b1)
        assert (split.organic_conversions, split.paid_conversions, split.overlap_conversions) == (1, 1, 1)
        assert (split.organic_value_cents, split.paid_value_cents, split.overlap_value_cents) == (900, 300, 500)
        early = service.boost_split(s, ws, b1, until=T0 + timedelta(hours=120))
        assert (early.organic_conversions, early.paid_conversions, early.overlap_conversions) == (0, 1, 1)
        split2 = service.boost_split(s, ws, b2)
        assert (split2.organic_conversions, split2.organic_value_cents, split2.conversions) == (1, 700, 1)
        batch = service.boost_splits(s, ws, [b1, b2, uuid.uuid4()])
        assert batch == {b1: split, b2: split2}
        with pytest.raises(NotFound):
            service.boost_split(s, ws, uuid.uuid4())
        other = create_workspace(s, name="Other", slug="other")
        with pytest.raises(NotFound):  # another workspace's boost does not exist for this one
            service.boost_split(s, other, b1)


def test_boost_split_corrected_by_reach_figures(engine) -> None:  # noqa: ANN001
    from tests.server.boosts import factories as f

    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        boost = _boost(s, ws, 1)
        b1, b2 = boost.id, _boost(s, ws, 2).id
        c = f.campaign(s, ws)
        boost.campaign_id = c.id
        post = s.get(SocialPost, boost.original_post_id)
        f.organic(s, post, T0 + timedelta(hours=2), 1300, 1000, total_reach=2600)
        f.paid(s, c, T0, impressions=3000, reach=2000)
        s.flush()
        service.ingest_events(s, ws, _journeys(b1, b2))
        got = service.boost_split(s, ws, b1)
    # observed (test_boost_split_by_exposure): organic u4 (900), paid u2 (300), overlap u1 (500).
    # V = 1000 + 2000 - 2600 = 400: s = 0.2, r = 0.4; tracked people: organic u1, u3, u4; paid u1, u2.
    pi_p = 0.2 * (1 - 3 / 1000) / (0.2 * (1 - 3 / 1000) + 0.8)
    pi_o = 0.4 * (1 - 2 / 2000) / (0.4 * (1 - 2 / 2000) + 0.6)
    assert (got.observed_organic_conversions, got.observed_paid_conversions, got.observed_overlap_conversions) == (1, 1, 1)
    assert got.paid_conversions == pytest.approx(1 - pi_p)
    assert got.organic_conversions == pytest.approx(1 - pi_o)
    assert got.overlap_conversions == pytest.approx(1 + pi_p + pi_o)
    assert got.paid_value_cents == pytest.approx(300 * (1 - pi_p))
    assert got.overlap_value_cents == pytest.approx(500 + 300 * pi_p + 900 * pi_o)
    assert got.value_cents == 1700 and got.estimated and got.method == "platform_unique_reach"
    assert got.share_paid_also_organic == pytest.approx(0.2) and got.interval_level == 0.9
    # one converter per one-sided class: the realised split is 0 or 1 of each moved
    assert (got.paid_conversions_low, got.paid_conversions_high) == (0, 1)
    assert (got.overlap_conversions_low, got.overlap_conversions_high) == (1, 3)


def test_load_events_copy_matches_rows(engine) -> None:  # noqa: ANN001
    from boostloop.server.attribution import repository

    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        b1, b2 = _boost(s, ws, 1).id, _boost(s, ws, 2).id
        extra = [  # CSV-hostile ids, a session-only person, no boost, a zero value
            ev('x,"1"', "CLICK", "UNKNOWN", 1.000001, user=None, session_id="s,1"),
            ev("x 2", "CONVERSION", "UNKNOWN", 2, user=None, session_id="s,1", value=0),
        ]
        service.ingest_events(s, ws, _journeys(b1, b2) + extra)
        far = timezone(-timedelta(hours=23, minutes=15))  # beyond PostgreSQL's +-15:59 (schemathesis found it)
        for kw in ({}, {"until": T0 + timedelta(hours=40)}, {"since": T0 + timedelta(hours=5)},
                   {"people_touching_boosts": [b2]}, {"since": (T0 + timedelta(hours=5)).astimezone(far)},
                   {"since": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))}):
            fast = repository.load_events(s, ws.id, **kw).sort_by("event_id")
            rows = repository.load_events_rows(s, ws.id, **kw).sort_by("event_id")
            assert fast.schema == rows.schema
            assert fast.to_pylist() == rows.to_pylist(), kw
        full = repository.load_events(s, ws.id).sort_by("event_id").to_pylist()
    assert len(full) == 13
    x1 = next(r for r in full if r["event_id"] == 'x,"1"')
    assert (x1["boost_id"], x1["value_cents"], x1["t_us"]) == (None, None, (T0 - repository.EPOCH) // timedelta(microseconds=1) + 3_600_000_000 + 3_600)
    assert next(r for r in full if r["event_id"] == "x 2")["value_cents"] == 0


def test_workspace_report_every_model_with_intervals(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        b1, b2 = _boost(s, ws, 1).id, _boost(s, ws, 2).id
        service.ingest_events(s, ws, _journeys(b1, b2))
        rep = service.attribution_report(s, ws, n_boot=50, seed=3)
        # journeys: 4 converting (u1 x2, u2, u4) + 1 open (u3)
        assert (rep.conversions, rep.journeys, rep.value_cents, rep.unattributed_conversions) == (4, 5, 2400, 0)
        by = {m.model: {c.channel: c for c in m.channels} for m in rep.models}
        assert set(by) == set(service.MODELS)
        # last touch: u1#1 -> PAID, u1#2 -> ORGANIC, u2 -> PAID, u4 -> ORGANIC
        assert by["last_touch"]["PAID"].conversions == 2 and by["last_touch"]["ORGANIC"].value_cents == 1600
        assert by["first_touch"]["ORGANIC"].conversions == 3 and by["first_touch"]["PAID"].conversions == 1
        for m in rep.models:
            total = sum(c.conversions for c in m.channels)
            assert total == pytest.approx(4), m.model
            for c in m.channels:
                assert 0 <= c.conversions_low <= c.conversions_high <= rep.journeys
        assert [p.path for p in rep.top_paths][0] in (["ORGANIC"], ["PAID"], ["ORGANIC", "PAID"])
        assert sum(p.conversions for p in rep.top_paths) == 4
        by_boost = service.attribution_report(s, ws, models=["linear"], channel="boost", n_boot=0)
        credits = {c.channel: c.conversions for c in by_boost.models[0].channels}
        assert credits == {str(b1): 3.0, str(b2): 1.0}
        paths = service.top_conversion_paths(s, ws, n=1)
        assert len(paths) == 1
        with pytest.raises(InvalidInput):
            service.attribution_report(s, ws, models=["magic"])


def test_settings_choose_the_default_model_and_windows(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        assert (ws.attribution_model, ws.click_window_days, ws.view_window_days) == ("markov", 7, 1)
        with pytest.raises(InvalidInput) as info:
            service.update_settings(s, ws, model="magic", channel="moon", view_window_days=-1)
        assert {e.loc for e in info.value.errors} == {("model",), ("channel",), ("view_window_days",)}
        assert ws.attribution_model == "markov"
        service.update_settings(s, ws, model="shapley", channel="platform", view_window_days=3)
        rep = service.attribution_report(s, ws, n_boot=0)
        assert (rep.default_model, rep.channel_dimension, rep.view_window_days) == ("shapley", "platform", 3)


def test_snapshot_provider_batches_boost_splits(engine) -> None:  # noqa: ANN001
    from boostloop.server.boosts.attribution_provider import AttributedSplit, SplitRequest

    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        b1, b2, b3 = _boost(s, ws, 1).id, _boost(s, ws, 2).id, _boost(s, ws, 3).id
        service.ingest_events(s, ws, _journeys(b1, b2))
        until = T0 + timedelta(days=30)
        got = service.BoostSplitProvider().splits(
            s, ws.id, [SplitRequest(b, T0, until) for b in (b1, b2, b3)]
        )
        assert got == {
            b1: AttributedSplit(organic=1, paid=1, overlap=1, value_cents=1700, unattributed=0),
            b2: AttributedSplit(organic=1, paid=0, overlap=0, value_cents=700, unattributed=0),
        }


def test_keyed_splits_equal_one_call_per_until(engine) -> None:  # noqa: ANN001
    from boostloop.server.boosts.attribution_provider import AttributedSplit, SplitRequest

    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        b1, b2 = _boost(s, ws, 1).id, _boost(s, ws, 2).id
        service.ingest_events(s, ws, _journeys(b1, b2))
        untils = [T0 + timedelta(hours=h) for h in (9, 10, 29, 30, 67, 68, 120, 131)] + [None]
        targets = [(i, b, u) for i, (b, u) in enumerate((b, u) for b in (b1, b2) for u in untils)]
        keyed = service.boost_splits_keyed(s, ws, targets)
        for k, b, u in targets:
            assert keyed[k] == service.boost_splits(s, ws, [b], until=u)[b], (b, u)
        # b1 by hand as time goes on: u1 overlap at 10 h, u2 paid at 30 h, u4 organic at 130 h
        conv = [(keyed[k].observed_organic_conversions, keyed[k].observed_paid_conversions,
                 keyed[k].observed_overlap_conversions) for k, b, _ in targets if b == b1]
        assert conv == [(0, 0, 0), (0, 0, 1), (0, 0, 1), (0, 1, 1), (0, 1, 1), (0, 1, 1), (0, 1, 1), (1, 1, 1),
                        (1, 1, 1)]
        # the provider answers several times of one boost in one call
        got = service.BoostSplitProvider().splits_keyed(
            s, ws.id, [("a", SplitRequest(b1, T0, untils[1])), ("b", SplitRequest(b1, T0, untils[3])),
                       ("c", SplitRequest(b2, T0, untils[0]))]
        )
        assert got == {"a": AttributedSplit(overlap=1, value_cents=500), "b": AttributedSplit(
            paid=1, overlap=1, value_cents=800)}


def test_batches_in_one_transaction_count_opt_outs_and_duplicates_and_get_fresh_ids(engine) -> None:  # noqa: ANN001
    """Two batches in one unit of work (the staging table is reused), each mixing an opted-out person, an id
    stored before, an identical repeat and metadata; and the bulk insert keeps an id given by the caller."""
    from boostloop.server.attribution import repository

    with session_scope(engine) as s:
        ws = create_workspace(s, name="Acme", slug="acme")
        service.ingest_events(s, ws, [ev("old", "VIEW", "ORGANIC", 0, user="bob")])
        service.opt_out(s, ws, "carol")
        first = service.ingest_events(s, ws, [
            ev("old", "VIEW", "ORGANIC", 0, user="bob"),  # stored before: duplicate
            ev("c1", "CLICK", "PAID", 1, user="carol"),  # opted out
            ev("b1", "CLICK", "PAID", 1, user="bob", metadata={"utm": "a"}),
            ev("b1", "CLICK", "PAID", 1, user="bob", metadata={"utm": "a"}),  # identical repeat: duplicate
        ])
        second = service.ingest_events(s, ws, [
            ev("b1", "CLICK", "PAID", 1, user="bob", metadata={"utm": "a"}),  # stored by the first batch
            ev("c2", "VIEW", "PAID", 2, user="carol"),
            ev("s1", "VIEW", "PAID", 2, user=None, session_id="sess-1"),  # no user id: never opted out
        ])
        given = uuid.uuid4()
        row = {"id": given, "workspace_id": ws.id, "boost_campaign_id": None, "post_id": None,
               "client_event_id": "loader-1", "session_id_hash": None, "user_id_hash": "h" * 64,
               "event_type": "VIEW", "touchpoint_type": "PAID", "platform": "FACEBOOK", "event_value_cents": None,
               "event_metadata": None, "occurred_at": T0, "created_at": T0}
        assert repository.insert_events(s, [row]) == 1
        ws_id = ws.id
    assert (first.received, first.inserted, first.duplicates, first.opted_out) == (4, 1, 2, 1)
    assert (second.received, second.inserted, second.duplicates, second.opted_out) == (3, 1, 1, 1)
    with session_scope(engine) as s:
        rows = {r.client_event_id: r for r in s.scalars(
            sa.select(BoostAttributionEvent).where(BoostAttributionEvent.workspace_id == ws_id))}
    assert set(rows) == {"old", "b1", "s1", "loader-1"}
    assert rows["loader-1"].id == given
    assert len({r.id for r in rows.values()}) == 4 and all(isinstance(r.id, uuid.UUID) for r in rows.values())
    assert rows["b1"].event_metadata == {"utm": "a"} and rows["s1"].user_id_hash is None
