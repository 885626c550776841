"""Use cases of boost tracking. Services never commit: the caller's ``session_scope`` does.

A boost records who promoted which organic post through which paid campaign, when, why, with what
budget, duration and targeting, and the post's own organic metrics at that moment (the pre-boost
snapshot against which everything after is compared).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from boostloop.analytics.snapshot_metrics import chord_estimate
from boostloop.enums import BoostSource, BoostStatus, Platform
from boostloop.errors import Conflict, FieldError, InvalidInput, NotFound
from boostloop.server.boosts import repository as repo
from boostloop.server.boosts.schedule import TERMINAL, TRANSITIONS, transition_allowed
from boostloop.server.db.models import BoostCampaign, BoostPerformanceSnapshot, OrganicPostMetric, SocialPost

MAX_DURATION_DAYS = 365  # platforms cap a single ad set's schedule well below this; a year is a typo guard
MAX_CADENCE_HOURS = 168  # one snapshot a week at least, or a boost's trajectory has no shape
MAX_PAGE = 200

# Default direction per sort key: newest first; cheapest result first; best ROI and lift first.
DEFAULT_DESCENDING = {"boosted_at": True, "cost_per_result": False, "roi": True, "lift": True}

_METRIC_FIELDS = ("impressions", "engagements", "reach", "likes", "comments", "shares", "clicks", "video_views")


def _aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def capture_organic_metrics(session: Session, workspace_id: uuid.UUID, post: SocialPost, at: datetime) -> dict:
    """The post's own lifetime organic metrics at ``at`` (never the account's totals).

    - Observed: the latest ``OrganicPostMetric`` of this post captured at or before ``at``
      (``estimated: false``, ``captured_at`` says how old it is).
    - Else estimated from the earliest observation after ``at`` by linear interpolation from publication
      (``analytics.snapshot_metrics.chord_estimate``: a lower bound for a decaying post),
      ``estimated: true, estimate_method: "chord_from_publication"``.
    - Else (no observation at all) zeros, ``estimated: true, estimate_method: "no_history"``.
    """

    observed = repo.latest_organic_metric_at_or_before(session, workspace_id, post.id, at)
    if observed is not None:
        return _metric_dict(observed) | {"estimated": False, "estimate_method": None}
    later = repo.earliest_organic_metric_after(session, workspace_id, post.id, at)
    if later is None:
        return {name: 0 for name in _METRIC_FIELDS} | {
            "total_reach": None, "captured_at": None, "estimated": True, "estimate_method": "no_history",
        }
    out: dict[str, Any] = {}
    fraction = 0.0
    for name in _METRIC_FIELDS:
        est = chord_estimate(
            later_value=getattr(later, name), published_at=post.published_at, later_at=later.captured_at, at=at
        )
        out[name] = est.value
        fraction = est.fraction
    return out | {
        # the combined organic+paid reach after a boost started says nothing about the time before it
        "total_reach": None,
        "captured_at": None,
        "estimated": True,
        "estimate_method": "chord_from_publication",
        "estimated_from": {"captured_at": later.captured_at.isoformat(), "fraction": round(fraction, 6)},
    }


def _metric_dict(m: OrganicPostMetric) -> dict:
    return {name: int(getattr(m, name)) for name in _METRIC_FIELDS} | {
        "total_reach": None if m.total_reach is None else int(m.total_reach),
        "captured_at": m.captured_at.isoformat(),
    }


def create_boost(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    post_id: uuid.UUID,
    campaign_id: uuid.UUID | None = None,
    boosted_at: datetime,
    boosted_by: str,
    boosted_by_user_id: uuid.UUID | None = None,
    reason: str,
    strategy: str,
    targeting: dict | None,
    budget_cents: int,
    duration_days: int,
    source: BoostSource = BoostSource.MANUAL,
    cadence_hours: int = 1,
) -> BoostCampaign:
    """Record a boost of ``post_id`` (optionally through ``campaign_id``) and capture the post's own
    organic metrics at ``boosted_at`` (see :func:`capture_organic_metrics`).

    ``boosted_by`` is the user's id (or name) or ``models.RECOMMENDER`` for an applied recommendation.
    Refused with ``InvalidInput`` (every bad field listed): a naive or pre-publication ``boosted_at``,
    empty ``boosted_by``/``strategy``, negative budget, ``duration_days`` outside 1..365,
    ``cadence_hours`` outside 1..168, a campaign on another platform, a ``boosted_by_user_id`` who is not
    a member. ``NotFound`` for a post or campaign of another workspace; ``Conflict`` when the campaign
    already backs another ACTIVE or PAUSED boost (its spend would count twice).
    """

    errors: list[FieldError] = []
    if not _aware(boosted_at):
        errors.append(FieldError(("boosted_at",), "must be a timezone-aware datetime"))
    if not isinstance(boosted_by, str) or not boosted_by.strip() or len(boosted_by) > 64:
        errors.append(FieldError(("boosted_by",), "1-64 characters"))
    if not isinstance(strategy, str) or not strategy.strip() or len(strategy) > 64:
        errors.append(FieldError(("strategy",), "1-64 characters"))
    if not isinstance(reason, str):
        errors.append(FieldError(("reason",), "must be text"))
    if targeting is not None and not isinstance(targeting, dict):
        errors.append(FieldError(("targeting",), "must be an object or null"))
    if isinstance(budget_cents, bool) or not isinstance(budget_cents, int) or budget_cents < 0:
        errors.append(FieldError(("budget_cents",), "must be an integer >= 0 (cents)", budget_cents))
    if isinstance(duration_days, bool) or not isinstance(duration_days, int) or not (
        1 <= duration_days <= MAX_DURATION_DAYS
    ):
        errors.append(FieldError(("duration_days",), f"must be an integer in 1..{MAX_DURATION_DAYS}", duration_days))
    if isinstance(cadence_hours, bool) or not isinstance(cadence_hours, int) or not (
        1 <= cadence_hours <= MAX_CADENCE_HOURS
    ):
        errors.append(FieldError(("cadence_hours",), f"must be an integer in 1..{MAX_CADENCE_HOURS}", cadence_hours))
    try:
        source = BoostSource(source)
    except ValueError:
        errors.append(FieldError(("source",), f"one of {[s.value for s in BoostSource]}", source))

    post = repo.get_post(session, workspace_id, post_id)
    if post is None:
        raise NotFound(f"post {post_id} not found")
    if _aware(boosted_at) and boosted_at < post.published_at:
        errors.append(FieldError(("boosted_at",), f"before the post was published ({post.published_at.isoformat()})"))
    if campaign_id is not None:
        campaign = repo.get_campaign(session, workspace_id, campaign_id)
        if campaign is None:
            raise NotFound(f"campaign {campaign_id} not found")
        if campaign.platform != post.platform:
            errors.append(
                FieldError(("campaign_id",), f"campaign is on {campaign.platform.value}, the post on {post.platform.value}")
            )
    if boosted_by_user_id is not None and not repo.is_member(session, workspace_id, boosted_by_user_id):
        errors.append(FieldError(("boosted_by_user_id",), "not a member of this workspace"))
    if errors:
        raise InvalidInput(errors=errors, summary="Invalid boost")
    if campaign_id is not None:
        other = repo.running_boost_on_campaign(session, workspace_id, campaign_id)
        if other is not None:
            raise Conflict(f"campaign {campaign_id} already backs running boost {other}")

    boost = BoostCampaign(
        workspace_id=workspace_id,
        original_post_id=post.id,
        campaign_id=campaign_id,
        platform=post.platform,
        boosted_at=boosted_at.astimezone(UTC),
        boosted_by=boosted_by.strip(),
        boosted_by_user_id=boosted_by_user_id,
        boost_reason=reason,
        boost_strategy=strategy.strip(),
        source=source,
        organic_metrics=capture_organic_metrics(session, workspace_id, post, boosted_at),
        targeting_criteria=targeting,
        initial_budget_cents=budget_cents,
        duration_days=duration_days,
        snapshot_cadence_hours=cadence_hours,
        status=BoostStatus.ACTIVE,
    )
    session.add(boost)
    session.flush()
    return boost


def get_boost(session: Session, workspace_id: uuid.UUID, boost_id: uuid.UUID) -> BoostCampaign:
    """The boost, or ``NotFound`` (also for another workspace's boost)."""

    boost = repo.get_boost(session, workspace_id, boost_id)
    if boost is None:
        raise NotFound(f"boost {boost_id} not found")
    return boost


def change_status(
    session: Session, workspace_id: uuid.UUID, boost_id: uuid.UUID, status: BoostStatus, *, at: datetime | None = None
) -> BoostCampaign:
    """Move a boost along ``schedule.TRANSITIONS``:

    ========== ==========================================
    from       allowed to
    ========== ==========================================
    ACTIVE     PAUSED, COMPLETED, CANCELLED
    PAUSED     ACTIVE, COMPLETED, CANCELLED
    COMPLETED  (terminal)
    CANCELLED  (terminal)
    ========== ==========================================

    The same status again is a no-op. Anything else is a ``Conflict``. COMPLETED and CANCELLED set
    ``ended_at = at`` (default: now, or ``boosted_at`` for a boost scheduled later that never started);
    an explicit ``at`` before ``boosted_at`` is refused. The next snapshot collection records a closing
    snapshot at ``ended_at`` (none when it equals ``boosted_at``: nothing was delivered).
    """

    try:
        status = BoostStatus(status)
    except ValueError:
        raise InvalidInput(errors=[FieldError(("status",), f"one of {[s.value for s in BoostStatus]}", status)]) from None
    boost = get_boost(session, workspace_id, boost_id)
    if boost.status == status:
        return boost
    if not transition_allowed(boost.status, status):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[boost.status])) or "nothing (terminal)"
        raise Conflict(f"boost {boost_id} is {boost.status.value}: it can move to {allowed}, not {status.value}")
    if status in TERMINAL:
        if at is None:
            # now; a boost scheduled for later and ended before it started ends at its start (no delivery)
            at = max(datetime.now(UTC), boost.boosted_at)
        if not _aware(at):
            raise InvalidInput(errors=[FieldError(("at",), "must be a timezone-aware datetime")])
        if at < boost.boosted_at:
            raise InvalidInput(errors=[FieldError(("at",), "before the boost started")])
        boost.ended_at = at.astimezone(UTC)
    boost.status = status
    session.flush()
    return boost


