"""A database lease: at most one holder of ``lease_key`` until ``expires_at``.

Taking it is two short transactions of their own (not the job's): first take over an expired lease
(``UPDATE ... WHERE expires_at <= now``), else create it (``INSERT``; the primary key refuses a second
one). Both are atomic on SQLite and PostgreSQL, so two processes racing get one winner. A holder that dies
keeps the lease until it expires; then the next run takes it over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from boostloop.server.db.models import JobLease

_T = JobLease.__table__


def acquire(engine: Engine, key: str, holder: str, now: datetime, ttl_seconds: int) -> bool:
    expires = now + timedelta(seconds=ttl_seconds)
    with engine.begin() as conn:
        taken = conn.execute(
            sa.update(_T).where(_T.c.lease_key == key, _T.c.expires_at <= now)
            .values(holder=holder, acquired_at=now, expires_at=expires)
        ).rowcount
    if taken == 1:
        return True
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(_T).values(lease_key=key, holder=holder, acquired_at=now, expires_at=expires))
        return True
    except IntegrityError:
        return False


def release(engine: Engine, key: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(_T).where(_T.c.lease_key == key, _T.c.holder == holder))


def holder_of(engine: Engine, key: str) -> tuple[str, datetime] | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(_T.c.holder, _T.c.expires_at).where(_T.c.lease_key == key)).first()
    return None if row is None else (row[0], row[1])
