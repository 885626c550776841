"""Stored per-boost effectiveness results (table ``boost_effectiveness_results``): each boost is analysed
once and the dashboard reads aggregate the stored rows, instead of analysing every boost per request
(1.9-3.6 s for 60 boosts before, benchmarks/RESULTS.md "Effectiveness wiring").

Who writes: the hourly ``snapshots`` job (``refresh`` after collecting: the boosts whose inputs may have
changed) and the demo's preparation (the same job after the back-fill); any read that finds a boost's
result missing or stale computes it then (``current``).

When a stored result is current (so it is reused):
- while the boost's own inputs are unchanged (``repository.input_marks``: its post's captures, its
  campaign's delivery rows, its events; three grouped counts over indexed keys, no analysis): this also
  catches data imported late into a closed window;
- and the workspace's benchmark overrides and click window are unchanged;
- and the boost row is unchanged (``updated_at``: a status change, a campaign linked later, an early end
  change the window);
- and either the analysis window (``boosted_at + duration + click window``) had closed at ``as_of``
  (**final**: the inputs are all in the past) or the result is younger than ``STALE_AFTER`` (the window
  is open: time itself moves the window end, and the controls, other posts, grow).

The grounds other than the inputs are checked in the database, in one statement (``_stale``). The inputs
marks are read only when an input may have been written since the last check of every boost
(``input_version``); otherwise a stored result's mark is taken as current and only the boosts without a
current result get theirs (to store with their new result). The ``snapshots`` job checks every boost
whatever the version says (``full_check``). The overview's sums are taken in the database too
(``totals``). At 1,001 boosts / 9.4M events that made an overview miss 9 ms alone instead of 80-100 ms
(benchmarks/RESULTS.md, "api (dashboard reads)").
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boostloop.analytics.effectiveness.analysis import METHOD_VERSION
from boostloop.server.db.models import BoostCampaign, BoostEffectivenessResult
from boostloop.server.effectiveness import input_version
from boostloop.server.effectiveness import repository as repo
from boostloop.server.effectiveness import schemas as s
from boostloop.server.effectiveness import service

# Two snapshot cadences: the job refreshes open-window results every hour; one late or missed run is
# tolerated before a read recomputes them itself.
STALE_AFTER = timedelta(hours=2)
# Rows per round of writes (bounded statement size on both databases).
WRITE_BATCH = 200

SCALARS = (
    BoostEffectivenessResult.boost_campaign_id, BoostEffectivenessResult.as_of, BoostEffectivenessResult.final,
    BoostEffectivenessResult.boost_updated_at, BoostEffectivenessResult.inputs_mark,
    BoostEffectivenessResult.spend_cents,
    BoostEffectivenessResult.value_cents, BoostEffectivenessResult.conversions,
    BoostEffectivenessResult.incremental_conversions, BoostEffectivenessResult.incremental_conversions_lower,
    BoostEffectivenessResult.incremental_conversions_upper, BoostEffectivenessResult.incremental_value_cents,
    BoostEffectivenessResult.benchmark_cpa_cents, BoostEffectivenessResult.score,
    BoostEffectivenessResult.score_lower, BoostEffectivenessResult.score_upper,
    BoostEffectivenessResult.confidence, BoostEffectivenessResult.window_end,
    # the comparison's ranking inputs (``ranking_columns``)
    BoostEffectivenessResult.platform, BoostEffectivenessResult.cost_per_result,
    BoostEffectivenessResult.cost_per_result_lower, BoostEffectivenessResult.cost_per_result_upper,
    BoostEffectivenessResult.incremental_roi, BoostEffectivenessResult.incremental_roi_lower,
    BoostEffectivenessResult.incremental_roi_upper, BoostEffectivenessResult.benchmark_roas,
)


@dataclass(frozen=True)
class StoredResult:
    """The aggregated figures and ranking inputs of one stored result (``result`` JSON left out unless asked
    for)."""

    boost_id: uuid.UUID
    as_of: datetime
    final: bool
    boost_updated_at: datetime | None
    inputs_mark: str | None
    spend_cents: int
    value_cents: int
    conversions: float
    incremental_conversions: float | None
    incremental_conversions_lower: float | None
    incremental_conversions_upper: float | None
    incremental_value_cents: float | None
    benchmark_cpa_cents: float
    score: float
    score_lower: float
    score_upper: float
    confidence: str
    window_end: datetime
    platform: str
    cost_per_result: float | None
    cost_per_result_lower: float | None
    cost_per_result_upper: float | None
    incremental_roi: float | None
    incremental_roi_lower: float | None
    incremental_roi_upper: float | None
    benchmark_roas: float
    result: dict | None = None


def window_limit(b: BoostCampaign | repo.BoostKey, click_window_days: int) -> datetime:
    """The end of a boost's analysis window (``service.analyze``: its flight plus the click window)."""
    return b.boosted_at + timedelta(days=b.duration_days) + timedelta(days=click_window_days)