def link_campaign(
    session: Session, workspace_id: uuid.UUID, boost_id: uuid.UUID, campaign_id: uuid.UUID
) -> BoostCampaign:
    """Link the paid campaign of a boost recorded without one.

    ``NotFound`` for a boost or campaign of another workspace; ``InvalidInput`` for a campaign on another
    platform; ``Conflict`` when the boost already has a different campaign, or the campaign already backs
    another ACTIVE or PAUSED boost. Linking the campaign it already has is a no-op.
    """

    boost = get_boost(session, workspace_id, boost_id)
    campaign = repo.get_campaign(session, workspace_id, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} not found")
    if boost.campaign_id == campaign_id:
        return boost
    if boost.campaign_id is not None:
        raise Conflict(f"boost {boost_id} is already linked to campaign {boost.campaign_id}")
    if campaign.platform != boost.platform:
        raise InvalidInput(
            errors=[FieldError(("campaign_id",), f"campaign is on {campaign.platform.value}, the boost on {boost.platform.value}")]
        )
    other = repo.running_boost_on_campaign(session, workspace_id, campaign_id, other_than=boost_id)
    if other is not None:
        raise Conflict(f"campaign {campaign_id} already backs running boost {other}")
    boost.campaign_id = campaign_id
    session.flush()
    return boost


