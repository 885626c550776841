"""Attribution endpoints: the report (credit by channel under each model, with bootstrap intervals, and the
top converting paths), the top paths alone, and one boost's organic / paid / overlap split. Reads (VIEWER),
cached per workspace (5 minutes; new events invalidate)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime

from boostloop.analytics.attribution import MODELS
from boostloop.analytics.attribution.models import DEFAULT_LEVEL, DEFAULT_N_BOOT
from boostloop.server.api.deps import CanRead, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.attribution import service
from boostloop.server.attribution.schemas import AttributionReport, BoostSplit, TopPathOut
from boostloop.server.cache import EFFECTIVENESS_TTL

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/attribution", tags=["attribution"],
                   responses=problem_responses(401, 403, 404, 422, 429))

Model = Literal[MODELS]  # type: ignore[valid-type]
Channel = Literal["touchpoint_type", "platform", "boost"]
# The report's cost grows with the replicates: 1,000 bootstrap replicates bound one request's work while
# giving stable 90-99 % intervals (Efron & Tibshirani 1993, ch. 13: ~1,000 for percentile intervals).
MAX_N_BOOT = 1000
ATTRIBUTION_TTL = EFFECTIVENESS_TTL  # the same freshness as effectiveness: both move with every new event


@router.get("/report", response_model=AttributionReport,
            summary="Credit by channel under every model (or the `model`s asked for), with intervals and top paths")
def report(
    access: CanRead, session: DbSession, request: Request,
    model: Annotated[list[Model] | None, Query(description=f"any of {', '.join(MODELS)}; default all")] = None,
    channel: Channel | None = Query(None, description="default: the workspace's setting"),
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    order: Annotated[int, Query(ge=1, le=4, description="Markov chain order")] = 1,
    n_boot: Annotated[int, Query(ge=0, le=MAX_N_BOOT)] = DEFAULT_N_BOOT,
    seed: Annotated[int, Query(ge=0, lt=2**32)] = 0,
    level: Annotated[float, Query(gt=0.5, lt=1.0)] = DEFAULT_LEVEL,
    top_n: Annotated[int, Query(ge=1, le=100)] = 10,
) -> AttributionReport:
    models = list(dict.fromkeys(model)) if model else None
    params = {"models": models, "channel": channel, "since": since, "until": until, "order": order,
              "n_boot": n_boot, "seed": seed, "level": level, "top_n": top_n}

    def compute() -> dict:
        return service.attribution_report(
            session, access.workspace, models=models, channel=channel, since=since, until=until, order=order,
            n_boot=n_boot, seed=seed, level=level, top_n=top_n,
        ).model_dump(mode="json")

    return AttributionReport.model_validate(
        request.app.state.cache.get_or_set(access.workspace_id, "attribution", params, ATTRIBUTION_TTL, compute))


@router.get("/paths", response_model=list[TopPathOut], summary="The top converting channel paths")
def paths(
    access: CanRead, session: DbSession,
    n: Annotated[int, Query(ge=1, le=100)] = 10,
    channel: Channel | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> list[TopPathOut]:
    return service.top_conversion_paths(session, access.workspace, n=n, channel=channel, since=since, until=until)


@router.get("/boosts/{boost_id}", response_model=BoostSplit,
            summary="One boost's conversions split organic only / paid only / both (and unknown)")
def boost_split(boost_id: uuid.UUID, access: CanRead, session: DbSession,
                until: AwareDatetime | None = None) -> BoostSplit:
    return service.boost_split(session, access.workspace, boost_id, until=until)
