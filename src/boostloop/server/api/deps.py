"""Request dependencies: the DB session (unit of work), the caller, and workspace access by role.

Authentication (who): ``Authorization: Bearer blt_...`` (API token), else the ``boostloop_session``
cookie (dashboard; unsafe methods also need ``X-CSRF-Token``). Missing, unknown, expired or revoked
credentials, or a deactivated user: **401**.

Authorization (may this caller touch this workspace):
- the caller is not a member of the workspace (never was, was removed, or the workspace does not
  exist), or the token is limited to another workspace: **404** (it does not exist for the caller;
  DESIGN.md, Tenancy). So the token of a removed member answers 404 on that workspace, and keeps
  working on the workspaces the user still belongs to; revoke it to make it 401 everywhere;
- a member whose role is below what the endpoint needs: **403**.

A Bearer token's membership of the route's workspace is memoised for 2 s (``boostloop.server.auth.memo``:
changes committed in this process are seen by the next request; changes made by another process within
2 s): a cached read then needs no database round trip and no thread-pool hop for its access check.

Roles (each includes the ones below): VIEWER reads; MEMBER also writes data; ADMIN also applies
recommendations, runs jobs, manages members and settings; OWNER also deletes the workspace.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
import anyio
from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from boostloop.enums import Role
from boostloop.server.api.problems import ApiProblem
from boostloop.server.auth import service as auth_service
from boostloop.server.auth import sessions, tokens
from boostloop.server.auth.memo import AuthMemo
from boostloop.server.auth.memo import epoch as auth_epoch
from boostloop.server.db.models import Membership, User, Workspace
from boostloop.server.db.session import session_factory
from boostloop.server.observability import metrics

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: commits when the endpoint returns, rolls back if it raises.

    Used with ``scope="function"`` so the commit happens before the response is sent (a failed commit is
    the client's error response, not a silent loss). Services never commit.

    ``async``: opening a session does no I/O (the connection is taken from the pool at its first query), so
    it runs on the event loop; the commit or rollback and the close go to the thread pool in one hop. A sync
    generator here cost two thread-pool hops per request (enter and exit; benchmarks/RESULTS.md, "api
    (platform overhead)").
    """
    state = request.app.state
    factory = getattr(state, "session_factory", None)
    if factory is None or factory.kw.get("bind") is not state.engine:
        # one sessionmaker per app: each new one is a new Session subclass, and SQLAlchemy copies the
        # Session event listeners (auth.memo's) onto it: ~0.1 ms per request when made per request
        factory = state.session_factory = session_factory(state.engine)
    session = factory()
    try:
        yield session
    except BaseException:
        if not session.in_transaction():  # never used: nothing to roll back, no connection to return
            session.close()
            raise
        with anyio.CancelScope(shield=True):  # a cancelled request still returns its connection
            await run_in_threadpool(_rollback_and_close, session)
        raise
    if not session.in_transaction():  # e.g. a cached read with a memoised access check: no I/O to do
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session, scope="function")]


class Principal:
    """The caller. ``user`` is the row loaded with the token, or, for a memoised token, loaded from the
    request's session on first use."""

    def __init__(self, user: User | None, via: str, token_id: uuid.UUID | None = None,
                 token_workspace_id: uuid.UUID | None = None, *, user_id: uuid.UUID | None = None,
                 session: Session | None = None, token_hash: str | None = None,
                 token_expires_at: datetime | None = None, prefetched_for: uuid.UUID | None = None,
                 prefetched: tuple[Workspace, Membership] | None = None) -> None:
        self._user = user
        self.user_id: uuid.UUID = user.id if user is not None else user_id  # type: ignore[assignment]
        self._session = session
        self.via = via  # "token" | "session"
        self.token_id = token_id
        self.token_workspace_id = token_workspace_id
        self.token_hash = token_hash
        self.token_expires_at = token_expires_at
        # The membership of the route's {workspace_id}, fetched with the token in one query (or None).
        self.prefetched_for = prefetched_for
        self.prefetched = prefetched

    @property
    def user(self) -> User:
        if self._user is None:
            self._user = self._session.get(User, self.user_id) if self._session is not None else None
            if self._user is None:  # deleted by another process within the memo's 2 s
                raise ApiProblem(401, "the token is unknown, expired or revoked",
                                 headers={"WWW-Authenticate": "Bearer"})
        return self._user

    @property
    def rate_key(self) -> str:
        return f"t:{self.token_id}" if self.token_id else f"u:{self.user_id}"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiProblem(401, "Authorization header must be 'Bearer <token>'",
                         headers={"WWW-Authenticate": "Bearer"})
    return value.strip()


