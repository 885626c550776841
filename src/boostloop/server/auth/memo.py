"""A short-lived in-process memo of "this Bearer token is a member of this workspace, with this role".

Why: on a cached read, looking the token and the membership up was most of the request's database work:
a pool check-out with its ping, BEGIN, the query, COMMIT (four round trips to PostgreSQL, and the ORM
loading four rows) for an answer that changes a few times a day (benchmarks/RESULTS.md, "api (dashboard
reads ...)"). With the memo, a cached read touches no database at all.

What keeps it safe:

- **In this process, every change is seen at once.** Any commit of a session that inserted, changed or
  deleted an API token, a user, a membership or a workspace (ORM changes, and ``UPDATE``/``DELETE``
  statements on those tables run through a session) bumps a process-wide epoch, and entries of an older
  epoch are never used. The epoch is read before the database lookup that fills an entry, so a lookup that
  raced with such a commit is stored under the old epoch and never used. A removed member's token, a
  revoked token, a deactivated user or a changed role are therefore refused by the next request.
- **Across processes** (another uvicorn worker, ``boostloop`` CLI commands, a database edit by hand) nothing
  is signalled: an entry is trusted for at most ``TTL_SECONDS`` after its lookup, so such a change takes
  effect in this process at most 2 s later.
- Only successful lookups are kept (an active user, an unrevoked token, a membership); anything else goes to
  the database every time. A token's own expiry is checked on every use.

TTL 2 s: under load (16 clients, ~150-400 requests/s) all but one request per token, workspace and 2 s are
answered from the memo, and a dashboard page's ~6 API calls (under a second) need one lookup; the window
for changes made in another process stays shorter than a page load.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import Role
from boostloop.server.db.models import ApiToken, Membership, User, Workspace

TTL_SECONDS = 2.0
MAX_ENTRIES = 10_000  # ~200 bytes each; cleared whole when full (a lookup each refills what is in use)

_WATCHED = (ApiToken, User, Membership, Workspace)
_WATCHED_TABLES = frozenset(m.__table__.name for m in _WATCHED)
_lock = threading.Lock()
_epoch = 0


def epoch() -> int:
    return _epoch


def bump() -> None:
    """Make every entry of every memo of this process stale (called after such a commit)."""
    global _epoch
    with _lock:
        _epoch += 1


@dataclass(frozen=True)
class Entry:
    epoch: int
    stored_at: float
    user_id: uuid.UUID
    token_id: uuid.UUID
    token_workspace_id: uuid.UUID | None
    token_expires_at: datetime | None
    workspace_id: uuid.UUID
    role: Role


class AuthMemo:
    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._data: dict[tuple[str, uuid.UUID], Entry] = {}

    def get(self, token_hash: str, workspace_id: uuid.UUID, now: datetime) -> Entry | None:
        e = self._data.get((token_hash, workspace_id))
        if e is None:
            return None
        if e.epoch != _epoch or self._clock() - e.stored_at >= self.ttl or (
                e.token_expires_at is not None and e.token_expires_at <= now):
            self._data.pop((token_hash, workspace_id), None)
            return None
        return e

    def put(self, token_hash: str, entry: Entry) -> None:
        if len(self._data) >= MAX_ENTRIES:
            self._data = {}
        self._data[(token_hash, entry.workspace_id)] = entry

    def entry(self, seen_epoch: int, *, user_id: uuid.UUID, token_id: uuid.UUID,
              token_workspace_id: uuid.UUID | None, token_expires_at: datetime | None,
              workspace_id: uuid.UUID, role: Role) -> Entry:
        return Entry(seen_epoch, self._clock(), user_id, token_id, token_workspace_id, token_expires_at,
                     workspace_id, role)


# --- the epoch follows commits that touch credentials or memberships -------------------------------------

def _changes_access(obj, dirty: bool) -> bool:
    if not isinstance(obj, _WATCHED):
        return False
    if dirty and isinstance(obj, ApiToken):  # the once-a-minute ``last_used_at`` refresh grants nothing
        return any(a.history.has_changes() for a in sa.inspect(obj).attrs if a.key != "last_used_at")
    return True


def _note_flush(session: Session, _ctx) -> None:  # the session still shows what it flushed, with history
    if not session.info.get("auth_changed") and (
            any(_changes_access(o, False) for o in session.new)
            or any(_changes_access(o, False) for o in session.deleted)
            or any(_changes_access(o, True) for o in session.dirty)):
        session.info["auth_changed"] = True


def _note_statement(state) -> None:  # ORM-enabled UPDATE / DELETE through Session.execute
    if (state.is_update or state.is_delete) and not state.session.info.get("auth_changed"):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED_TABLES:
            state.session.info["auth_changed"] = True


def _after_commit(session: Session) -> None:
    # A rolled-back change leaves the mark set: the next commit of that session then bumps for nothing,
    # which costs one database lookup per token and never serves a stale entry.
    if session.info.pop("auth_changed", False):
        bump()


sa.event.listen(Session, "after_flush", _note_flush)
sa.event.listen(Session, "do_orm_execute", _note_statement)
sa.event.listen(Session, "after_commit", _after_commit)
