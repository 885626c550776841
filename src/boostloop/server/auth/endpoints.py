"""Login/logout for the dashboard, the caller's account, and the caller's API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from boostloop.server.api.deps import CurrentPrincipal, DbSession, enforce_rate_limit
from boostloop.server.api.problems import ApiProblem, problem_responses
from boostloop.server.auth import service, sessions
from boostloop.server.auth.schemas import LoginIn, LoginOut, TokenCreate, TokenCreated, TokenOut, UserOut

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=problem_responses(401, 422, 429))


@router.post("/auth/login", response_model=LoginOut, openapi_extra={"security": []}, summary="Start a dashboard session (sets cookies)")
def login(body: LoginIn, request: Request, response: Response, session: DbSession) -> LoginOut:
    enforce_rate_limit(request, "login", {"ip": request.client.host if request.client else "unknown"})
    user = service.authenticate(session, body.email, body.password)
    if user is None:
        raise ApiProblem(401, "wrong e-mail or password")
    settings = request.app.state.settings
    cookie, data = sessions.new_session_cookie(settings.secret_key, user.id)
    csrf = sessions.csrf_token(settings.secret_key, data.sid)
    common = {"max_age": settings.session_max_age_seconds, "secure": settings.cookie_secure, "samesite": "lax",
              "path": "/"}
    response.set_cookie(sessions.SESSION_COOKIE, cookie, httponly=True, **common)
    response.set_cookie(sessions.CSRF_COOKIE, csrf, httponly=False, **common)
    return LoginOut(user_id=user.id, email=user.email, csrf_token=csrf)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the dashboard session")
def logout(principal: CurrentPrincipal) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    response.delete_cookie(sessions.CSRF_COOKIE, path="/")
    return response


@router.get("/me", response_model=UserOut, summary="The authenticated user")
def me(principal: CurrentPrincipal) -> UserOut:
    return UserOut.model_validate(principal.user)


@router.get("/me/tokens", response_model=list[TokenOut], summary="The caller's API tokens (never the secret)")
def list_tokens(principal: CurrentPrincipal, session: DbSession) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_tokens(session, principal.user.id)]


@router.post("/me/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED,
             summary="Create an API token; the token is in this response only", responses=problem_responses(404))
def create_token(body: TokenCreate, principal: CurrentPrincipal, session: DbSession) -> TokenCreated:
    if principal.token_workspace_id is not None and body.workspace_id != principal.token_workspace_id:
        raise ApiProblem(403, "a token limited to one workspace can only create tokens for that workspace")
    row, token = service.create_token(session, principal.user, name=body.name, workspace_id=body.workspace_id,
                                      expires_at=body.expires_at)
    return TokenCreated(**TokenOut.model_validate(row).model_dump(), token=token)


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a token",
               responses=problem_responses(404))
def revoke_token(token_id: uuid.UUID, principal: CurrentPrincipal, session: DbSession) -> Response:
    service.revoke_token(session, principal.user.id, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
