"""Privacy endpoints (ADMIN): erase every event of one person; opt a person out of later ingest."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from boostloop.server.api.deps import CanAdmin, DbSession
from boostloop.server.api.problems import problem_responses
from boostloop.server.privacy import service

router = APIRouter(prefix="/api/v1/workspaces/{workspace_id}/privacy", tags=["privacy"],
                   responses=problem_responses(401, 403, 404, 422, 429))


class PersonIn(BaseModel):
    user_id: str = Field(min_length=1, max_length=service.MAX_USER_ID,
                         description="the person's id as your events carry it (hashed here with the workspace key)",
                         examples=["customer-8812"])


class EraseOut(BaseModel):
    user_id_hash: str
    events_deleted: int


class OptOutOut(BaseModel):
    user_id_hash: str
    created: bool


@router.post("/erasures", response_model=EraseOut, summary="Erase every event of one person (ADMIN)")
def erase(body: PersonIn, access: CanAdmin, session: DbSession, request: Request) -> EraseOut:
    r = service.erase_person(session, access.workspace, body.user_id)
    if r.events_deleted:
        request.app.state.cache.invalidate_workspace(access.workspace_id)
    return EraseOut(user_id_hash=r.user_id_hash, events_deleted=r.events_deleted)


@router.post("/opt-outs", response_model=OptOutOut,
             summary="Opt a person out: their later events are dropped at ingest (ADMIN; idempotent)")
def opt_out(body: PersonIn, access: CanAdmin, session: DbSession) -> OptOutOut:
    r = service.opt_out(session, access.workspace, body.user_id)
    return OptOutOut(user_id_hash=r.user_id_hash, created=r.created)
