"""Touchpoint logs: CSV or NDJSON of visits, clicks and conversions with UTM parameters and click ids.

Each row becomes one event in the attribution service's shape and is handed to
``boostloop.server.attribution.service.ingest_events`` (which hashes the person identifiers and is
idempotent by ``client_event_id``). Columns (NDJSON keys alike):

| column | use |
|---|---|
| event_id | the event's own id (required; repeated ids within one file are refused) |
| occurred_at (or timestamp) | ISO 8601; without an offset, read in the workspace time zone (required) |
| event_type (or event) | view/visit/page_view/impression → VIEW, click → CLICK, engagement/like/comment → ENGAGEMENT, conversion/purchase/lead/signup → CONVERSION, share → SHARE (required) |
| user_id, session_id | person and session (at least one); stored only as keyed hashes |
| utm_source, utm_medium, utm_campaign, utm_content, utm_term, utm_id | campaign tags |
| landing_url (or url, page_url) | its query string fills any utm_* and click id missing from the columns |
| fbclid, gclid, gbraid, wbraid, dclid, msclkid, ttclid, li_fat_id, twclid, sccid, epik | click ids (only which one was present is kept, never its value) |
| campaign_id, ad_id | the ad platform's ids, when the ad's URL parameters pass them |
| value, currency | conversion value in currency units; currency ISO 4217 and the workspace's |

ORGANIC or PAID, first rule that applies (``classify``):

| # | rule | type |
|---|---|---|
| 1 | utm_medium matches ``^(.*cp.*|ppc|retargeting|paid.*)$`` (GA4's "Paid" channel definition) or is display, banner, sponsored, ad, ads | PAID |
| 2 | utm_medium is social, social-network, social-media, sm, social network, social media (GA4 "Organic Social") or organic, organic_social, organic-social | ORGANIC |
| 3 | an ad click id is present: gclid, gbraid, wbraid, dclid, msclkid, ttclid, li_fat_id, twclid, sccid, epik, fbclid | PAID |
| 4 | campaign_id, ad_id, utm_id, utm_campaign or utm_content is the id of an imported ad campaign or ad | PAID |
| 5 | none of the above | UNKNOWN |

fbclid caveat: Facebook adds fbclid to organic link clicks too. Rule 2 comes first, so organic posts whose
links carry ``utm_medium=social`` stay ORGANIC; an untagged organic click with fbclid is counted PAID.

Link to a boost: the first of campaign_id, ad_id, utm_id, utm_campaign, utm_content that is an imported
campaign's id (or one of its ads' ids) selects the campaign; the boost is that campaign's boost that
started last at or before the event (else its first). Unlinked events keep ``boost_campaign_id = None``.
"""

from __future__ import annotations

import bisect
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import AttributionEventType, Platform, TouchpointType
from boostloop.errors import BoostloopError, InvalidInput
from boostloop.server.db.models import AdCampaign, BoostCampaign, Workspace
from boostloop.server.ingest.importers.rows import (
    FileImport,
    Source,
    parse_instant,
    read_csv,
    read_ndjson,
)
from boostloop.server.ingest.schemas import IngestResult
from boostloop.server.ingest.validation import DuplicateTracker

# Events handed to ingest_events per call, inside the one transaction of the import.
EVENT_CHUNK = 5000

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
PAID_MEDIUM_EXTRA = frozenset({"display", "banner", "sponsored", "ad", "ads"})
ORGANIC_MEDIUMS = frozenset(
    {
        "social",
        "social-network",
        "social-media",
        "sm",
        "social network",
        "social media",
        "organic",
        "organic_social",
        "organic-social",
    }
)
CLICK_IDS = {
    "gclid": Platform.GOOGLE,
    "gbraid": Platform.GOOGLE,
    "wbraid": Platform.GOOGLE,
    "dclid": Platform.GOOGLE,
    "msclkid": Platform.OTHER,
    "ttclid": Platform.TIKTOK,
    "li_fat_id": Platform.LINKEDIN,
    "twclid": Platform.X,
    "sccid": Platform.OTHER,
    "epik": Platform.PINTEREST,
    "fbclid": Platform.FACEBOOK,
}
SOURCES = {
    "facebook": Platform.FACEBOOK,
    "fb": Platform.FACEBOOK,
    "meta": Platform.FACEBOOK,
    "m.facebook.com": Platform.FACEBOOK,
    "l.facebook.com": Platform.FACEBOOK,
    "instagram": Platform.INSTAGRAM,
    "ig": Platform.INSTAGRAM,
    "linkedin": Platform.LINKEDIN,
    "tiktok": Platform.TIKTOK,
    "twitter": Platform.X,
    "x": Platform.X,
    "t.co": Platform.X,
    "youtube": Platform.YOUTUBE,
    "pinterest": Platform.PINTEREST,
    "google": Platform.GOOGLE,
}
EVENT_TYPES = {
    **dict.fromkeys(
        ("view", "visit", "page_view", "pageview", "impression", "session_start"), AttributionEventType.VIEW
    ),
    "click": AttributionEventType.CLICK,
    **dict.fromkeys(("engagement", "like", "comment", "reaction"), AttributionEventType.ENGAGEMENT),
    **dict.fromkeys(
        ("conversion", "purchase", "lead", "signup", "sign_up", "subscribe"), AttributionEventType.CONVERSION
    ),
    "share": AttributionEventType.SHARE,
}
_FIELD_TO_COLUMN = {"client_event_id": "event_id", "value_cents": "value", "boost_id": "campaign_id"}
UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "utm_id")
LINK_KEYS = ("campaign_id", "ad_id", "utm_id", "utm_campaign", "utm_content")


