"""Google Ads campaign report CSV (Reports → Campaigns, segmented by Day, downloaded as CSV or as
"CSV (Excel)", which is UTF-16 and tab-separated).

The download starts with the report title and the date range before the header; they are skipped.
The "Total: ..." rows at the end are skipped. Cells of "--" mean no data (0).

| column | use |
|---|---|
| Day | the reporting day, in the account time zone (required) |
| Campaign ID, Campaign | the campaign (required) |
| Impressions, Clicks | counts (required) |
| Cost | spend in currency units → minor units with Decimal, exactly (required) |
| Conversions | Google reports fractional conversions (data-driven attribution); rounded half-to-even to whole ones, counted in the warnings |
| Conv. value | conversion value in currency units |
| Currency code | must be ISO 4217 and the workspace's; when absent, the workspace currency is assumed (a warning says so) |
| Campaign type | objective: Search/Shopping → TRAFFIC/SALES, Display → AWARENESS, Video → VIDEO_VIEWS, Performance Max → SALES |
| Campaign status | status (Enabled, Paused, Removed) |
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN
from typing import Any

from sqlalchemy.orm import Session

from boostloop.enums import CampaignObjective, CampaignStatus, MetricGranularity, Platform
from boostloop.server.db.models import Workspace
from boostloop.server.ingest.importers.rows import (
    CellError,
    FileImport,
    Source,
    local_midnight,
    next_local_midnight,
    parse_count,
    parse_date,
    parse_decimal,
    read_csv,
    require_columns,
)
from boostloop.server.ingest.schemas import IngestResult

TYPES = {
    "search": CampaignObjective.TRAFFIC,
    "display": CampaignObjective.AWARENESS,
    "video": CampaignObjective.VIDEO_VIEWS,
    "shopping": CampaignObjective.SALES,
    "performance max": CampaignObjective.SALES,
    "demand gen": CampaignObjective.CONVERSIONS,
    "discovery": CampaignObjective.CONVERSIONS,
    "app": CampaignObjective.CONVERSIONS,
}
STATUSES = {
    "enabled": CampaignStatus.ACTIVE,
    "paused": CampaignStatus.PAUSED,
    "removed": CampaignStatus.ARCHIVED,
    "ended": CampaignStatus.COMPLETED,
}
COLUMNS = {
    "platform_campaign_id": "Campaign ID",
    "name": "Campaign",
    "impressions": "Impressions",
    "clicks": "Clicks",
    "spend_cents": "Cost",
    "conversions": "Conversions",
    "conversion_value_cents": "Conv. value",
    "period_start": "Day",
}


def _fractional_count(text: str | None) -> tuple[int, bool]:
    value = parse_decimal(text)
    if value < 0:
        raise CellError(f"negative count: {text!r}")
    whole = value.to_integral_value(rounding=ROUND_HALF_EVEN)
    return int(whole), whole != value


def import_file(
    session: Session,
    workspace: Workspace,
    source: Source,
    *,
    timezone: str | None = None,
    currency: str | None = None,
    **_: Any,
) -> IngestResult:
    imp = FileImport(session, workspace, timezone=timezone)
    header, rows = read_csv(source, imp.errors, find_header=("Campaign ID",))
    if header is None or not require_columns(
        imp, header, ["Day", "Campaign ID", "Campaign", "Impressions", "Clicks", "Cost"]
    ):
        imp.errors.raise_if_any()
    has_currency = "Currency code" in header.columns
    if not has_currency:
        if currency is not None:
            if not imp.check_currency(header.line, "--currency", currency):
                imp.errors.raise_if_any()
        else:
            imp.result.warnings.append(f"no 'Currency code' column: amounts read as {imp.currency}")
    rounded_conversions = 0
    currency_seen: set[str] = set()
    for n, row in rows:
        first = next(iter(row.values()), "") or ""
        if first.strip().lower().startswith("total") or (
            row.get("Campaign ID") or ""
        ).strip().lower().startswith("total"):
            continue
        imp.result.rows_read += 1
        if has_currency:
            code = (row.get("Currency code") or "").strip().upper()
            if code not in currency_seen:
                if not imp.check_currency(n, "Currency code", code):
                    continue
                currency_seen.add(code)
        cid = (row.get("Campaign ID") or "").strip()
        day = imp.cell(n, "Day", parse_date, row.get("Day"))
        impressions = imp.cell(n, "Impressions", parse_count, row.get("Impressions"))
        clicks = imp.cell(n, "Clicks", parse_count, row.get("Clicks"))
        spend = imp.money(n, "Cost", row.get("Cost"))
        conv = imp.cell(n, "Conversions", _fractional_count, row.get("Conversions"))
        value = imp.money(n, "Conv. value", row.get("Conv. value"))
        if not cid:
            imp.error(n, "Campaign ID", "missing campaign id")
            continue
        if day is None or None in (impressions, clicks, spend, conv, value):
            continue
        rounded_conversions += conv[1]
        campaign: dict[str, Any] = {
            "platform": Platform.GOOGLE,
            "platform_campaign_id": cid,
            "name": (row.get("Campaign") or "").strip(),
            "objective": TYPES.get(
                (row.get("Campaign type") or "").strip().lower(), CampaignObjective.TRAFFIC
            ),
            "started_at": local_midnight(day, imp.zone),
            "ended_at": next_local_midnight(day, imp.zone),
        }
        status = STATUSES.get((row.get("Campaign status") or "").strip().lower())
        if status:
            campaign["status"] = status
        if not imp.campaign(campaign, imp.ref(n, COLUMNS)):
            continue
        imp.ingestor.campaign_metric(
            {
                "platform": Platform.GOOGLE,
                "platform_campaign_id": cid,
                "granularity": MetricGranularity.DAY,
                "period_start": local_midnight(day, imp.zone),
                "impressions": impressions,
                "clicks": clicks,
                "conversions": conv[0],
                "conversion_value_cents": value,
                "spend_cents": spend,
            },
            imp.ref(n, COLUMNS),
        )
    if rounded_conversions:
        imp.result.warnings.append(
            f"{rounded_conversions} fractional conversion count(s) rounded half-to-even"
        )
    return imp.finish()
