"""File importers, one module per format, all feeding the ingest service (see docs/importing.md).

``import_file(session, workspace, kind, source, **options)`` runs the importer registered for ``kind``.
Each one is all-or-nothing (it raises :class:`boostloop.errors.InvalidInput` naming every bad line and
column, and the caller's scope rolls back), idempotent on re-import, and streams its file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from boostloop.errors import InvalidInput
from boostloop.server.db.models import Workspace
from boostloop.server.ingest.schemas import IngestResult


def _registry() -> dict[str, Callable[..., IngestResult]]:
    from boostloop.server.ingest.importers import (
        generic,
        google_ads_csv,
        meta_ads_csv,
        meta_ads_insights,
        meta_post_insights,
        touchpoints,
    )

    return {
        "meta-ads-csv": meta_ads_csv.import_file,
        "meta-ads-insights": meta_ads_insights.import_file,
        "meta-post-insights": meta_post_insights.import_file,
        "google-ads-csv": google_ads_csv.import_file,
        "generic": generic.import_file,
        "touchpoints": touchpoints.import_file,
    }


KINDS = (
    "meta-ads-csv",
    "meta-ads-insights",
    "meta-post-insights",
    "google-ads-csv",
    "generic",
    "touchpoints",
)


def import_file(
    session: Session, workspace: Workspace, kind: str, source: Any, **options: Any
) -> IngestResult:
    importers = _registry()
    if kind not in importers:
        from boostloop.errors import FieldError

        raise InvalidInput(
            errors=[FieldError(("kind",), f"unknown kind {kind!r}; one of {', '.join(KINDS)}")]
        )
    return importers[kind](session, workspace, source, **options)
