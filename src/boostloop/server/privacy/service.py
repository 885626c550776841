"""Privacy use cases. The client names a person by the user id it knows; it is hashed with the
workspace's key exactly as at ingest (``attribution.hashing.person_hash``), so nothing in the clear is
stored or needed. Services never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.errors import FieldError, InvalidInput
from boostloop.server.attribution.hashing import person_hash
from boostloop.server.db.models import BoostAttributionEvent, PrivacyOptOut, Workspace

MAX_USER_ID = 512


def _hash(workspace: Workspace, user_id: str) -> str:
    if not isinstance(user_id, str) or not user_id or len(user_id) > MAX_USER_ID:
        raise InvalidInput(errors=[FieldError(("user_id",), f"1-{MAX_USER_ID} characters")])
    return person_hash(workspace.hash_key, user_id)


@dataclass(frozen=True)
class EraseResult:
    user_id_hash: str
    events_deleted: int


def erase_person(session: Session, workspace: Workspace, user_id: str) -> EraseResult:
    """Delete every touchpoint event of the person in this workspace (one statement)."""

    h = _hash(workspace, user_id)
    result = session.execute(
        sa.delete(BoostAttributionEvent)
        .where(BoostAttributionEvent.workspace_id == workspace.id, BoostAttributionEvent.user_id_hash == h)
        .execution_options(synchronize_session=False)
    )
    return EraseResult(user_id_hash=h, events_deleted=int(result.rowcount or 0))


@dataclass(frozen=True)
class OptOutResult:
    user_id_hash: str
    created: bool


def opt_out(session: Session, workspace: Workspace, user_id: str) -> OptOutResult:
    """Record the person's opt-out (idempotent): their later events are dropped at ingest."""

    h = _hash(workspace, user_id)
    if is_opted_out(session, workspace.id, h):
        return OptOutResult(user_id_hash=h, created=False)
    session.add(PrivacyOptOut(workspace_id=workspace.id, user_id_hash=h))
    session.flush()
    return OptOutResult(user_id_hash=h, created=True)


def is_opted_out(session: Session, workspace_id: uuid.UUID, user_id_hash: str) -> bool:
    return session.scalar(
        sa.select(sa.literal(True)).where(PrivacyOptOut.workspace_id == workspace_id,
                                          PrivacyOptOut.user_id_hash == user_id_hash)
    ) is not None


def opted_out_hashes(session: Session, workspace_id: uuid.UUID) -> set[str]:
    """Every opted-out hash of the workspace (for filtering an ingest batch)."""

    return set(session.scalars(sa.select(PrivacyOptOut.user_id_hash).where(PrivacyOptOut.workspace_id == workspace_id)))