def _workspace_param(request: Request) -> uuid.UUID | None:
    raw = request.path_params.get("workspace_id")
    try:
        return uuid.UUID(str(raw)) if raw is not None else None
    except ValueError:
        return None  # the path validation answers 422


def get_principal(request: Request, session: DbSession) -> Principal:
    return _principal(request, session)


def _principal(request: Request, session: Session) -> Principal:
    """The caller, resolved once per request (kept on ``request.state``): workspace routes resolve it inside
    their access check (one thread-pool hop for authentication, membership, role and rate limit)."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return known
    token = _bearer(request)
    if token is not None:
        ws_id = _workspace_param(request)
        found = auth_service.resolve_token_for_workspace(session, token, ws_id)
        if found is None:
            raise ApiProblem(401, "the token is unknown, expired or revoked",
                             headers={"WWW-Authenticate": "Bearer"})
        row, user, member = found
        principal = Principal(user, "token", row.id, row.workspace_id, token_hash=row.token_hash,
                              token_expires_at=row.expires_at, prefetched_for=ws_id, prefetched=member)
    else:
        settings = request.app.state.settings
        cookie = request.cookies.get(sessions.SESSION_COOKIE)
        data = sessions.read_session_cookie(settings.secret_key, cookie, settings.session_max_age_seconds) \
            if cookie else None
        user = session.get(User, data.user_id) if data else None
        if data is None or user is None or not user.is_active:
            raise ApiProblem(401, "authentication required (Bearer token or session cookie)",
                             headers={"WWW-Authenticate": "Bearer"})
        if request.method in UNSAFE_METHODS and not sessions.csrf_ok(
            settings.secret_key, data.sid, request.headers.get(sessions.CSRF_HEADER)
        ):
            raise ApiProblem(403, f"missing or wrong {sessions.CSRF_HEADER} header", title="CSRF check failed")
        principal = Principal(user, "session")
    request.state.user_id = str(principal.user_id)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class WorkspaceAccess:
    """The caller's access to the route's workspace. ``workspace`` and ``membership`` are the rows of the
    access check, or, when it was answered from the memo, loaded from the request's session on first use
    (most cached reads need only ``workspace_id``)."""

    def __init__(self, workspace_id: uuid.UUID, role: Role, principal: Principal, *, session: Session,
                 workspace: Workspace | None = None, membership: Membership | None = None) -> None:
        self.workspace_id = workspace_id
        self.role = role
        self.principal = principal
        self._session = session
        self._workspace = workspace
        self._membership = membership

    def _not_found(self) -> ApiProblem:  # removed by another process within the memo's 2 s
        return ApiProblem(404, f"workspace {self.workspace_id} not found")

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = self._session.get(Workspace, self.workspace_id)
            if self._workspace is None:
                raise self._not_found()
        return self._workspace

    @property
    def membership(self) -> Membership:
        if self._membership is None:
            self._membership = self._session.scalar(sa.select(Membership).where(
                Membership.workspace_id == self.workspace_id, Membership.user_id == self.principal.user_id))
            if self._membership is None:
                raise self._not_found()
        return self._membership

    @property
    def user(self) -> User:
        return self.principal.user


def enforce_rate_limit(request: Request, klass: str, scopes: dict[str, str]) -> None:
    decision = request.app.state.rate_limiter.check(klass, scopes)
    if decision is not None:
        metrics.RATE_LIMITED.labels(klass=klass).inc()
        raise ApiProblem(
            429, f"rate limit of {decision.limit} {klass} requests exceeded; retry in {decision.retry_after} s",
            headers={"Retry-After": str(decision.retry_after)},
        )


def require(role: Role, limit: str | None = None):
    """Dependency: the caller is a member of ``{workspace_id}`` with at least ``role``.

    ``limit`` is the rate-limit class (``read`` for GET, ``write`` otherwise, unless given:
    ``expensive`` for recommendation generation and job triggers).
    """

    def lookup(request: Request, session: Session, workspace_id: uuid.UUID) -> WorkspaceAccess:
        seen_epoch = auth_epoch()  # before the query: a change committed meanwhile makes the entry stale
        principal = _principal(request, session)
        not_found = ApiProblem(404, f"workspace {workspace_id} not found")
        if principal.token_workspace_id is not None and principal.token_workspace_id != workspace_id:
            raise not_found
        if principal.prefetched_for == workspace_id:
            found = principal.prefetched
        else:
            found = session.execute(
                sa.select(Workspace, Membership)
                .join(Membership, Membership.workspace_id == Workspace.id)
                .where(Workspace.id == workspace_id, Membership.user_id == principal.user_id)
            ).first()
        if found is None:
            raise not_found
        workspace, membership = found
        if principal.token_hash is not None:
            memo: AuthMemo = request.app.state.auth_memo
            memo.put(principal.token_hash, memo.entry(
                seen_epoch, user_id=principal.user_id, token_id=principal.token_id,
                token_workspace_id=principal.token_workspace_id, token_expires_at=principal.token_expires_at,
                workspace_id=workspace.id, role=membership.role))
        return WorkspaceAccess(workspace.id, membership.role, principal, session=session, workspace=workspace,
                               membership=membership)

    def check(request: Request, access: WorkspaceAccess, klass: str) -> WorkspaceAccess:
        enforce_rate_limit(request, klass, {"token": access.principal.rate_key, "workspace": str(access.workspace_id)})
        if not access.role.at_least(role):
            raise ApiProblem(403, f"this needs the {role.value} role or higher; yours is {access.role.value}")
        request.state.workspace_id = str(access.workspace_id)
        return access

    def lookup_and_check(request: Request, session: Session, workspace_id: uuid.UUID, klass: str) -> WorkspaceAccess:
        return check(request, lookup(request, session, workspace_id), klass)

    async def dependency(
        request: Request,
        session: DbSession,
        workspace_id: Annotated[uuid.UUID, Path(description="The workspace.")],
    ) -> WorkspaceAccess:
        klass = limit or ("read" if request.method in ("GET", "HEAD") else "write")
        access = _memoised(request, session, workspace_id)
        if access is None:  # database lookup (and the rate limit) in one thread-pool hop
            return await run_in_threadpool(lookup_and_check, request, session, workspace_id, klass)
        if request.app.state.rate_limiter.blocking:  # Redis: network I/O, not on the event loop
            return await run_in_threadpool(check, request, access, klass)
        return check(request, access, klass)

    return dependency


def _memoised(request: Request, session: Session, workspace_id: uuid.UUID) -> WorkspaceAccess | None:
    """The access of a Bearer token from the memo (no I/O), else None."""
    if getattr(request.state, "principal", None) is not None:
        return None
    memo: AuthMemo = request.app.state.auth_memo
    try:
        token = _bearer(request)
    except ApiProblem:
        return None  # the lookup answers 401
    if token is None:
        return None
    digest = tokens.token_hash(token)
    e = memo.get(digest, workspace_id, datetime.now(UTC))
    if e is None:
        return None
    principal = Principal(None, "token", e.token_id, e.token_workspace_id, user_id=e.user_id, session=session,
                          token_hash=digest, token_expires_at=e.token_expires_at)
    request.state.user_id = str(e.user_id)
    request.state.principal = principal
    return WorkspaceAccess(e.workspace_id, e.role, principal, session=session)


# Shorthands for routers: ``access: CanRead``.
CanRead = Annotated[WorkspaceAccess, Depends(require(Role.VIEWER))]
CanWrite = Annotated[WorkspaceAccess, Depends(require(Role.MEMBER))]
CanAdmin = Annotated[WorkspaceAccess, Depends(require(Role.ADMIN))]
CanAdminExpensive = Annotated[WorkspaceAccess, Depends(require(Role.ADMIN, limit="expensive"))]
IsOwner = Annotated[WorkspaceAccess, Depends(require(Role.OWNER))]


def get_cache(request: Request):
    return request.app.state.cache
