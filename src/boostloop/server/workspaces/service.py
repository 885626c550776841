"""Use cases on workspaces and their members. Services never commit: the caller's scope does."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import Role
from boostloop.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from boostloop.server.db.models import Membership, User, Workspace

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# ISO 4217 codes in use (active codes as of the 2024 list); money is stored in their minor units.
_CURRENCIES = frozenset(
    ["AED", "ARS", "AUD", "BDT", "BGN", "BRL", "CAD", "CHF", "CLP", "CNY", "COP", "CZK", "DKK", "EGP", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS", "INR", "ISK", "JPY", "KES", "KRW", "MAD", "MXN", "MYR", "NGN", "NOK", "NZD", "PEN", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD", "VND", "ZAR"]
)
# The attribution models of the attribution issue (``boostloop.analytics.attribution.MODELS`` when it is
# installed; this list is the same names, for branches without it) and the channel definitions.
try:
    from boostloop.analytics.attribution import MODELS as ATTRIBUTION_MODELS  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the merge state
    ATTRIBUTION_MODELS = ("first_touch", "last_touch", "last_non_unknown", "linear", "time_decay",
                          "position_based", "markov", "shapley")
ATTRIBUTION_CHANNELS = ("touchpoint_type", "platform", "boost")


class WorkspaceInputError(InvalidInput, ValueError):
    """A bad workspace field (an ``InvalidInput`` with one error, so the API answers 422 naming it)."""

    def __init__(self, field: str, message: str) -> None:
        InvalidInput.__init__(self, errors=[FieldError((field,), message)], summary="Invalid workspace")
        self.field = field


def _check_timezone(tz: str) -> None:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise WorkspaceInputError("timezone", f"unknown IANA time zone {tz!r}") from None


def create_workspace(
    session: Session, *, name: str, slug: str, currency: str = "USD", timezone: str = "UTC"
) -> Workspace:
    """A new workspace with its own HMAC key for hashing person identifiers."""
    if not _SLUG.match(slug):
        raise WorkspaceInputError("slug", "lower-case letters, digits and '-', 1-100 characters")
    if currency not in _CURRENCIES:
        raise WorkspaceInputError("currency", f"unknown ISO 4217 currency {currency!r}")
    _check_timezone(timezone)
    if session.scalar(sa.select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise Conflict(f"a workspace with slug {slug!r} already exists")
    workspace = Workspace(
        name=name, slug=slug, currency=currency, timezone=timezone, hash_key=secrets.token_bytes(32)
    )
    session.add(workspace)
    session.flush()
    return workspace


def create_workspace_for(session: Session, owner: User, **fields: Any) -> Workspace:
    """A workspace whose creator is its OWNER."""
    ws = create_workspace(session, **fields)
    add_member(session, ws, owner, Role.OWNER)
    return ws


def list_for_user(session: Session, user_id: uuid.UUID) -> list[tuple[Workspace, Role]]:
    rows = session.execute(
        sa.select(Workspace, Membership.role).join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id).order_by(Workspace.name)
    ).all()
    return [(w, r) for w, r in rows]


# Settings a workspace admin may change, with their checks. Currency is not here: stored cents would
# change meaning.
def update_settings(session: Session, workspace: Workspace, changes: dict[str, Any]) -> Workspace:
    """Apply ``changes``; ``None`` means "leave as is" except for ``benchmarks`` (None clears them)."""
    changes = {k: v for k, v in changes.items() if v is not None or k == "benchmarks"}
    errors: list[FieldError] = []
    if "timezone" in changes:
        try:
            _check_timezone(changes["timezone"])
        except WorkspaceInputError as e:
            errors.extend(e.errors)
    if "attribution_model" in changes and changes["attribution_model"] not in ATTRIBUTION_MODELS:
        errors.append(FieldError(("attribution_model",), f"one of {', '.join(ATTRIBUTION_MODELS)}"))
    if "attribution_channel" in changes and changes["attribution_channel"] not in ATTRIBUTION_CHANNELS:
        errors.append(FieldError(("attribution_channel",), f"one of {', '.join(ATTRIBUTION_CHANNELS)}"))
    if errors:
        raise InvalidInput(errors=errors, summary="Invalid workspace settings")
    for key, value in changes.items():
        setattr(workspace, key, value)
    session.flush()
    return workspace


def delete_workspace(session: Session, workspace: Workspace) -> None:
    """Deletes the workspace and (by cascade) every row of it."""
    session.delete(workspace)
    session.flush()


def add_member(session: Session, workspace: Workspace, user: User, role: Role) -> Membership:
    exists = session.scalar(
        sa.select(Membership.id).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    )
    if exists is not None:
        raise Conflict(f"{user.email} is already a member")
    membership = Membership(workspace_id=workspace.id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    return membership


def list_members(session: Session, workspace_id: uuid.UUID) -> list[tuple[Membership, User]]:
    rows = session.execute(
        sa.select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id).order_by(User.email)
    ).all()
    return [(m, u) for m, u in rows]


def get_member(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> tuple[Membership, User]:
    row = session.execute(
        sa.select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound(f"member {user_id} not found")
    return row[0], row[1]


def _owners(session: Session, workspace_id: uuid.UUID) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.OWNER)
    ) or 0


def _check_grant(actor_role: Role, old: Role | None, new: Role | None) -> None:
    # Only an owner may make or unmake owners: an admin cannot take over or lock out the owners.
    if Role.OWNER in (old, new) and actor_role != Role.OWNER:
        raise PermissionDenied("only an OWNER can grant, change or remove the OWNER role")


def add_member_by_email(session: Session, workspace: Workspace, actor_role: Role, email: str, role: Role) -> Membership:
    _check_grant(actor_role, None, role)
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise InvalidInput(errors=[FieldError(("email",), f"no user with e-mail {email}; create the user first")])
    return add_member(session, workspace, user, role)


def change_role(session: Session, workspace_id: uuid.UUID, actor_role: Role, user_id: uuid.UUID, role: Role) -> Membership:
    membership, _ = get_member(session, workspace_id, user_id)
    _check_grant(actor_role, membership.role, role)
    if membership.role == Role.OWNER and role != Role.OWNER and _owners(session, workspace_id) <= 1:
        raise Conflict("a workspace keeps at least one OWNER")
    membership.role = role
    session.flush()
    return membership


def remove_member(session: Session, workspace_id: uuid.UUID, actor_role: Role, user_id: uuid.UUID) -> None:
    membership, _ = get_member(session, workspace_id, user_id)
    _check_grant(actor_role, membership.role, None)
    if membership.role == Role.OWNER and _owners(session, workspace_id) <= 1:
        raise Conflict("a workspace keeps at least one OWNER")
    session.delete(membership)
    session.flush()
