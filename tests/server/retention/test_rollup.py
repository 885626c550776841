"""Retention roll-up on SQLite and PostgreSQL: the analytics give the same answers before and after, a
step that fails half-way leaves nothing half-written, the archive holds exactly the deleted rows, erasure
reaches it, and the job runs through the job system."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from boostloop.enums import ContentType, JobStatus, JobTrigger, Platform
from boostloop.server.attribution import repository as attribution_repo
from boostloop.server.attribution import service as attribution
from boostloop.server.boosts import service as boosts_service
from boostloop.server.db.models import (
    AttributionPathAggregate,
    BoostAttributionEvent,
    BoostCampaign,
    BoostPerformanceSnapshot,
    BoostTrackedPerson,
    EventDailyAggregate,
    JobRun,
    SocialAccount,
    SocialPost,
    Workspace,
)
from boostloop.server.db.session import session_scope
from boostloop.server.effectiveness import input_version
from boostloop.server.effectiveness import repository as effectiveness_repo
from boostloop.server.privacy import service as privacy
from boostloop.server.retention import archive, service
from boostloop.server.settings import get_settings
from boostloop.server.workspaces.service import create_workspace

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=60, hours=5)  # retention 30 days -> cutoff T0 + 30 days
MODELS = ["first_touch", "last_touch", "linear", "position_based", "markov", "shapley", "time_decay"]


def _same_credits(a: dict, b: dict) -> None:
    """Every model's credits equal; time decay's up to the archived touches' hours, kept to 0.01 h (a
    weight moves by at most 2^(0.005 / 168) - 1 = 2e-5 of itself at the 7-day half-life)."""
    assert a.keys() == b.keys()
    for model in a:
        if model != "time_decay":
            assert a[model] == b[model], model
            continue
        assert a[model].keys() == b[model].keys()
        for ch, (conv, value) in a[model].items():
            assert conv == pytest.approx(b[model][ch][0], rel=1e-4, abs=1e-6), ch
            assert value == pytest.approx(b[model][ch][1], rel=1e-4, abs=1e-3), ch


@pytest.fixture
def archive_dir(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("BOOSTLOOP_ARCHIVE_DIR", str(tmp_path / "archive"))
    get_settings.cache_clear()
    yield tmp_path / "archive"
    get_settings.cache_clear()


def _world(engine, seed: int = 7) -> tuple[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]]:  # noqa: ANN001
    """A workspace (retention 30 days, 7-day click / 1-day view windows) with two boosts, 60 days of
    touchpoint events of 30 people (random touches, ~1 in 6 a conversion) and a snapshot every 6 hours."""
    rng = random.Random(seed)
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Ret", slug=f"ret-{seed}")
        ws.retention_days = 30
        account = SocialAccount(workspace_id=ws.id, platform=Platform.FACEBOOK, platform_account_id="a", handle="h")
        s.add(account)
        s.flush()
        pairs = []
        for n in range(2):
            post = SocialPost(workspace_id=ws.id, account_id=account.id, platform=Platform.FACEBOOK,
                              platform_post_id=f"p{n}", content_type=ContentType.VIDEO, published_at=T0)
            s.add(post)
            s.flush()
            boost = BoostCampaign(workspace_id=ws.id, original_post_id=post.id, platform=Platform.FACEBOOK,
                                  boosted_at=T0, boosted_by="t", organic_metrics={}, initial_budget_cents=5000,
                                  duration_days=60)
            s.add(boost)
            s.flush()
            pairs.append((boost.id, post.id))
            for k in range(60 * 4):
                s.add(BoostPerformanceSnapshot(
                    workspace_id=ws.id, boost_campaign_id=boost.id, snapshot_at=T0 + timedelta(hours=6 * k),
                    days_since_boosted=k // 4, organic_impressions=100 * k, paid_impressions=(n + 1) * 50 * k,
                ))
        events = []
        for p in range(30):
            t = T0 + timedelta(hours=rng.uniform(0, 24 * 5))
            while t < NOW - timedelta(hours=1):
                conv = rng.random() < 1 / 6
                pair = rng.choice([*pairs, None])
                events.append({
                    "client_event_id": f"e{len(events)}", "occurred_at": t.isoformat(),
                    "event_type": "CONVERSION" if conv else rng.choice(["VIEW", "CLICK", "ENGAGEMENT"]),
                    "touchpoint_type": rng.choice(["ORGANIC", "PAID", "UNKNOWN"]),
                    "platform": rng.choice(["FACEBOOK", "INSTAGRAM"]),
                    "user_id": f"u{p}", "boost_id": None if pair is None else str(pair[0]),
                    "post_id": None if pair is None else str(pair[1]),
                    "value_cents": rng.randint(100, 5000) if conv else None,
                    "metadata": {"utm_source": rng.choice(["facebook", "newsletter"])},
                })
                # gaps of up to 4 days: some journeys cross the cutoff, some stay open across it
                t += timedelta(hours=rng.expovariate(1 / 30))
        attribution.ingest_events(s, ws, events)
    return ws.id, pairs


def _analyses(engine, ws_id, pairs) -> dict:  # noqa: ANN001
    with session_scope(engine) as s:
        ws = s.get(Workspace, ws_id)
        out: dict = {}
        for channel in ("touchpoint_type", "platform", "boost"):
            r = attribution.attribution_report(s, ws, models=MODELS, channel=channel, n_boot=0, top_n=50)
            out[channel] = {
                "conversions": r.conversions, "value": r.value_cents, "journeys": r.journeys,
                "unattributed": r.unattributed_conversions,
                "credits": {m.model: {c.channel: (round(c.conversions, 9), round(c.value_cents, 6))
                                      for c in m.channels} for m in r.models},
                "top": [(tuple(p.path), p.conversions, p.value_cents) for p in r.top_paths],
            }
        boost_ids = [b for b, _ in pairs]
        out["splits"] = {b: s_.model_dump() for b, s_ in attribution.boost_splits(s, ws, boost_ids).items()}
        # until = the last instant of a day: archived conversions count by whole UTC days
        mid = T0 + timedelta(days=20) - timedelta(microseconds=1)
        out["tracked"] = attribution_repo.tracked_people(s, ws_id, [((b, t), b, t) for b in boost_ids for t in (mid, NOW)])
        out["splits_mid"] = {b: s_.model_dump() for b, s_ in attribution.boost_splits(s, ws, boost_ids, until=mid).items()}
        # answers are keyed by boost: one call per cut-off
        out["conv_by_post"] = [effectiveness_repo.conversions_by_post(s, ws_id, [(b, p, t) for b, p in pairs])
                               for t in (NOW, mid)]
        out["series"] = {}
        for b in boost_ids:
            snaps = boosts_service.list_snapshots(s, ws_id, b)
            daily: dict = {}
            for x in snaps:  # the boost-detail series, the last point of every day (what thinning keeps)
                daily[x.snapshot_at.astimezone(UTC).date()] = (x.snapshot_at, x.organic_impressions, x.paid_impressions)
            out["series"][b] = (daily, (snaps[-1].snapshot_at, snaps[-1].paid_impressions))
    return out


def _counts(engine, ws_id) -> tuple[int, int, int, int]:  # noqa: ANN001
    with session_scope(engine) as s:
        def n(model):  # noqa: ANN001, ANN202
            return s.scalar(sa.select(sa.func.count()).select_from(model).where(model.workspace_id == ws_id))
        return (n(BoostAttributionEvent), n(BoostPerformanceSnapshot), n(AttributionPathAggregate),
                n(EventDailyAggregate))


def _roll(engine, ws_id, **kw):  # noqa: ANN001, ANN003, ANN202
    with session_scope(engine) as s:
        ws = s.get(Workspace, ws_id)
        return service.roll_up(s, ws, NOW, commit=s.commit, **kw)


def test_analyses_agree_before_and_after_the_roll_up(engine, archive_dir) -> None:  # noqa: ANN001
    ws_id, pairs = _world(engine)
    before = _analyses(engine, ws_id, pairs)
    n_events, n_snaps, _, _ = _counts(engine, ws_id)
    r = _roll(engine, ws_id)
    # cutoff = midnight of NOW - 30 d = T0 + 30 d; first day = T0: 30 steps
    assert r.days == 30 and r.rolled_until == T0 + timedelta(days=30)
    after = _analyses(engine, ws_id, pairs)
    left_events, left_snaps, path_rows, aggs = _counts(engine, ws_id)
    # raw events are kept for the 7-day margin: everything before cutoff - 7 d is gone
    assert r.events_archived == n_events - left_events > 0 and path_rows > 0 and aggs > 0
    with session_scope(engine) as s:
        oldest = s.scalar(sa.select(sa.func.min(BoostAttributionEvent.occurred_at))
                          .where(BoostAttributionEvent.workspace_id == ws_id))
    assert oldest.replace(tzinfo=UTC) >= T0 + timedelta(days=23)
    # snapshots before the cutoff: 4 a day -> 1 a day (30 days x 2 boosts x 3 removed)
    assert n_snaps - left_snaps == r.snapshots_archived == 30 * 2 * 3
    for channel in ("touchpoint_type", "platform", "boost"):
        b, a = before[channel], after[channel]
        # conversions, values, every model's credits and the top paths are exact
        assert (a["conversions"], a["value"], a["unattributed"]) == (b["conversions"], b["value"], b["unattributed"])
        _same_credits(a["credits"], b["credits"])
        assert a["top"] == b["top"]
        # non-converting journeys: a person whose open journey ended before the watermark and who came back
        # later is one archived null journey plus their live journey (docs/retention.md); never fewer
        assert 0 <= a["journeys"] - b["journeys"] <= 30
    # the overlap split's estimate reads distinct tracked people: kept exact by boost_tracked_people
    assert after["tracked"] == before["tracked"]
    assert after["splits"] == before["splits"]
    assert after["splits_mid"] == before["splits_mid"]
    assert after["conv_by_post"] == before["conv_by_post"]
    for b in before["series"]:
        assert after["series"][b] == before["series"][b]
    # the archive holds exactly the deleted rows
    events = archive.read(archive_dir, ws_id, "events")
    assert events.num_rows == r.events_archived
    assert len(set(events.column("id").to_pylist())) == events.num_rows
    assert archive.read(archive_dir, ws_id, "snapshots").num_rows == r.snapshots_archived
    assert len(list(archive.files(archive_dir, ws_id, "events"))) == 23  # days T0 .. T0+22
    # a second run the same day has nothing to do
    assert _roll(engine, ws_id).days == 0


def test_a_step_failing_half_way_leaves_nothing_half_written(engine, archive_dir) -> None:  # noqa: ANN001
    ws_id, pairs = _world(engine, seed=11)
    before = _analyses(engine, ws_id, pairs)
    n_events = _counts(engine, ws_id)[0]

    def boom(day):  # noqa: ANN001, ANN202
        if day == (T0 + timedelta(days=9)).date():
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        _roll(engine, ws_id, _before_delete=boom)
    with session_scope(engine) as s:
        st = service.repo.state(s, ws_id)
        assert st.rolled_until == T0 + timedelta(days=9)  # days 0..8 committed, day 9 rolled back
        days = set(s.scalars(sa.select(AttributionPathAggregate.day).where(AttributionPathAggregate.workspace_id == ws_id)))
        assert max(days) == (T0 + timedelta(days=8)).date()
    # the failed step had already written its archive file: the next run's union keeps one copy per row
    r = _roll(engine, ws_id)
    assert r.days == 21
    after = _analyses(engine, ws_id, pairs)
    for channel in ("touchpoint_type", "platform", "boost"):
        _same_credits(after[channel]["credits"], before[channel]["credits"])
        assert after[channel]["conversions"] == before[channel]["conversions"]
    # the overlap split's estimate reads distinct tracked people: kept exact by boost_tracked_people
    assert after["tracked"] == before["tracked"]
    assert after["splits"] == before["splits"] and after["conv_by_post"] == before["conv_by_post"]
    events = archive.read(archive_dir, ws_id, "events")
    assert events.num_rows == n_events - _counts(engine, ws_id)[0]
    assert len(set(events.column("id").to_pylist())) == events.num_rows


def test_erasure_reaches_the_archive(engine, archive_dir) -> None:  # noqa: ANN001
    ws_id, _ = _world(engine, seed=3)
    with session_scope(engine) as s:
        before = input_version.read(s, ws_id)
    r = _roll(engine, ws_id)
    with session_scope(engine) as s:  # each step (day) that archived raw events counts a write of the inputs
        rolled = input_version.read(s, ws_id)
        assert before.written < rolled.written <= before.written + r.days
    with session_scope(engine) as s:
        ws = s.get(Workspace, ws_id)
        h = privacy._hash(ws, "u5")
        archived = archive.read(archive_dir, ws_id, "events")
        mine = pc.sum(pc.equal(archived.column("user_id_hash"), h).cast("int64")).as_py()
        live = s.scalar(sa.select(sa.func.count()).select_from(BoostAttributionEvent)
                        .where(BoostAttributionEvent.user_id_hash == h))
        assert mine > 0
        tracked = sa.select(sa.func.count()).select_from(BoostTrackedPerson).where(BoostTrackedPerson.person_hash == h)
        assert s.scalar(tracked) > 0  # the roll-up kept u5's first touches for the overlap split
        res = privacy.erase_person(s, ws, "u5")
        assert res.events_deleted == mine + live
        assert input_version.read(s, ws_id).written == rolled.written + (1 if live else 0)
        assert s.scalar(tracked) == 0
    archived = archive.read(archive_dir, ws_id, "events")
    assert pc.sum(pc.equal(archived.column("user_id_hash"), h).cast("int64")).as_py() == 0
    assert archived.num_rows > 0


def test_the_job_runs_through_the_job_system(engine, archive_dir) -> None:  # noqa: ANN001
    from boostloop.server.jobs.runner import run_job

    ws_id, _ = _world(engine, seed=5)
    with session_scope(engine) as s:  # job history: older than the 30-day retention (finished, running), recent
        for days, status in ((45, JobStatus.SUCCEEDED), (45, JobStatus.RUNNING), (10, JobStatus.FAILED)):
            s.add(JobRun(workspace_id=ws_id, job_name="notifications", trigger=JobTrigger.SCHEDULE, status=status,
                         started_at=NOW - timedelta(days=days), counts={}))
    out = run_job(engine, "retention", ws_id, now=NOW)
    assert out.status == "SUCCEEDED", out.error
    assert out.counts["days"] == 30 and out.counts["snapshots_archived"] == 180
    assert out.counts["job_runs_pruned"] == 1
    with session_scope(engine) as s:
        left = {(r.job_name, r.status) for r in s.scalars(sa.select(JobRun).where(JobRun.workspace_id == ws_id))}
    assert left == {("notifications", JobStatus.RUNNING), ("notifications", JobStatus.FAILED),
                    ("retention", JobStatus.SUCCEEDED)}
    assert run_job(engine, "retention", ws_id, now=NOW).counts["days"] == 0


def test_hand_worked_roll_up(engine, archive_dir) -> None:  # noqa: ANN001
    """Three people, retention 30 days, 7-day click / 1-day view windows; now = T0 + 40 d 05:00, so the
    cutoff (and the final rolled_until) is T0 + 10 d and raw events before T0 + 3 d are deleted.

    * A: paid click of boost 1 on day 1, conversion (1000 cents, post 1) on day 2: archived journey.
    * B: organic view (no boost) on day 3 12:00; an organic click of boost 1 on day 19 and a conversion
      (300 cents) on day 20 arrive only after the roll-up ran. Without a roll-up that is one converting
      journey (the view is outside the 1-day view window). The roll-up saw B's journey open, ended on day 3,
      and archived it as a null journey: journeys are 4 instead of 3, conversions and credit are the same
      (the documented null-journey tolerance).
    * C: paid click of boost 1 on day 9 20:00, conversion (500 cents, post 1) on day 10 02:00: a live journey
      whose touch is older than the cutoff but inside the 7-day margin, so it is still stored.
    """
    with session_scope(engine) as s:
        ws = create_workspace(s, name="Hand", slug="hand")
        ws.retention_days = 30
        acc = SocialAccount(workspace_id=ws.id, platform=Platform.FACEBOOK, platform_account_id="a", handle="h")
        s.add(acc)
        s.flush()
        post = SocialPost(workspace_id=ws.id, account_id=acc.id, platform=Platform.FACEBOOK, platform_post_id="p",
                          content_type=ContentType.VIDEO, published_at=T0)
        s.add(post)
        s.flush()
        b1 = BoostCampaign(workspace_id=ws.id, original_post_id=post.id, platform=Platform.FACEBOOK, boosted_at=T0,
                           boosted_by="t", organic_metrics={}, initial_budget_cents=1, duration_days=30)
        s.add(b1)
        s.flush()
        ws_id, b, p = ws.id, b1.id, post.id

        def e(cid, user, etype, tp, at, boost=None, value=None):  # noqa: ANN001, ANN202
            return {"client_event_id": cid, "user_id": user, "event_type": etype, "touchpoint_type": tp,
                    "platform": "FACEBOOK", "occurred_at": at.isoformat(), "value_cents": value,
                    "boost_id": None if boost is None else str(b), "post_id": None if boost is None else str(p)}

        d = lambda days, hours=10: T0 + timedelta(days=days, hours=hours)  # noqa: E731
        attribution.ingest_events(s, ws, [
            e("a1", "A", "CLICK", "PAID", d(1), b), e("a2", "A", "CONVERSION", "PAID", d(2), b, 1000),
            e("b1", "B", "VIEW", "ORGANIC", d(3, 12)),
            e("c1", "C", "CLICK", "PAID", d(9, 20), b), e("c2", "C", "CONVERSION", "PAID", d(10, 2), b, 500),
        ])
        late = [e("b2", "B", "CLICK", "ORGANIC", d(19), b), e("b3", "B", "CONVERSION", "ORGANIC", d(20), None, 300)]
    now = T0 + timedelta(days=40, hours=5)
    with session_scope(engine) as s:
        before = attribution.attribution_report(s, s.get(Workspace, ws_id), models=["last_touch"], n_boot=0)
        assert (before.journeys, before.conversions, before.value_cents) == (3, 2, 1500)
    with session_scope(engine) as s:
        r = service.roll_up(s, s.get(Workspace, ws_id), now, commit=s.commit)
    with session_scope(engine) as s:
        attribution.ingest_events(s, s.get(Workspace, ws_id), late)
    # from the first event's day (day 1) to the cutoff: 9 days
    assert (r.days, r.events_archived, r.conversions, r.rolled_until) == (9, 2, 1, T0 + timedelta(days=10))
    with session_scope(engine) as s:
        rows = {(a.day, a.path): (a.conversions, a.value_cents, a.nulls)
                for a in s.scalars(sa.select(AttributionPathAggregate).where(AttributionPathAggregate.workspace_id == ws_id))}
        assert rows == {
            # A's click came 24 h before the conversion (the touch's 4th field); the conversion carries boost 1
            # itself, so the path ends with it as a tag ("=..."); B's null journey keeps no hours
            ((T0 + timedelta(days=2)).date(), f"PAID|FACEBOOK|{b}|24.0>=PAID|FACEBOOK|{b}"): (1, 1000, 0),
            ((T0 + timedelta(days=3)).date(), "ORGANIC|FACEBOOK||"): (0, 0, 1),
        }
        aggs = sorted((a.day.isoformat(), a.event_type.value, a.events, a.people, a.value_cents)
                      for a in s.scalars(sa.select(EventDailyAggregate).where(EventDailyAggregate.workspace_id == ws_id)))
        assert aggs == [("2026-03-02", "CLICK", 1, 1, 0), ("2026-03-03", "CONVERSION", 1, 1, 1000)]
        ws = s.get(Workspace, ws_id)
        after = attribution.attribution_report(s, ws, models=["last_touch"], n_boot=0)
        assert (after.journeys, after.conversions, after.value_cents) == (4, 3, 1800)
        credit = {c.channel: c.conversions for c in after.models[0].channels}
        assert credit == {"PAID": 2.0, "ORGANIC": 1.0}
        split = attribution.boost_split(s, ws, b)
        assert (split.paid_conversions, split.organic_conversions, split.paid_value_cents) == (2, 1, 1500)
        conv = effectiveness_repo.conversions_by_post(s, ws_id, [(b, p, now)])[b]
        assert (conv.total, conv.organic, conv.value_cents) == (2, 0, 1500)