def classify(utm_medium: str | None, click_ids: set[str], linked: bool) -> tuple[TouchpointType, str]:
    """ORGANIC / PAID / UNKNOWN and the rule that decided (module docstring, rule table)."""
    medium = (utm_medium or "").strip().lower()
    if medium and (PAID_MEDIUM.match(medium) or medium in PAID_MEDIUM_EXTRA):
        return TouchpointType.PAID, f"utm_medium={medium}"
    if medium in ORGANIC_MEDIUMS:
        return TouchpointType.ORGANIC, f"utm_medium={medium}"
    present = [c for c in CLICK_IDS if c in click_ids]
    if present:
        return TouchpointType.PAID, f"click id {present[0]}"
    if linked:
        return TouchpointType.PAID, "ad campaign id"
    return TouchpointType.UNKNOWN, "no rule"


def platform_of(utm_source: str | None, click_ids: set[str]) -> Platform:
    source = (utm_source or "").strip().lower()
    if source in SOURCES:
        return SOURCES[source]
    for c in CLICK_IDS:
        if c in click_ids:
            return CLICK_IDS[c]
    return Platform.OTHER


class BoostLinker:
    """Platform campaign / ad ids of the workspace → campaign → boost (loaded once per import)."""

    def __init__(self, session: Session, workspace_id: uuid.UUID) -> None:
        self.by_id: dict[str, uuid.UUID] = {}
        for cid, pcid, extra in session.execute(
            sa.select(AdCampaign.id, AdCampaign.platform_campaign_id, AdCampaign.extra).where(
                AdCampaign.workspace_id == workspace_id
            )
        ):
            self.by_id[pcid] = cid
            for ad in (extra or {}).get("ad_ids", []) or []:
                self.by_id.setdefault(str(ad), cid)
        self.boosts: dict[uuid.UUID, list[tuple[datetime, uuid.UUID, uuid.UUID | None]]] = {}
        for bid, cid, at, post in session.execute(
            sa.select(
                BoostCampaign.id,
                BoostCampaign.campaign_id,
                BoostCampaign.boosted_at,
                BoostCampaign.original_post_id,
            ).where(BoostCampaign.workspace_id == workspace_id, BoostCampaign.campaign_id.is_not(None))
        ):
            self.boosts.setdefault(cid, []).append((at, bid, post))
        for v in self.boosts.values():
            v.sort()

    def campaign(self, ids: list[str]) -> tuple[str, uuid.UUID] | None:
        for i in ids:
            if i and i in self.by_id:
                return i, self.by_id[i]
        return None

    def boost(self, campaign_id: uuid.UUID, at: datetime) -> tuple[uuid.UUID, uuid.UUID | None] | None:
        boosts = self.boosts.get(campaign_id)
        if not boosts:
            return None
        k = bisect.bisect_right([b[0] for b in boosts], at) - 1
        _, bid, post = boosts[max(k, 0)]
        return bid, post


def _text(row: dict[str, Any], *keys: str) -> str:
    for k in keys:
        v = row.get(k)
        if v not in (None, ""):
            return str(v).strip()
    return ""


