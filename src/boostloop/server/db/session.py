"""Engines and the unit-of-work scope: services never commit, the scope does (DESIGN.md, Transactions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys (and so cascades) unless asked per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the dashboard read while a job writes; 5 s busy wait instead of "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_db_engine(url: str, *, echo: bool | None = None) -> Engine:
    """An engine for ``url`` with the per-engine settings Boostloop relies on. ``echo`` (log every SQL
    statement) defaults to the ``BOOSTLOOP_SQL_ECHO`` setting."""

    if echo is None:
        from boostloop.server.settings import get_settings

        echo = get_settings().sql_echo
    kwargs: dict = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (one pool) per URL per process."""

    return create_db_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Commit when the block ends normally, roll back on any exception: all-or-nothing."""

    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
