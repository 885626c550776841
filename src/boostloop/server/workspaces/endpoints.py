"""Workspaces (list, create, read, settings, delete) and their members."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from boostloop.enums import Role
from boostloop.server.api.deps import CanAdmin, CanRead, CurrentPrincipal, DbSession, IsOwner
from boostloop.server.api.problems import problem_responses
from boostloop.server.workspaces import service
from boostloop.server.workspaces.schemas import (
    MemberAdd,
    MemberOut,
    MemberUpdate,
    WorkspaceCreate,
    WorkspaceOut,
    WorkspaceUpdate,
)

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"],
                   responses=problem_responses(401, 404, 422, 429))


def _out(ws, role) -> WorkspaceOut:
    return WorkspaceOut.model_validate(ws).model_copy(update={"role": role})


def _member(m, u) -> MemberOut:
    return MemberOut(user_id=u.id, email=u.email, name=u.name, role=m.role, joined_at=m.created_at)


@router.get("", response_model=list[WorkspaceOut], summary="Workspaces the caller is a member of")
def list_workspaces(session: DbSession, principal: CurrentPrincipal) -> list[WorkspaceOut]:
    rows = service.list_for_user(session, principal.user.id)
    if principal.token_workspace_id is not None:
        rows = [(w, r) for w, r in rows if w.id == principal.token_workspace_id]
    return [_out(w, r) for w, r in rows]


@router.post("", response_model=WorkspaceOut, status_code=status.HTTP_201_CREATED,
             summary="Create a workspace; the caller becomes its OWNER", responses=problem_responses(409))
def create_workspace(body: WorkspaceCreate, session: DbSession, principal: CurrentPrincipal) -> WorkspaceOut:
    from boostloop.server.api.problems import ApiProblem

    if principal.token_workspace_id is not None:
        raise ApiProblem(403, "a token limited to one workspace cannot create workspaces")
    ws = service.create_workspace_for(session, principal.user, **body.model_dump())
    return _out(ws, Role.OWNER)


@router.get("/{workspace_id}", response_model=WorkspaceOut, summary="A workspace and its settings",
            responses=problem_responses(403))
def get_workspace(access: CanRead) -> WorkspaceOut:
    return _out(access.workspace, access.role)


@router.patch("/{workspace_id}", response_model=WorkspaceOut, summary="Change settings (ADMIN)",
              responses=problem_responses(403))
def update_workspace(body: WorkspaceUpdate, access: CanAdmin, session: DbSession) -> WorkspaceOut:
    ws = service.update_settings(session, access.workspace, body.model_dump(exclude_unset=True))
    return _out(ws, access.role)


@router.delete("/{workspace_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete the workspace and all its data (OWNER)", responses=problem_responses(403))
def delete_workspace(access: IsOwner, session: DbSession) -> Response:
    service.delete_workspace(session, access.workspace)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{workspace_id}/members", response_model=list[MemberOut], summary="Members and their roles",
            responses=problem_responses(403))
def list_members(access: CanRead, session: DbSession) -> list[MemberOut]:
    return [_member(m, u) for m, u in service.list_members(session, access.workspace_id)]


@router.post("/{workspace_id}/members", response_model=MemberOut, status_code=status.HTTP_201_CREATED,
             summary="Add an existing user (ADMIN; only an OWNER grants OWNER)",
             responses=problem_responses(403, 409))
def add_member(body: MemberAdd, access: CanAdmin, session: DbSession) -> MemberOut:
    m = service.add_member_by_email(session, access.workspace, access.role, body.email, body.role)
    _, u = service.get_member(session, access.workspace_id, m.user_id)
    return _member(m, u)


@router.patch("/{workspace_id}/members/{user_id}", response_model=MemberOut,
              summary="Change a member's role (ADMIN; OWNER changes involve an OWNER)",
              responses=problem_responses(403, 409))
def change_member_role(user_id: uuid.UUID, body: MemberUpdate, access: CanAdmin, session: DbSession) -> MemberOut:
    m = service.change_role(session, access.workspace_id, access.role, user_id, body.role)
    _, u = service.get_member(session, access.workspace_id, user_id)
    return _member(m, u)


@router.delete("/{workspace_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a member (ADMIN); their tokens stop working on this workspace",
               responses=problem_responses(403, 409))
def remove_member(user_id: uuid.UUID, access: CanAdmin, session: DbSession) -> Response:
    service.remove_member(session, access.workspace_id, access.role, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
