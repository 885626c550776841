"""Snapshot collection: one performance snapshot per (boost, snapshot time), however often it runs.

``collect_snapshots(session, workspace_id, now=...)`` is the job's whole work for one workspace:

1. Which snapshots are due (``schedule.due_snapshot_time``): for every ACTIVE boost, the latest point
   of its grid ``boosted_at + k * snapshot_cadence_hours`` (k >= 1) at or before ``now``; once the
   scheduled end ``boosted_at + duration_days`` has passed, the end itself. For every COMPLETED or
   CANCELLED boost that a person ended (``ended_at`` set) and that has no snapshot at or after
   ``ended_at``: a closing snapshot at ``ended_at``. PAUSED boosts get none (nothing is delivered;
   figures are cumulative, so the next snapshot after resuming loses nothing).
2. Snapshots already stored for those (boost, time) pairs are skipped (and the insert is
   ``ON CONFLICT DO NOTHING`` on the unique ``(boost_campaign_id, snapshot_at)``): a stored snapshot is
   the record of what was known then, and running twice gives the same rows.
3. The inputs of all remaining snapshots are read in a few batched statements (``snapshot_repository``):
   the post's organic metrics as of the snapshot time, the campaign's delivery summed over
   ``[boosted_at, snapshot time]``, and the attributed split from the ``AttributionProvider``.
4. The figures are computed by ``analytics.snapshot_metrics`` and the rows inserted in one statement.
5. An ACTIVE boost whose end snapshot is stored is marked COMPLETED with ``ended_at`` = its scheduled end:
   COMPLETED comes after the last snapshot, in the same transaction.

Organic figures when the post has no organic metric at or before the snapshot time: the pre-boost
capture stored on the boost (``organic_metrics``): the counts are cumulative, so the last known value
is the best lower bound. The platform's combined unique reach (``total_reach``) is used for an exact
incremental reach only from an organic metric captured after the boost started (an earlier one counts
no paid delivery).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from boostloop.analytics.snapshot_metrics import paid_reach_over_periods, snapshot_metrics
from boostloop.enums import BoostStatus
from boostloop.server.boosts import snapshot_repository as repo
from boostloop.server.boosts.attribution_provider import (
    AttributedSplit,
    AttributionProvider,
    ReachCorrectedSplit,
    SplitRequest,
)
from boostloop.server.boosts.schedule import boost_end, days_since, due_snapshot_time
from boostloop.server.db.models import BoostCampaign, BoostPerformanceSnapshot

BATCH = 2000  # boosts whose inputs are read in one round of statements


@dataclass(frozen=True)
class DueSnapshot:
    boost: repo.BoostRow
    at: datetime
    completes: bool  # the scheduled end of an ACTIVE boost: mark it COMPLETED after this snapshot


@dataclass(frozen=True)
class CollectionResult:
    considered: int  # boosts looked at (ACTIVE, plus ended ones awaiting a closing snapshot)
    due: int  # snapshots due this run
    created: int
    skipped_existing: int
    completed: list[uuid.UUID]  # boosts marked COMPLETED by this run


def due_snapshots(active: Sequence[repo.BoostRow], ended: Sequence[repo.BoostRow], now: datetime) -> list[DueSnapshot]:
    out: list[DueSnapshot] = []
    for b in active:
        at = due_snapshot_time(b.boosted_at, b.cadence_hours, b.duration_days, now)
        if at is not None:
            out.append(DueSnapshot(b, at, at == boost_end(b.boosted_at, b.duration_days)))
    for b in ended:
        if b.ended_at is not None and b.ended_at <= now:
            out.append(DueSnapshot(b, b.ended_at, False))
    return out


def audience_size(b: repo.BoostRow) -> int | None:
    """The universe for the independence overlap estimate: the targeted audience size when the
    targeting records one (``targeting_criteria.audience_size``, what ad platforms show when the audience
    is built), else the account's followers (errs towards more overlap), else unknown."""

    size = (b.targeting or {}).get("audience_size")
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        return size
    return b.followers if b.followers and b.followers > 0 else None