def _stale(session: Session, workspace_id: uuid.UUID, now: datetime, settings: str,
           boost_ids: Sequence[uuid.UUID] | None) -> list[repo.BoostKey]:
    """The boosts (all or ``boost_ids``) that started by ``now`` and whose stored result is missing or stale
    on any ground but their inputs marks (module docstring): a result of another boost row
    (``updated_at``), of other workspace settings or method (``_settings_mark``, the marks' prefix), or of
    an open window computed ``STALE_AFTER`` ago or more. One statement, in ``boosted_at`` order."""
    b, r = BoostCampaign, BoostEffectivenessResult
    q = (sa.select(*repo.BOOST_KEY_COLUMNS)
         .outerjoin(r, r.boost_campaign_id == b.id)
         .where(b.workspace_id == workspace_id, b.boosted_at <= now,
                sa.or_(r.id.is_(None), r.boost_updated_at.is_distinct_from(b.updated_at),
                       sa.not_(sa.func.coalesce(r.inputs_mark, "").like(f"{settings}|%")),
                       sa.and_(sa.not_(r.final), r.as_of <= now - STALE_AFTER))))
    if boost_ids is not None:
        q = q.where(b.id.in_(list(boost_ids)))
    return [repo.BoostKey(*row) for row in session.execute(q.order_by(b.boosted_at, b.id))]


def _stored_marks(session: Session, workspace_id: uuid.UUID,
                  boost_ids: Sequence[uuid.UUID] | None) -> dict[uuid.UUID, str | None]:
    t = BoostEffectivenessResult
    q = sa.select(t.boost_campaign_id, t.inputs_mark).where(t.workspace_id == workspace_id)
    if boost_ids is not None:
        q = q.where(t.boost_campaign_id.in_(list(boost_ids)))
    return dict(session.execute(q).all())


def _read(session: Session, workspace_id: uuid.UUID, now: datetime, with_result: bool,
          boost_ids: Sequence[uuid.UUID] | None = None) -> list[StoredResult]:
    """The stored results of the boosts (all or ``boost_ids``) that started by ``now``, in ``boosted_at``
    order."""
    cols = SCALARS + ((BoostEffectivenessResult.result,) if with_result else ())
    b = BoostCampaign
    q = (sa.select(*cols).join(b, b.id == BoostEffectivenessResult.boost_campaign_id)
         .where(BoostEffectivenessResult.workspace_id == workspace_id, b.boosted_at <= now))
    if boost_ids is not None:
        q = q.where(b.id.in_(list(boost_ids)))
    return [StoredResult(*r) for r in session.execute(q.order_by(b.boosted_at, b.id))]


