"""``boostloop db upgrade|downgrade``: run the migration tree against the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from boostloop.server.db import migrate
from boostloop.server.settings import get_settings

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Default: BOOSTLOOP_DATABASE_URL or ./boostloop.db")
]


@app.command()
def upgrade(revision: str = "head", database_url: DatabaseUrl = None) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    migrate.upgrade(database_url or get_settings().database_url, revision)


@app.command()
def downgrade(revision: str = "base", database_url: DatabaseUrl = None) -> None:
    """Migrate the database down to REVISION (default: empty)."""
    migrate.downgrade(database_url or get_settings().database_url, revision)
