"""A per-workspace count of the writes of the stored effectiveness results' inputs (table
``effectiveness_input_versions``), so that a dashboard read can skip the per-boost input check when
nothing was written since the last one.

Why: checking every boost's inputs (``repository.input_marks``: three grouped statements over the posts'
captures, the campaigns' delivery rows and the posts' conversions) was most of an overview read at 1,000
boosts and 9.4M events: ~60 ms of SQL and ~40 ms of Python out of 80-100 ms alone, 1.26 s p95 under 16
clients (benchmarks/RESULTS.md, "api (dashboard reads)").

- ``written`` counts the writes of the inputs. Every path that writes them bumps it in the same
  transaction (``bump``): the content and campaign import (``ingest.service.Ingestor.finish``, behind the
  ingest API and the file importers), event ingest (``attribution.repository.insert_events_except_opted_out``:
  the API, the touchpoint importer and the simulator's loader), the erasure of a person
  (``attribution.repository.delete_person_events``) and the retention roll-up (``retention.service.roll_up``).
- ``checked`` is the ``written`` that the last check of every boost of the workspace had read before it
  started (``store.refresh``). While ``checked == written`` no input has been written since, so a stored
  result's inputs mark is still the boost's current one and the check can be skipped.
- A write that does not go through those paths (SQL by hand, a future path that forgets to bump) is
  caught by the hourly ``snapshots`` job, which always checks every boost (``store.refresh(full_check=True)``):
  the same bound ``store.STALE_AFTER`` already puts on the controls, which the marks do not cover.

The bump is an upsert of one row, so concurrent writers of one workspace wait on its row lock from the
bump to their commit (PostgreSQL); the write paths bump last, just before their caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from boostloop.server.db.models import EffectivenessInputVersion

_T = EffectivenessInputVersion.__table__


@dataclass(frozen=True)
class Version:
    written: int
    checked: int

    @property
    def unchanged_since_check(self) -> bool:
        return self.checked == self.written


def _insert(session: Session):  # noqa: ANN202
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def read(session: Session, workspace_id: uuid.UUID) -> Version | None:
    """The workspace's counts; None before its first write or check (then nothing can be assumed)."""
    row = session.execute(sa.select(_T.c.written, _T.c.checked).where(_T.c.workspace_id == workspace_id)).first()
    return None if row is None else Version(int(row[0]), int(row[1]))


def bump(session: Session, workspace_id: uuid.UUID) -> None:
    """Count one write of the workspace's inputs (in the caller's transaction)."""
    stmt = _insert(session)(_T).values(workspace_id=workspace_id, written=1, checked=0)
    session.execute(stmt.on_conflict_do_update(index_elements=[_T.c.workspace_id],
                                               set_={"written": _T.c.written + 1}))


def mark_checked(session: Session, workspace_id: uuid.UUID, seen: Version | None) -> None:
    """Record that every boost's inputs were checked, and the stored results brought up to date, as of
    ``seen`` (``read`` before the check began). A write counted after ``seen`` keeps ``checked`` below
    ``written``, so the next read checks again; ``checked`` never goes back."""
    at = 0 if seen is None else seen.written
    stmt = _insert(session)(_T).values(workspace_id=workspace_id, written=at, checked=at)
    session.execute(stmt.on_conflict_do_update(index_elements=[_T.c.workspace_id], set_={"checked": at},
                                               where=_T.c.checked < at))