def _row(
    d: DueSnapshot,
    organic: repo.OrganicAt | None,
    paid: repo.PaidTotals | None,
    split: AttributedSplit,
    workspace_id: uuid.UUID,
    created_at: datetime,
) -> dict:
    b = d.boost
    if organic is not None:
        o_imp, o_eng, o_reach = organic.impressions, organic.engagements, organic.reach
        total_reach = organic.total_reach if organic.captured_at > b.boosted_at else None
    else:
        pre = b.organic_metrics
        o_imp, o_eng, o_reach = (int(pre.get(k) or 0) for k in ("impressions", "engagements", "reach"))
        total_reach = None
    if paid is None:
        paid = repo.PaidTotals(None, 0, 0, 0, 0, 0, None, 0, 0)  # type: ignore[arg-type]
    paid_reach = paid_reach_over_periods(
        reach_sum=paid.reach_sum, periods_with_reach=paid.periods_with_reach, impressions=paid.impressions
    )
    m = snapshot_metrics(
        paid_impressions=paid.impressions,
        paid_clicks=paid.clicks,
        paid_conversions=paid.conversions,
        paid_conversion_value_cents=paid.value_cents,
        paid_spend_cents=paid.spend_cents,
        attributed_conversions=split.conversions,
        attributed_overlap=split.overlap,
        attributed_value_cents=split.value_cents,
        organic_reach=o_reach,
        total_reach=total_reach,
        paid_reach=paid_reach.value,
        audience_size=audience_size(b),
    )
    return {
        "id": uuid.uuid4(),
        "created_at": created_at,
        "workspace_id": workspace_id,
        "boost_campaign_id": b.id,
        "snapshot_at": d.at,
        "days_since_boosted": days_since(b.boosted_at, d.at),
        "organic_impressions": o_imp,
        "organic_engagements": o_eng,
        "organic_reach": o_reach,
        "paid_impressions": paid.impressions,
        "paid_reach": paid_reach.value,
        "paid_clicks": paid.clicks,
        "paid_conversions": paid.conversions,
        "paid_conversion_value_cents": paid.value_cents,
        "paid_spend_cents": paid.spend_cents,
        "paid_ctr": m.paid_ctr,
        "paid_cpa": m.paid_cpa,
        "paid_roas": m.paid_roas,
        "attributed_organic": float(split.organic),
        "attributed_paid": float(split.paid),
        "attributed_overlap": float(split.overlap),
        "attributed_value_cents": int(split.value_cents),
        "incremental_reach": m.incremental_reach,
        "incremental_reach_estimated": m.incremental_reach_estimated,
        "cost_per_result": m.cost_per_result,
        "total_roi": m.total_roi,
    }


def _insert_ignoring_existing(session: Session, rows: list[dict]) -> int:
    table = BoostPerformanceSnapshot.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=["boost_campaign_id", "snapshot_at"])
    result = session.execute(stmt, rows)
    return result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(rows)


def _splits(
    session: Session, workspace_id: uuid.UUID, provider: AttributionProvider, keys: Sequence[uuid.UUID],
    todo: Sequence[DueSnapshot],
) -> dict[uuid.UUID, AttributedSplit]:
    """The attributed split of each due snapshot, by its key. A provider with ``splits_keyed`` answers the
    whole batch at once; any other (``splits`` answers one time per boost) is asked once per round in
    which each boost appears at most once."""

    requests = [(k, SplitRequest(d.boost.id, d.boost.boosted_at, d.at)) for k, d in zip(keys, todo)]
    keyed = getattr(provider, "splits_keyed", None)
    if keyed is not None:
        return dict(keyed(session, workspace_id, requests))
    out: dict[uuid.UUID, AttributedSplit] = {}
    pending = requests
    while pending:
        seen: set[uuid.UUID] = set()
        now_round, later = [], []
        for k, r in pending:
            (later if r.boost_id in seen else now_round).append((k, r))
            seen.add(r.boost_id)
        got = provider.splits(session, workspace_id, [r for _, r in now_round])
        for k, r in now_round:
            if r.boost_id in got:
                out[k] = got[r.boost_id]
        pending = later
    return out


def _write_snapshots(
    session: Session, workspace_id: uuid.UUID, due: Sequence[DueSnapshot], provider: AttributionProvider,
    batch_size: int,
) -> tuple[int, int]:
    """Compute and insert the snapshots ``due`` that are not stored yet, ``batch_size`` at a time (a few
    statements per batch); returns ``(created, skipped_existing)``."""
    created = skipped = 0
    created_at = datetime.now(UTC)
    size = max(1, batch_size)
    for start in range(0, len(due), size):
        batch = due[start : start + size]
        existing = repo.existing_snapshots(session, workspace_id, [(d.boost.id, d.at) for d in batch])
        todo = [d for d in batch if (d.boost.id, d.at) not in existing]
        skipped += len(batch) - len(todo)
        if not todo:
            continue
        # One key per snapshot: a batch may hold several times of one boost (back-fill).
        keys = [uuid.UUID(int=i + 1) for i in range(len(todo))]
        organic = repo.organic_as_of(
            session, workspace_id, [(k, d.boost.post_id, d.at) for k, d in zip(keys, todo) if d.boost.post_id]
        )
        paid = repo.paid_totals(
            session,
            workspace_id,
            [(k, d.boost.campaign_id, d.boost.boosted_at, d.at) for k, d in zip(keys, todo) if d.boost.campaign_id],
        )
        splits = _splits(session, workspace_id, provider, keys, todo)
        rows = [
            _row(d, organic.get(k), paid.get(k), splits.get(k) or AttributedSplit(), workspace_id, created_at)
            for k, d in zip(keys, todo)
        ]
        created += _insert_ignoring_existing(session, rows)
    return created, skipped


