"""Notification settings (ADMIN manages, VIEWER reads without secrets) and the delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from boostloop.server.api.deps import CanAdmin, CanRead, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.notifications import service
from boostloop.server.notifications.schemas import (
    ChannelCreate,
    ChannelCreated,
    ChannelOut,
    ChannelUpdate,
    DeliveryOut,
)

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/notifications", tags=["notifications"],
                   responses=problem_responses(401, 403, 404, 422, 429))


@router.get("/channels", response_model=list[ChannelOut], summary="Webhooks and e-mail lists")
def list_channels(access: CanRead, session: DbSession) -> list[ChannelOut]:
    return [ChannelOut.model_validate(c) for c in service.list_channels(session, access.workspace_id)]


@router.post("/channels", response_model=ChannelCreated, status_code=status.HTTP_201_CREATED,
             summary="Add a webhook or e-mail list (ADMIN); a webhook's signing secret is shown once")
def create_channel(body: ChannelCreate, access: CanAdmin, session: DbSession) -> ChannelCreated:
    ch = service.create_channel(session, access.workspace_id, **body.model_dump())
    return ChannelCreated(**ChannelOut.model_validate(ch).model_dump(), secret=ch.secret)


@router.patch("/channels/{channel_id}", response_model=ChannelOut, summary="Change a channel (ADMIN)")
def update_channel(channel_id: uuid.UUID, body: ChannelUpdate, access: CanAdmin, session: DbSession) -> ChannelOut:
    ch = service.update_channel(session, access.workspace_id, channel_id, body.model_dump(exclude_unset=True))
    return ChannelOut.model_validate(ch)


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a channel and its delivery log (ADMIN)")
def delete_channel(channel_id: uuid.UUID, access: CanAdmin, session: DbSession) -> Response:
    service.delete_channel(session, access.workspace_id, channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/deliveries", response_model=list[DeliveryOut], summary="Delivery log, newest first")
def list_deliveries(
    access: CanRead, session: DbSession,
    status_: Annotated[Literal["PENDING", "DELIVERED", "FAILED"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    return [DeliveryOut.model_validate(d)
            for d in service.list_deliveries(session, access.workspace_id, status=status_, limit=limit)]
