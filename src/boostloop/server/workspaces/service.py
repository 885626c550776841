"""Use cases on workspaces and their members. Services never commit: the caller's scope does."""

from __future__ import annotations

import re
import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from boostloop.enums import Role
from boostloop.server.db.models import Membership, User, Workspace

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# ISO 4217 codes in use (active codes as of the 2024 list); money is stored in their minor units.
_CURRENCIES = frozenset(
    "AED ARS AUD BDT BGN BRL CAD CHF CLP CNY COP CZK DKK EGP EUR GBP HKD HUF IDR ILS INR ISK JPY KES KRW "
    "MAD MXN MYR NGN NOK NZD PEN PHP PKR PLN QAR RON RSD SAR SEK SGD THB TRY TWD UAH USD VND ZAR".split()
)


class WorkspaceInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def create_workspace(
    session: Session, *, name: str, slug: str, currency: str = "USD", timezone: str = "UTC"
) -> Workspace:
    """A new workspace with its own HMAC key for hashing person identifiers."""
    if not _SLUG.match(slug):
        raise WorkspaceInputError("slug", "lower-case letters, digits and '-', 1-100 characters")
    if currency not in _CURRENCIES:
        raise WorkspaceInputError("currency", f"unknown ISO 4217 currency {currency!r}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise WorkspaceInputError("timezone", f"unknown IANA time zone {timezone!r}") from None
    workspace = Workspace(
        name=name, slug=slug, currency=currency, timezone=timezone, hash_key=secrets.token_bytes(32)
    )
    session.add(workspace)
    session.flush()
    return workspace


def add_member(session: Session, workspace: Workspace, user: User, role: Role) -> Membership:
    membership = Membership(workspace_id=workspace.id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    return membership