def list_snapshots(
    session: Session,
    workspace_id: uuid.UUID,
    boost_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[BoostPerformanceSnapshot]:
    """A boost's snapshots in time order (``NotFound`` for another workspace's boost)."""

    return boost_with_snapshots(session, workspace_id, boost_id, since=since, until=until)[1]


def boost_with_snapshots(
    session: Session,
    workspace_id: uuid.UUID,
    boost_id: uuid.UUID,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[BoostCampaign, list[BoostPerformanceSnapshot]]:
    """The boost (``NotFound`` for another workspace's boost) and its snapshots in time order: one lookup of
    the boost for the detail views, which need both."""

    boost = get_boost(session, workspace_id, boost_id)
    return boost, repo.list_snapshots(session, workspace_id, boost_id, since=since, until=until)


# ---------------------------------------------------------------------------------------------- list


@dataclass(frozen=True)
class BoostListEntry:
    boost: BoostCampaign
    latest_snapshot: BoostPerformanceSnapshot | None


@dataclass(frozen=True)
class BoostPage:
    items: list[BoostListEntry]
    next_cursor: str | None


def _encode_cursor(sort: str, descending: bool, key: Any, boost_id: uuid.UUID) -> str:
    if isinstance(key, datetime):
        key = {"t": key.astimezone(UTC).isoformat()}
    payload = {"s": sort, "d": descending, "k": key, "id": str(boost_id)}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str, descending: bool) -> tuple[Any, uuid.UUID]:
    bad = InvalidInput(errors=[FieldError(("cursor",), "not a cursor of this listing")])
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        key, boost_id = payload["k"], uuid.UUID(payload["id"])
        if payload["s"] != sort or payload["d"] != descending:
            raise bad
        if isinstance(key, dict):
            key = datetime.fromisoformat(key["t"])
        elif key is not None and not isinstance(key, (int, float)):
            raise bad
        if sort == "boosted_at" and not isinstance(key, datetime):
            raise bad
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise bad from None
    return key, boost_id


def _enum_tuple(values: Iterable[Any] | None, enum_cls: type, field: str, errors: list[FieldError]) -> tuple:
    out = []
    for i, value in enumerate(values or ()):
        try:
            out.append(enum_cls(value))
        except ValueError:
            errors.append(FieldError((field, i), f"one of {[m.value for m in enum_cls]}", value))
    return tuple(out)


def list_boosts(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    statuses: Iterable[BoostStatus | str] | None = None,
    platforms: Iterable[Platform | str] | None = None,
    strategies: Iterable[str] | None = None,
    boosted_from: datetime | None = None,
    boosted_to: datetime | None = None,
    sort: str = "boosted_at",
    descending: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> BoostPage:
    """A page of the workspace's boosts, each with its latest snapshot.

    Filters combine with AND (each list with OR); ``boosted_from`` is inclusive, ``boosted_to``
    exclusive. ``sort`` is ``boosted_at``, ``cost_per_result``, ``roi`` (total ROI) or ``lift`` (reach
    lift: incremental / organic reach), the last three from the latest snapshot; boosts without a value
    come last in either direction, ties broken by id. Keyset pagination: pass back ``next_cursor``
    (opaque, bound to the sort and direction; rows inserted meanwhile do not shift pages).
    """

    errors: list[FieldError] = []
    if sort not in repo.SORT_KEYS:
        errors.append(FieldError(("sort",), f"one of {list(repo.SORT_KEYS)}", sort))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        errors.append(FieldError(("limit",), f"an integer in 1..{MAX_PAGE}", limit))
    for name, value in (("boosted_from", boosted_from), ("boosted_to", boosted_to)):
        if value is not None and not _aware(value):
            errors.append(FieldError((name,), "must be a timezone-aware datetime"))
    filters = repo.BoostFilters(
        statuses=_enum_tuple(statuses, BoostStatus, "status", errors),
        platforms=_enum_tuple(platforms, Platform, "platform", errors),
        strategies=tuple(strategies or ()),
        boosted_from=boosted_from,
        boosted_to=boosted_to,
    )
    if errors:
        raise InvalidInput(errors=errors, summary="Invalid boost listing")
    desc = DEFAULT_DESCENDING[sort] if descending is None else bool(descending)
    after_key, after_id = _decode_cursor(cursor, sort, desc) if cursor else (None, None)
    rows = repo.list_boosts(
        session, workspace_id, filters, sort=sort, descending=desc, after_key=after_key, after_id=after_id,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(sort, desc, rows[-1][2], rows[-1][0].id) if more else None
    return BoostPage([BoostListEntry(b, s) for b, s, _ in rows], next_cursor)