def refresh(session: Session, workspace_id: uuid.UUID, *, now: datetime,
            boost_ids: Sequence[uuid.UUID] | None = None, force: bool = False, full_check: bool = False) -> int:
    """Analyse and store the results of the workspace's boosts (all or ``boost_ids``) that started by
    ``now`` and whose stored result is missing or not current (every one with ``force``). Returns how
    many were written. Does not commit. ``full_check``: read every boost's inputs marks even when no
    input was written since the last check (``input_version``; the snapshots job)."""
    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    ws = repo.workspace(session, workspace_id)
    settings = _settings_mark(ws)
    version = input_version.read(session, workspace_id)
    trusted = not (force or full_check) and version is not None and version.unchanged_since_check
    if trusted:
        # No input written since every boost's inputs were last checked: the stored marks are current.
        unsettled = _stale(session, workspace_id, now, settings, boost_ids)
        marks = _marks(session, workspace_id, unsettled, settings)
    else:
        started = [b for b in repo.boost_keys(session, workspace_id, boost_ids) if b.boosted_at <= now]
        marks = _marks(session, workspace_id, started, settings)
        if force:
            unsettled = started
        else:
            stored = _stored_marks(session, workspace_id, boost_ids)
            stale = {b.id for b in _stale(session, workspace_id, now, settings, boost_ids)}
            unsettled = [b for b in started if b.id in stale or stored.get(b.id) != marks[b.id]]
    written = lost = 0
    if unsettled:
        analyses = service.analyze(session, workspace_id, now=now, boost_ids=[b.id for b in unsettled])
        for i in range(0, len(analyses), WRITE_BATCH):
            rows = [_row(workspace_id, a.boost, service.to_out(a, ws.currency), now, ws.click_window_days,
                         marks[a.boost.id]) for a in analyses[i:i + WRITE_BATCH]]
            n = _write(session, workspace_id, rows)
            written, lost = written + n, lost + len(rows) - n
    # A concurrent writer's rows won (``_write``): they may predate an input this check saw, so the
    # check does not count as complete.
    if not trusted and boost_ids is None and not lost:
        input_version.mark_checked(session, workspace_id, version)
    return written


def _marks(session: Session, workspace_id: uuid.UUID, boosts: Sequence[repo.BoostKey], settings: str) -> dict[uuid.UUID, str]:
    """The stored form of the boosts' inputs marks: the workspace settings' mark, then the inputs'."""
    if not boosts:
        return {}
    return {k: f"{settings}|{v}" for k, v in repo.input_marks(session, workspace_id, boosts).items()}


