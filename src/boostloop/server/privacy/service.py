"""Privacy use cases. The client names a person by the user id it knows; it is hashed with the
workspace's key exactly as at ingest (``attribution.hashing.person_hash``), so nothing in the clear is
stored or needed. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from boostloop.errors import FieldError, InvalidInput
from boostloop.server.attribution import repository as attribution_repo
from boostloop.server.attribution.hashing import person_hash
from boostloop.server.db.models import Workspace
from boostloop.server.retention import service as retention

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
    """Delete every touchpoint event of the person in this workspace (one statement), and their rows in
    the retention archive (the Parquet files holding them are rewritten; docs/retention.md). Events that
    carried only a session id cannot be linked to the person and stay. ``events_deleted`` counts both."""

    h = _hash(workspace, user_id)
    stored = attribution_repo.delete_person_events(session, workspace.id, h)
    archived = retention.erase_person_archive(workspace.id, h)
    return EraseResult(user_id_hash=h, events_deleted=stored + archived)


@dataclass(frozen=True)
class OptOutResult:
    user_id_hash: str
    created: bool


def opt_out(session: Session, workspace: Workspace, user_id: str) -> OptOutResult:
    """Record the person's opt-out (idempotent): ``attribution.service.ingest_events`` drops their later
    events. Stored events are kept (erase them with :func:`erase_person`)."""

    h = _hash(workspace, user_id)
    return OptOutResult(user_id_hash=h, created=attribution_repo.add_opt_out(session, workspace.id, h))
