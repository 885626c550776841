"""Use cases on users and API tokens. Services never commit: the caller's scope does."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.errors import Conflict, FieldError, InvalidInput, NotFound
from boostloop.server.auth import passwords, tokens
from boostloop.server.db.models import ApiToken, Membership, User, Workspace

# Deliberately loose (RFC 5322 is not checkable by regex); the mail server is the real judge.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# Refresh ``last_used_at`` at most once a minute, so that reads do not each write a row.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, *, email: str, name: str = "", password: str | None = None) -> User:
    email = normalise_email(email)
    errors = []
    if not _EMAIL.match(email) or len(email) > 320:
        errors.append(FieldError(("email",), "not a valid e-mail address"))
    if password is not None and len(password) < passwords.MIN_PASSWORD_LENGTH:
        errors.append(FieldError(("password",), f"at least {passwords.MIN_PASSWORD_LENGTH} characters"))
    if errors:
        raise InvalidInput(errors=errors)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with e-mail {email} already exists")
    user = User(email=email, name=name, password_hash=passwords.hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < passwords.MIN_PASSWORD_LENGTH:
        raise InvalidInput(errors=[FieldError(("password",), f"at least {passwords.MIN_PASSWORD_LENGTH} characters")])
    user.password_hash = passwords.hash_password(password)
    session.flush()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same cost either way)."""
    user = get_user_by_email(session, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    return user


def create_token(
    session: Session, user: User, *, name: str = "", workspace_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (optionally limited to one workspace the user is a member of).

    Returns the row and the clear token, which is shown once and never stored.
    """
    if workspace_id is not None:
        member = session.scalar(
            sa.select(Membership.id).where(Membership.user_id == user.id, Membership.workspace_id == workspace_id)
        )
        if member is None:
            raise NotFound(f"workspace {workspace_id} not found")
    if expires_at is not None and expires_at.tzinfo is None:
        raise InvalidInput(errors=[FieldError(("expires_at",), "must carry a time zone")])
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise InvalidInput(errors=[FieldError(("expires_at",), "must be in the future")])
    token, prefix, digest = tokens.new_token()
    row = ApiToken(user_id=user.id, workspace_id=workspace_id, name=name, prefix=prefix, token_hash=digest,
                   expires_at=expires_at)
    session.add(row)
    session.flush()
    return row, token


def list_tokens(session: Session, user_id: uuid.UUID) -> list[ApiToken]:
    return list(session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
    ))


def revoke_token(session: Session, user_id: uuid.UUID, token_id: uuid.UUID, *, now: datetime | None = None) -> ApiToken:
    row = session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    if row is None:
        raise NotFound(f"token {token_id} not found")
    if row.revoked_at is None:
        row.revoked_at = now or datetime.now(UTC)
        session.flush()
    return row


def resolve_token(
    session: Session, token: str, *, now: datetime | None = None, workspace_id: uuid.UUID | None = None
) -> tuple[ApiToken, User] | None:
    """The live token and its active user, or None (unknown, revoked, expired, or user deactivated)."""
    found = resolve_token_for_workspace(session, token, workspace_id, now=now)
    return None if found is None else (found[0], found[1])


def resolve_token_for_workspace(
    session: Session, token: str, workspace_id: uuid.UUID | None, *, now: datetime | None = None
) -> tuple[ApiToken, User, tuple[Workspace, Membership] | None] | None:
    """Like ``resolve_token``, and in the same query the caller's membership of ``workspace_id`` (None
    when not a member): one database round trip for authentication and tenancy on workspace routes."""
    now = now or datetime.now(UTC)
    q = sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id)
    if workspace_id is not None:
        q = (q.add_columns(Workspace, Membership)
             .outerjoin(Membership, sa.and_(Membership.user_id == User.id, Membership.workspace_id == workspace_id))
             .outerjoin(Workspace, Workspace.id == Membership.workspace_id))
    found = session.execute(q.where(ApiToken.token_hash == tokens.token_hash(token))).first()
    if found is None:
        return None
    row, user = found[0], found[1]
    member = (found[2], found[3]) if workspace_id is not None and found[3] is not None else None
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now) or not user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row, user, member
