"""Sign-in (the API helper's argon2 passwords and signed session cookie + CSRF), sign-out, ``/`` and the
workspace switcher."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from boostloop.server.api.deps import CurrentPrincipal, DbSession, enforce_rate_limit
from boostloop.server.auth import service as auth_service
from boostloop.server.auth import sessions
from boostloop.server.db.models import User
from boostloop.server.web.render import NAV, render
from boostloop.server.workspaces import service as ws_service

router = APIRouter(include_in_schema=False)


def _signed_in_user(request: Request, session) -> User | None:
    settings = request.app.state.settings
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    data = sessions.read_session_cookie(settings.secret_key, cookie, settings.session_max_age_seconds) \
        if cookie else None
    user = session.get(User, data.user_id) if data else None
    return user if user is not None and user.is_active else None


def _safe_next(value: str | None) -> str | None:
    # Only local paths: never an open redirect to another site.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def _first_page(workspace_id: uuid.UUID) -> str:
    first = next((n.slug for n in NAV if n.available()), "jobs")
    return f"/w/{workspace_id}/{first}"


@router.get("/")
def home(request: Request, session: DbSession) -> Response:
    user = _signed_in_user(request, session)
    if user is None:
        return RedirectResponse("/sign-in", status_code=303)
    workspaces = ws_service.list_for_user(session, user.id)
    if not workspaces:
        return render(request, "no_workspace.html", email=user.email)
    return RedirectResponse(_first_page(workspaces[0][0].id), status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return render(request, "sign_in.html", next=_safe_next(next) or "", email="", error=None, csrf=None)


@router.post("/sign-in")
def sign_in(
    request: Request, session: DbSession,
    email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    enforce_rate_limit(request, "login", {"ip": request.client.host if request.client else "unknown"})
    user = auth_service.authenticate(session, email, password)
    if user is None:
        return render(request, "sign_in.html", status_code=401, next=_safe_next(next) or "", email=email,
                      error="Wrong e-mail or password.", csrf=None)
    settings = request.app.state.settings
    cookie, data = sessions.new_session_cookie(settings.secret_key, user.id)
    target = _safe_next(next) or "/"
    response = RedirectResponse(target, status_code=303)
    common = {"max_age": settings.session_max_age_seconds, "secure": settings.cookie_secure, "samesite": "lax",
              "path": "/"}
    response.set_cookie(sessions.SESSION_COOKIE, cookie, httponly=True, **common)
    response.set_cookie(sessions.CSRF_COOKIE, sessions.csrf_token(settings.secret_key, data.sid), httponly=False,
                        **common)
    return response


@router.post("/sign-out")
def sign_out(principal: CurrentPrincipal) -> Response:
    """htmx POST with the CSRF header (checked by the API's principal dependency)."""
    response = Response(status_code=204, headers={"HX-Redirect": "/sign-in"})
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    response.delete_cookie(sessions.CSRF_COOKIE, path="/")
    return response


@router.get("/go")
def switch_workspace(principal: CurrentPrincipal, session: DbSession, workspace_id: uuid.UUID) -> Response:
    """The workspace switcher: only a workspace the user belongs to (else the first page 404s)."""
    return RedirectResponse(_first_page(workspace_id), status_code=303)
