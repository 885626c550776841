"""Boost endpoints: list (filters, sorts, cursor pages), create (MEMBER), detail, status change (MEMBER),
link a campaign (MEMBER). Thin: every rule lives in ``boosts.service``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, TypeAdapter

from boostloop.enums import BoostStatus, Platform
from boostloop.server.api.cached import cached_json
from boostloop.server.api.deps import CanRead, CanWrite, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.attribution.schemas import BoostSplit
from boostloop.server.boosts import service, split_store
from boostloop.server.boosts.schemas import (
    BoostCampaignLink,
    BoostCreate,
    BoostListItem,
    BoostOut,
    BoostPageOut,
    BoostStatusChange,
    SnapshotOut,
)
from boostloop.server.cache import EFFECTIVENESS_TTL

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/boosts", tags=["boosts"],
                   responses=problem_responses(401, 403, 404, 422, 429))

# The API's sort names (camelCase, PLAN.md) and the service's keys; snake_case is accepted too.
SORTS = {"boostedAt": "boosted_at", "costPerResult": "cost_per_result", "roi": "roi", "lift": "lift",
         "boosted_at": "boosted_at", "cost_per_result": "cost_per_result"}
SortParam = Literal["boostedAt", "costPerResult", "roi", "lift", "boosted_at", "cost_per_result"]

# The list and the detail are cached like the effectiveness figures they show (5 minutes); creating a boost,
# changing its status or campaign, new events and every snapshot round invalidate the workspace's answers
# (``cache.invalidate_workspace``; across processes only with the Redis cache). Uncached, they were the two
# reads that held the 16-client benchmark's one process (13.5 / 10.6 ms of server CPU each, against 0.7 ms
# for a cached answer: benchmarks/RESULTS.md "api (dashboard reads at 1,000 boosts / 10M events)").
# The detail's attribution split is the one the snapshots job stored (``split_store``; computed here only
# when missing or stale: it reads every event of the people who touched the boost, 0.4-1.2 s per boost at
# 9.3M events).
BOOSTS_TTL = EFFECTIVENESS_TTL
SNAPSHOT_LIST = TypeAdapter(list[SnapshotOut])


class BoostDetailOut(BaseModel):
    boost: BoostOut
    snapshots: list[SnapshotOut]
    latest_snapshot: SnapshotOut | None
    attribution_split: BoostSplit = Field(description="the attribution service's split of the boost's "
                                          "conversions so far (organic only / paid only / both / unknown), as "
                                          "stored by the hourly snapshots job and recomputed when its inputs "
                                          "change (at most 2 hours old while the boost's window is open)")

    model_config = {"json_schema_extra": {"examples": [{
        "boost": {"id": "0b0d8f5e-3c8e-4c55-9a53-2b6f7a1f5c11", "status": "ACTIVE"},
        "snapshots": [], "latest_snapshot": None,
        "attribution_split": {"boost_id": "0b0d8f5e-3c8e-4c55-9a53-2b6f7a1f5c11", "until": None,
                              "organic_conversions": 3, "paid_conversions": 5, "overlap_conversions": 2,
                              "unknown_conversions": 0, "organic_value_cents": 9000, "paid_value_cents": 15000,
                              "overlap_value_cents": 6000, "unknown_value_cents": 0}}]}}


def _out(boost) -> BoostOut:
    return BoostOut.model_validate(boost)


@router.get("", response_model=BoostPageOut, summary="The workspace's boosts (filters, sort, cursor pages)")
def list_boosts(
    access: CanRead, session: DbSession, request: Request,
    status: Annotated[list[BoostStatus] | None, Query()] = None,
    platform: Annotated[list[Platform] | None, Query()] = None,
    strategy: Annotated[list[Annotated[str, Query(max_length=64)]] | None, Query()] = None,
    boosted_from: Annotated[AwareDatetime | None, Query(description="inclusive")] = None,
    boosted_to: Annotated[AwareDatetime | None, Query(description="exclusive")] = None,
    sort: SortParam = "boostedAt",
    descending: bool | None = Query(None, description="default: newest, cheapest, best ROI / lift first"),
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> BoostPageOut:
    def compute() -> BoostPageOut:
        page = service.list_boosts(
            session, access.workspace_id, statuses=status, platforms=platform, strategies=strategy,
            boosted_from=boosted_from, boosted_to=boosted_to, sort=SORTS[sort], descending=descending,
            cursor=cursor, limit=limit,
        )
        return BoostPageOut(
            items=[BoostListItem(boost=_out(e.boost), latest_snapshot=SnapshotOut.model_validate(e.latest_snapshot)
                                 if e.latest_snapshot else None)
                   for e in page.items],
            next_cursor=page.next_cursor,
        )

    params = {"status": status, "platform": platform, "strategy": strategy, "from": boosted_from,
              "to": boosted_to, "sort": SORTS[sort], "descending": descending, "cursor": cursor, "limit": limit}
    return cached_json(request, access.workspace_id, "boosts.list", params, BOOSTS_TTL, BoostPageOut, compute)


@router.post("", response_model=BoostOut, status_code=201, responses=problem_responses(409),
             summary="Record a boost (MEMBER); captures the post's pre-boost organic metrics")
def create_boost(body: BoostCreate, access: CanWrite, session: DbSession, request: Request) -> BoostOut:
    boost = service.create_boost(
        session, access.workspace_id, post_id=body.post_id, campaign_id=body.campaign_id,
        boosted_at=body.boosted_at, boosted_by=body.boosted_by, boosted_by_user_id=body.boosted_by_user_id,
        reason=body.reason, strategy=body.strategy, targeting=body.targeting, budget_cents=body.budget_cents,
        duration_days=body.duration_days, source=body.source, cadence_hours=body.cadence_hours,
    )
    request.app.state.cache.invalidate_workspace(access.workspace_id)
    return _out(boost)


@router.get("/{boost_id}", response_model=BoostDetailOut,
            summary="A boost with its snapshots, latest metrics and attribution split")
def get_boost(boost_id: uuid.UUID, access: CanRead, session: DbSession, request: Request) -> BoostDetailOut:
    def compute() -> BoostDetailOut:
        # 404: raised, nothing cached
        boost, rows = service.boost_with_snapshots(session, access.workspace_id, boost_id)
        snaps = SNAPSHOT_LIST.validate_python(rows, from_attributes=True)  # one call for the ~200 rows
        split = split_store.current(session, access.workspace, boost_id, now=datetime.now(UTC))
        return BoostDetailOut(boost=_out(boost), snapshots=snaps, latest_snapshot=snaps[-1] if snaps else None,
                              attribution_split=split)

    return cached_json(request, access.workspace_id, "boosts.detail", str(boost_id), BOOSTS_TTL, BoostDetailOut,
                       compute)


@router.post("/{boost_id}/status", response_model=BoostOut, responses=problem_responses(409),
             summary="Change a boost's status (MEMBER); only valid transitions, else 409")
def change_status(boost_id: uuid.UUID, body: BoostStatusChange, access: CanWrite, session: DbSession,
                  request: Request) -> BoostOut:
    boost = service.change_status(session, access.workspace_id, boost_id, body.status, at=body.at)
    request.app.state.cache.invalidate_workspace(access.workspace_id)
    return _out(boost)


@router.put("/{boost_id}/campaign", response_model=BoostOut, responses=problem_responses(409),
            summary="Link the paid campaign of a boost recorded without one (MEMBER)")
def link_campaign(boost_id: uuid.UUID, body: BoostCampaignLink, access: CanWrite, session: DbSession,
                  request: Request) -> BoostOut:
    boost = service.link_campaign(session, access.workspace_id, boost_id, body.campaign_id)
    request.app.state.cache.invalidate_workspace(access.workspace_id)
    return _out(boost)