def parse_events(
    session: Session, workspace: Workspace, source: Source, imp: FileImport, *, fmt: str | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, event dict)`` for every valid row; bad rows go to ``imp.errors`` with line and column."""
    name = str(getattr(source, "name", source))
    fmt = fmt or ("ndjson" if name.endswith((".ndjson", ".jsonl", ".json")) else "csv")
    if fmt == "csv":
        header, rows = read_csv(source, imp.errors)
        if header is not None:
            for need in (
                ("event_id",),
                ("occurred_at", "timestamp"),
                ("event_type", "event"),
                ("user_id", "session_id"),
            ):
                if not set(need) & set(header.columns):
                    imp.errors.add((f"line {header.line}",), f"missing column {' or '.join(map(repr, need))}")
        imp.errors.raise_if_any()
    else:
        rows = read_ndjson(source, imp.errors)
    linker = BoostLinker(session, workspace.id)
    ids = DuplicateTracker()
    for n, row in rows:
        imp.result.rows_read += 1
        event_id = _text(row, "event_id")
        if not event_id:
            imp.error(n, "event_id", "missing event id")
            continue
        if len(event_id) > 128:
            imp.error(n, "event_id", "longer than 128 characters")
            continue
        occurred = imp.cell(
            n, "occurred_at", parse_instant, row.get("occurred_at") or row.get("timestamp"), imp.zone
        )
        raw_type = _text(row, "event_type", "event").lower()
        event_type = EVENT_TYPES.get(raw_type)
        if event_type is None:
            imp.error(
                n, "event_type", f"unknown event type; one of {', '.join(sorted(EVENT_TYPES))}", raw_type
            )
        user, session_id = _text(row, "user_id"), _text(row, "session_id")
        if not user and not session_id:
            imp.error(n, "user_id", "needs a user_id or a session_id")
        params: dict[str, str] = {}
        url = _text(row, "landing_url", "url", "page_url")
        if url:
            for k, v in parse_qs(urlsplit(url).query).items():
                params[k.lower()] = v[0]
        tags = {k: _text(row, k) or params.get(k, "") for k in UTM}
        click_ids = {c for c in CLICK_IDS if _text(row, c) or params.get(c)}
        value_cents = None
        if (
            _text(row, "value")
            and event_type is not None
            and event_type is not AttributionEventType.CONVERSION
        ):
            imp.error(n, "value", "a value is only allowed on conversion events", _text(row, "value"))
            continue
        if _text(row, "value"):
            if _text(row, "currency") and not imp.check_currency(n, "currency", _text(row, "currency")):
                continue
            value_cents = imp.money(n, "value", row.get("value"))
            if value_cents is None:
                continue
        if occurred is None or event_type is None or (not user and not session_id):
            continue
        ids.add(event_id, n)
        link_ids = [
            _text(row, "campaign_id"),
            _text(row, "ad_id"),
            tags["utm_id"],
            tags["utm_campaign"],
            tags["utm_content"],
        ]
        linked = linker.campaign(link_ids)
        touchpoint, rule = classify(tags["utm_medium"], click_ids, linked is not None)
        boost = linker.boost(linked[1], occurred) if linked else None
        metadata = {k: v for k, v in tags.items() if v}
        if click_ids:
            metadata["click_id_params"] = sorted(click_ids)
        metadata["classified_by"] = rule
        if linked:
            metadata["platform_campaign_or_ad_id"] = linked[0]
        yield (
            n,
            {  # the attribution service's EventIn (boostloop.server.attribution.schemas)
                "client_event_id": event_id,
                "occurred_at": occurred,
                "event_type": event_type,
                "touchpoint_type": touchpoint,
                "platform": platform_of(tags["utm_source"], click_ids),
                "user_id": user or None,
                "session_id": session_id or None,
                "boost_id": boost[0] if boost else None,
                "post_id": boost[1] if boost else None,
                "value_cents": value_cents,
                "metadata": metadata,
            },
        )
    ids.report(imp.errors, imp.loc, "event_id")


def import_file(
    session: Session, workspace: Workspace, source: Source, *, format: str | None = None, **_: Any
) -> IngestResult:
    try:
        from boostloop.server.attribution.service import ingest_events
    except ImportError:
        raise BoostloopError(
            "touchpoint import needs the attribution service "
            "(boostloop.server.attribution.service.ingest_events), not installed"
        ) from None
    imp = FileImport(session, workspace)
    chunk: list[dict[str, Any]] = []
    lines: list[int] = []

    def flush() -> None:
        if not chunk or imp.errors:
            chunk.clear()
            lines.clear()
            return
        try:
            outcome = ingest_events(session, workspace, list(chunk))
        except InvalidInput as exc:
            for e in exc.errors:
                loc = list(e.loc)
                idx = next((p for p in loc if isinstance(p, int)), None)
                where = (f"line {lines[idx]}",) if idx is not None and idx < len(lines) else ()
                rest = [_FIELD_TO_COLUMN.get(p, p) for p in loc if not isinstance(p, int) and p != "events"]
                imp.errors.add((*where, *rest), e.msg, e.value)
        else:
            # IngestResult of the attribution service: received = inserted + duplicates + opted_out
            imp.result.events.created += int(outcome.inserted)
            imp.result.events.unchanged += int(outcome.duplicates)
            if getattr(outcome, "opted_out", 0):
                imp.opted_out += int(outcome.opted_out)
        chunk.clear()
        lines.clear()

    for n, event in parse_events(session, workspace, source, imp, fmt=format):
        chunk.append(event)
        lines.append(n)
        if len(chunk) >= EVENT_CHUNK:
            flush()
    flush()
    if imp.opted_out:
        imp.result.warnings.append(f"{imp.opted_out} event(s) of people who opted out were dropped")
    return imp.finish()


__all__ = ["BoostLinker", "classify", "import_file", "parse_events", "platform_of"]
