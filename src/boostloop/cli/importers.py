"""``boostloop import KIND FILE --workspace W`` and ``boostloop backfill --workspace W``.

Both run in one transaction: an import with any bad row writes nothing and lists every bad line and
column on stderr (exit status 1); ``--dry-run`` checks everything and rolls back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from boostloop.errors import BoostloopError, InvalidInput

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Default: BOOSTLOOP_DATABASE_URL or ./boostloop.db")
]
WorkspaceSlug = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]


class _DryRun(Exception):
    pass


def _engine(database_url: str | None):
    from boostloop.server.db.session import engine_for
    from boostloop.server.settings import get_settings

    return engine_for(database_url or get_settings().database_url)


def _workspace(session, slug: str):
    from boostloop.server.ingest.repository import workspace_by_slug

    ws = workspace_by_slug(session, slug)
    if ws is None:
        typer.echo(f"error: no workspace {slug!r}", err=True)
        raise typer.Exit(1)
    return ws


def _report_error(exc: BoostloopError) -> None:
    typer.echo(f"error: {exc.detail if not isinstance(exc, InvalidInput) else exc.summary}", err=True)
    if isinstance(exc, InvalidInput):
        for e in exc.errors:
            where = " / ".join(map(str, e.loc))
            value = f" (value: {e.value!r})" if e.value is not None else ""
            typer.echo(f"  {where}: {e.msg}{value}", err=True)
        typer.echo("nothing was written", err=True)


def import_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="meta-ads-csv, meta-ads-insights, meta-post-insights, google-ads-csv, generic or touchpoints"
        ),
    ],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    workspace: WorkspaceSlug,
    mapping: Annotated[Path | None, typer.Option(help="generic: the TOML mapping file")] = None,
    captured_at: Annotated[
        str | None,
        typer.Option(
            help="meta-post-insights: when the response was fetched "
            "(ISO 8601), if its values carry no end_time"
        ),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="reporting time zone of the file (default: the workspace's)")
    ] = None,
    currency: Annotated[str | None, typer.Option(help="the file's currency when it does not say")] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="touchpoints: csv or ndjson (default: from the file name)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Import a platform export or a touchpoint log into a workspace (all-or-nothing, idempotent)."""
    from boostloop.server.db.session import session_scope
    from boostloop.server.ingest.importers import import_file

    options = {
        k: v
        for k, v in {
            "mapping": mapping,
            "captured_at": captured_at,
            "timezone": timezone,
            "currency": currency,
            "format": format,
        }.items()
        if v is not None
    }
    result = None
    try:
        with session_scope(_engine(database_url)) as session:
            ws = _workspace(session, workspace)
            result = import_file(session, ws, kind, file, **options)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except BoostloopError as exc:
        _report_error(exc)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({**result.as_dict(), "dry_run": dry_run}, indent=2))
        return
    typer.echo(("[dry run, nothing written] " if dry_run else "") + result.summary())
    for w in result.warnings:
        typer.echo(f"warning: {w}")


def backfill_command(
    workspace: WorkspaceSlug,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="minimum match score for a name/timing link (default: see backfill.MATCH_THRESHOLD)"
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show the links, write nothing")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Find past ad campaigns that promoted an organic post and record them as BACKFILLED boosts."""
    from boostloop.server.db.session import session_scope
    from boostloop.server.ingest import backfill

    report = None
    try:
        with session_scope(_engine(database_url)) as session:
            ws = _workspace(session, workspace)
            kwargs = {} if threshold is None else {"threshold": threshold}
            report = backfill.backfill(session, ws, **kwargs)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except BoostloopError as exc:
        _report_error(exc)
        raise typer.Exit(1) from None
    for line in report.lines():
        typer.echo(line)
    if dry_run:
        typer.echo("[dry run, nothing written]")


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("backfill")(backfill_command)
