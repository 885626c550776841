"""A scratch PostgreSQL database for a benchmark run: created empty on the server of a given URL, dropped
(with any session still on it) when the run ends, however it ends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """Yields the SQLAlchemy URL of a new database ``{prefix}_{random}`` on ``server_url``'s server."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