def _settings_mark(ws) -> str:
    """The workspace settings an analysis depends on (benchmark overrides, click window) and the method's
    version, hashed: changing them makes every stored result stale."""
    raw = json.dumps([ws.benchmarks, ws.click_window_days, METHOD_VERSION], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _row(workspace_id: uuid.UUID, b: BoostCampaign, out: s.BoostEffectivenessOut, now: datetime,
         click_window_days: int, mark: str) -> dict:
    inc = out.incremental_conversions
    return {
        "id": uuid.uuid4(), "workspace_id": workspace_id, "boost_campaign_id": b.id, "as_of": now,
        "computed_at": datetime.now(UTC), "window_end": out.window.end,
        "final": window_limit(b, click_window_days) <= now, "boost_updated_at": b.updated_at,
        "inputs_mark": mark,
        "spend_cents": int(out.spend_cents), "value_cents": int(out.value_cents),
        "conversions": float(out.conversions), "incremental_conversions": inc.estimate,
        "incremental_conversions_lower": inc.lower, "incremental_conversions_upper": inc.upper,
        "incremental_value_cents": out.incremental_value_cents.estimate,
        "benchmark_cpa_cents": float(out.benchmark.cpa_cents), "score": out.score.score,
        "score_lower": out.score.lower, "score_upper": out.score.upper, "confidence": out.confidence.level,
        **ranking_columns(out), "result": out.model_dump(mode="json"),
    }


def ranking_columns(out: s.BoostEffectivenessOut) -> dict:
    """The comparison's ranking inputs of a result (``service.comparison``), stored as columns beside it:
    the same values as in ``result``."""
    cpr, roi = out.cost_per_incremental_result_cents, out.incremental_roi
    return {"platform": out.platform, "benchmark_roas": float(out.benchmark.roas),
            "cost_per_result": cpr.estimate, "cost_per_result_lower": cpr.lower, "cost_per_result_upper": cpr.upper,
            "incremental_roi": roi.estimate, "incremental_roi_lower": roi.lower, "incremental_roi_upper": roi.upper}


def replace_boost_rows(session: Session, table: sa.Table, workspace_id: uuid.UUID, rows: list[dict]) -> int:
    """Replace the rows of these boosts (``boost_campaign_id``, unique in ``table``) with ``rows``; returns how
    many were written. In a savepoint: a concurrent writer of the same boost (two reads computing a missing
    row at once) wins, and this one's rows are simply not kept (0). Used by the stored results here and
    the stored attribution splits (``boosts.split_store``)."""
    if not rows:
        return 0
    ids = [r["boost_campaign_id"] for r in rows]
    try:
        with session.begin_nested():
            session.execute(sa.delete(table).where(table.c.workspace_id == workspace_id,
                                                   table.c.boost_campaign_id.in_(ids)))
            session.execute(sa.insert(table), rows)
    except IntegrityError:
        return 0
    return len(rows)


def _write(session: Session, workspace_id: uuid.UUID, rows: list[dict]) -> int:
    """Replace the stored results of these boosts (``replace_boost_rows``)."""
    return replace_boost_rows(session, BoostEffectivenessResult.__table__, workspace_id, rows)


def current(session: Session, workspace_id: uuid.UUID, *, now: datetime, with_result: bool = False,
            boost_ids: Sequence[uuid.UUID] | None = None) -> list[StoredResult]:
    """The stored result of every boost (or of ``boost_ids``) that started by ``now``, computing the
    missing and stale ones first (``refresh``), in ``boosted_at`` order."""
    refresh(session, workspace_id, now=now, boost_ids=boost_ids)
    return _read(session, workspace_id, now, with_result, boost_ids)


@dataclass(frozen=True)
class Totals:
    """Sums over the current stored results (``totals``); the overview's inputs."""

    boosts: int  # every boost, started by ``now`` or not
    analysed: int  # those with a result (started by ``now``)
    spend_cents: int
    value_cents: int
    conversions: float
    incremental_conversions: float
    # An undefined interval end counts as the estimate (as the overview always did).
    incremental_conversions_lower: float
    incremental_conversions_upper: float
    incremental_value_cents: float
    # sum of max(incremental conversions, 0) x the benchmark CPA: the same results bought as ordinary ads
    cost_without_boosts_cents: float
    confidence: dict[str, int]


def totals(session: Session, workspace_id: uuid.UUID, *, now: datetime,
           boost_ids: Sequence[uuid.UUID] | None = None) -> Totals:
    """``current``'s results summed in the database (one statement after the refresh): the overview read
    no longer loads 1,000 rows into Python to add them up."""
    refresh(session, workspace_id, now=now, boost_ids=boost_ids)
    r, b = BoostEffectivenessResult, BoostCampaign
    inc = sa.func.coalesce(r.incremental_conversions, 0.0)

    def total(x):  # noqa: ANN001, ANN202
        return sa.func.coalesce(sa.func.sum(x), 0)

    levels = ("LOW", "MEDIUM", "HIGH")
    every = sa.select(sa.func.count()).select_from(b).where(b.workspace_id == workspace_id)
    q = (sa.select(sa.func.count(r.id), total(r.spend_cents), total(r.value_cents), total(r.conversions), total(inc),
                   total(sa.func.coalesce(r.incremental_conversions_lower, inc)),
                   total(sa.func.coalesce(r.incremental_conversions_upper, inc)),
                   total(sa.func.coalesce(r.incremental_value_cents, 0.0)),
                   total(sa.case((inc > 0, inc * r.benchmark_cpa_cents), else_=0.0)),
                   *(total(sa.case((r.confidence == level, 1), else_=0)) for level in levels))
         .join(b, b.id == r.boost_campaign_id)
         .where(r.workspace_id == workspace_id, b.boosted_at <= now))
    if boost_ids is not None:
        q = q.where(b.id.in_(list(boost_ids)))
        every = every.where(b.id.in_(list(boost_ids)))
    row = session.execute(q.add_columns(every.scalar_subquery())).one()
    n, spend, value, conv, inc_sum, lo, hi, inc_val, without, *counts, boosts = row
    return Totals(boosts=int(boosts), analysed=int(n), spend_cents=int(spend), value_cents=int(value),
                  conversions=float(conv), incremental_conversions=float(inc_sum),
                  incremental_conversions_lower=float(lo), incremental_conversions_upper=float(hi),
                  incremental_value_cents=float(inc_val), cost_without_boosts_cents=float(without),
                  confidence={level: int(c) for level, c in zip(levels, counts, strict=True)})
