"""Any other platform: a CSV or NDJSON file plus a mapping file (TOML) that says which column holds what.

The mapping (docs/importing.md has the full reference; ``samples/generic_tiktok_mapping.toml`` is one):

```toml
kind = "campaign_metrics"      # or "organic_metrics"
format = "csv"                 # or "ndjson"; default from the file name
platform = "TIKTOK"            # a Boostloop platform, or map a column to "platform"
timezone = "UTC"               # for times and days written without an offset (default: the workspace's)
money = "units"                # "units" (12.34), "cents" (1234) or "micros" (12340000)
currency = "USD"               # the file's currency; or currency_column = "currency"
granularity = "DAY"            # campaign_metrics: DAY or HOUR

[columns]                      # Boostloop field = "column in the file"
platform_campaign_id = "campaign_id"
campaign_name = "campaign_name"
period_start = "stat_time_day"
spend = "spend"
impressions = "impressions"
```

Fields of ``campaign_metrics``: platform_campaign_id (required), period_start (required), campaign_name,
objective, promoted_platform_post_id, impressions, reach, clicks, conversions, conversion_value, spend.
Fields of ``organic_metrics``: platform_account_id, platform_post_id, captured_at (required),
account_handle, content_type and published_at (both needed to create a post not yet known),
permalink, text, impressions, reach, engagements, likes, comments, shares, clicks, video_views, total_reach.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from boostloop.enums import MetricGranularity, Platform
from boostloop.errors import FieldError, InvalidInput
from boostloop.server.db.models import Workspace
from boostloop.server.ingest.importers.currency import is_iso4217, to_minor_units
from boostloop.server.ingest.importers.rows import (
    CellError,
    FileImport,
    Source,
    local_midnight,
    parse_count,
    parse_date,
    parse_decimal,
    parse_instant,
    read_csv,
    read_ndjson,
)
from boostloop.server.ingest.schemas import IngestResult

CAMPAIGN_FIELDS = {
    "platform_campaign_id",
    "period_start",
    "campaign_name",
    "objective",
    "promoted_platform_post_id",
    "impressions",
    "reach",
    "clicks",
    "conversions",
    "conversion_value",
    "spend",
    "platform",
}
ORGANIC_FIELDS = {
    "platform_account_id",
    "platform_post_id",
    "captured_at",
    "account_handle",
    "content_type",
    "published_at",
    "permalink",
    "text",
    "impressions",
    "reach",
    "engagements",
    "likes",
    "comments",
    "shares",
    "clicks",
    "video_views",
    "total_reach",
    "platform",
}
REQUIRED = {
    "campaign_metrics": ("platform_campaign_id", "period_start"),
    "organic_metrics": ("platform_account_id", "platform_post_id", "captured_at"),
}
MONEY_SCALE = {"units": Decimal(1), "cents": None, "micros": Decimal(1_000_000)}
COUNTS = (
    "impressions",
    "reach",
    "clicks",
    "conversions",
    "engagements",
    "likes",
    "comments",
    "shares",
    "video_views",
    "total_reach",
)


def load_mapping(path: str | Path | dict[str, Any]) -> dict[str, Any]:
    """Read and check a mapping; every problem is reported with its key."""
    errors: list[FieldError] = []
    if isinstance(path, dict):
        m = path
    else:
        try:
            m = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput(errors=[FieldError(("mapping",), f"unreadable mapping file: {exc}")]) from None
    kind = m.get("kind")
    if kind not in REQUIRED:
        errors.append(FieldError(("mapping", "kind"), f"one of {', '.join(REQUIRED)}", kind))
    cols = m.get("columns")
    if not isinstance(cols, dict) or not all(isinstance(v, str) for v in cols.values()):
        errors.append(FieldError(("mapping", "columns"), 'a table of field = "column name"'))
        cols = {}
    allowed = CAMPAIGN_FIELDS if kind == "campaign_metrics" else ORGANIC_FIELDS
    for f in cols:
        if kind in REQUIRED and f not in allowed:
            errors.append(FieldError(("mapping", "columns", f), f"unknown field for {kind}"))
    for f in REQUIRED.get(kind, ()):
        if f not in cols:
            errors.append(FieldError(("mapping", "columns", f), "required"))
    if "platform" not in cols:
        try:
            Platform(str(m.get("platform", "")).upper())
        except ValueError:
            errors.append(
                FieldError(
                    ("mapping", "platform"),
                    f"one of {', '.join(p.value for p in Platform)} (or map a column to 'platform')",
                    m.get("platform"),
                )
            )
    if m.get("money", "units") not in MONEY_SCALE:
        errors.append(FieldError(("mapping", "money"), "one of units, cents, micros", m.get("money")))
    if m.get("format", "csv") not in ("csv", "ndjson"):
        errors.append(FieldError(("mapping", "format"), "csv or ndjson", m.get("format")))
    if str(m.get("granularity", "DAY")).upper() not in ("DAY", "HOUR"):
        errors.append(FieldError(("mapping", "granularity"), "DAY or HOUR", m.get("granularity")))
    if m.get("currency") is not None and not is_iso4217(str(m["currency"])):
        errors.append(FieldError(("mapping", "currency"), "not an ISO 4217 currency code", m.get("currency")))
    if errors:
        raise InvalidInput(errors=errors, summary="Invalid mapping file")
    return m


def import_file(
    session: Session,
    workspace: Workspace,
    source: Source,
    *,
    mapping: str | Path | dict | None = None,
    **_: Any,
) -> IngestResult:
    if mapping is None:
        raise InvalidInput(
            errors=[FieldError(("mapping",), "the generic importer needs a mapping file (--mapping)")]
        )
    m = load_mapping(mapping)
    imp = FileImport(session, workspace, timezone=m.get("timezone"))
    cols: dict[str, str] = m["columns"]
    kind = m["kind"]
    fmt = m.get("format") or (
        "ndjson" if str(getattr(source, "name", source)).endswith((".ndjson", ".jsonl")) else "csv"
    )
    scale = MONEY_SCALE[m.get("money", "units")]
    currency_col = m.get("currency_column")
    if m.get("currency") is not None and not imp.check_currency(0, "mapping.currency", str(m["currency"])):
        imp.errors.raise_if_any()
    if fmt == "csv":
        header, rows = read_csv(source, imp.errors)
        if header is not None:
            missing = [
                c
                for c in [*cols.values(), *([currency_col] if currency_col else [])]
                if c not in header.columns
            ]
            for c in missing:
                imp.errors.add((f"line {header.line}",), f"missing column {c!r} named in the mapping")
        imp.errors.raise_if_any()
    else:
        rows = read_ndjson(source, imp.errors)
    ref_columns = dict(cols)
    for target in ("spend", "conversion_value"):
        if target in cols:
            ref_columns[target + "_cents"] = cols[target]
    ref_columns["name"] = cols.get("campaign_name", "campaign_name")
    ref_columns["handle"] = cols.get("account_handle", "account_handle")
    granularity = MetricGranularity(str(m.get("granularity", "DAY")).upper())
    step = timedelta(days=1) if granularity is MetricGranularity.DAY else timedelta(hours=1)
    seen_currency: set[str] = set()

    def get(row: dict[str, Any], field: str) -> Any:
        value = row.get(cols[field]) if field in cols else None
        return value.strip() if isinstance(value, str) else value

    def money(n: int, field: str, row: dict[str, Any]) -> int | None:
        if field not in cols:
            return 0
        try:
            value = parse_decimal(get(row, field))
            if value < 0:
                raise CellError(f"negative amount: {get(row, field)!r}")
            if scale is None:
                if value != value.to_integral_value():
                    raise CellError(f"cents must be whole: {get(row, field)!r}")
                return int(value)
            minor, rounded = to_minor_units(value / scale, imp.currency)
            imp.rounded_money += rounded
            return minor
        except CellError as exc:
            imp.error(n, cols[field], str(exc), get(row, field))
            return None

    for n, row in rows:
        imp.result.rows_read += 1
        if currency_col:
            code = str(row.get(currency_col) or "").strip().upper()
            if code not in seen_currency:
                if not imp.check_currency(n, currency_col, code):
                    continue
                seen_currency.add(code)
        platform = str(get(row, "platform") if "platform" in cols else m.get("platform", "")).upper()
        counts: dict[str, Any] = {}
        for f in COUNTS:
            if f in cols:
                counts[f] = imp.cell(
                    n, cols[f], parse_count, get(row, f), empty=None if f in ("reach", "total_reach") else 0
                )
        ref = imp.ref(n, ref_columns)
        if kind == "campaign_metrics":
            period = imp.cell(
                n, cols["period_start"], _period, get(row, "period_start"), imp.zone, granularity
            )
            spend = money(n, "spend", row)
            value = money(n, "conversion_value", row)
            if (
                period is None
                or spend is None
                or value is None
                or any(counts.get(f) is None for f in counts if f != "reach")
            ):
                continue
            campaign: dict[str, Any] = {
                "platform": platform,
                "platform_campaign_id": get(row, "platform_campaign_id") or "",
                "started_at": period,
                "ended_at": period + step,
            }
            for src, dst in (
                ("campaign_name", "name"),
                ("promoted_platform_post_id", "promoted_platform_post_id"),
            ):
                if get(row, src):
                    campaign[dst] = get(row, src)
            if get(row, "objective"):
                campaign["objective"] = str(get(row, "objective")).upper()
            if not imp.campaign(campaign, ref):
                continue
            imp.ingestor.campaign_metric(
                {
                    "platform": platform,
                    "platform_campaign_id": campaign["platform_campaign_id"],
                    "granularity": granularity,
                    "period_start": period,
                    "spend_cents": spend,
                    "conversion_value_cents": value,
                    **counts,
                },
                ref,
            )
        else:
            captured = imp.cell(n, cols["captured_at"], parse_instant, get(row, "captured_at"), imp.zone)
            if captured is None or any(
                counts.get(f) is None for f in counts if f not in ("reach", "total_reach")
            ):
                continue
            account = {"platform": platform, "platform_account_id": get(row, "platform_account_id") or ""}
            if get(row, "account_handle"):
                account["handle"] = get(row, "account_handle")
            imp.ingestor.account(account, ref)
            if "published_at" in cols and "content_type" in cols:
                published = imp.cell(
                    n, cols["published_at"], parse_instant, get(row, "published_at"), imp.zone
                )
                if published is None:
                    continue
                post = {
                    "platform": platform,
                    "platform_account_id": account["platform_account_id"],
                    "platform_post_id": get(row, "platform_post_id") or "",
                    "published_at": published,
                    "content_type": str(get(row, "content_type") or "").upper(),
                }
                if get(row, "permalink"):
                    post["permalink"] = get(row, "permalink")
                if get(row, "text"):
                    post["text_excerpt"] = str(get(row, "text"))[:280]
                    post["text_length"] = len(str(get(row, "text")))
                if imp.ingestor.post(post, ref) is None:
                    continue
            counts.setdefault("reach", 0)
            if counts["reach"] is None:
                counts["reach"] = 0
            imp.ingestor.organic_metric(
                {
                    "platform": platform,
                    "platform_account_id": account["platform_account_id"],
                    "platform_post_id": get(row, "platform_post_id") or "",
                    "captured_at": captured,
                    **counts,
                },
                ref,
            )
    return imp.finish()


def _period(text: Any, zone, granularity: MetricGranularity) -> datetime:
    """A day (``2026-11-01``: local midnight) or a time (truncated check: must start the hour or day)."""
    s = str(text or "").strip()
    if len(s) == 10:
        return local_midnight(parse_date(s), zone)
    value = parse_instant(text, zone)
    if granularity is MetricGranularity.DAY and value.astimezone(zone).time() != datetime.min.time():
        raise CellError(f"a DAY period must start at local midnight: {text!r}")
    return value.astimezone(UTC)


__all__ = ["import_file", "load_mapping"]