def collect_snapshots(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    now: datetime,
    attribution: AttributionProvider | None = None,
    batch_size: int = BATCH,
) -> CollectionResult:
    """Record every snapshot due at ``now`` for the workspace's boosts (see the module docstring).

    ``now`` is passed in (the job's clock), so a run is reproducible. Does not commit.
    """

    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    provider = attribution or ReachCorrectedSplit()
    session.flush()
    active = repo.active_boosts(session, workspace_id)
    ended = repo.ended_boosts_without_closing_snapshot(session, workspace_id)
    due = due_snapshots(active, ended, now)
    created, skipped = _write_snapshots(session, workspace_id, due, provider, batch_size)
    created_at = datetime.now(UTC)

    completing = [d for d in due if d.completes]
    if completing:
        table = BoostCampaign.__table__
        stmt = (
            sa.update(table)
            .where(
                table.c.id == sa.bindparam("b_id"),
                table.c.workspace_id == workspace_id,
                table.c.status == BoostStatus.ACTIVE,
            )
            .values(status=BoostStatus.COMPLETED, ended_at=sa.bindparam("b_end"), updated_at=created_at)
        )
        session.execute(stmt, [{"b_id": d.boost.id, "b_end": d.at} for d in completing])
        done = {d.boost.id for d in completing}
        for obj in list(session.identity_map.values()):
            if isinstance(obj, BoostCampaign) and obj.id in done:
                session.expire(obj)
    return CollectionResult(
        considered=len(active) + len(ended),
        due=len(due),
        created=created,
        skipped_existing=skipped,
        completed=[d.boost.id for d in completing],
    )


@dataclass(frozen=True)
class BackfillResult:
    boosts: int  # boosts looked at
    due: int  # grid points up to min(end, now)
    created: int
    skipped_existing: int


def grid_times(b: repo.BoostRow, now: datetime) -> list[datetime]:
    """Every snapshot time of a boost up to ``now``: ``boosted_at + k * cadence`` (k >= 1) before its end,
    then the end itself, where the end is ``ended_at`` when a person ended it (cancelled, completed early)
    and the scheduled end otherwise. These are the times hour-by-hour collection records (the grid points
    while it runs, the closing snapshot at its end)."""

    cadence = timedelta(hours=max(1, int(b.cadence_hours)))
    end = boost_end(b.boosted_at, b.duration_days)
    if b.ended_at is not None and b.ended_at < end:
        end = b.ended_at
    out: list[datetime] = []
    at = b.boosted_at + cadence
    while at < end and at <= now:
        out.append(at)
        at += cadence
    if end <= now and end > b.boosted_at:
        out.append(end)
    return out


def backfill_snapshots(
    session: Session,
    workspace_id: uuid.UUID,
    now: datetime,
    boost_ids: Sequence[uuid.UUID] | None = None,
    *,
    attribution: AttributionProvider | None = None,
    batch_size: int = BATCH,
) -> BackfillResult:
    """Write every missing snapshot of the workspace's boosts (any status; ``boost_ids`` to limit them)
    from ``boosted_at`` to ``min(end, now)`` (``grid_times``): for boosts loaded after the fact (imported,
    BACKFILLED, simulated) or whose collection did not run. The same rows as collecting at every grid
    point (one computation, ``_write_snapshots``), ``batch_size`` snapshots per round of statements;
    stored snapshots are kept, so running it twice adds nothing. It does not change a boost's status (the
    next ``collect_snapshots`` completes an ACTIVE boost whose end has passed). Unlike hourly collection it
    also fills the hours a boost spent PAUSED (figures are cumulative, so they are just as true). Does not
    commit.
    """

    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    provider = attribution or ReachCorrectedSplit()
    session.flush()
    boosts = repo.boosts(session, workspace_id, boost_ids)
    due = [DueSnapshot(b, at, False) for b in boosts for at in grid_times(b, now)]
    created, skipped = _write_snapshots(session, workspace_id, due, provider, batch_size)
    return BackfillResult(boosts=len(boosts), due=len(due), created=created, skipped_existing=skipped)
