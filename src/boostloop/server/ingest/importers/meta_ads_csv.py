"""Meta Ads Manager CSV exports ("Export table data" → CSV), at campaign or at ad level.

Columns read (Ads Manager's own names; others are ignored):

| column | use |
|---|---|
| Campaign ID, Campaign name | the campaign (required) |
| Day, or Reporting starts + Reporting ends | the reporting day (Breakdown → By time → Day); a row covering more than one day is refused, daily metrics cannot be made from it |
| Amount spent (XXX) | spend; XXX must be ISO 4217 and the workspace's currency (required) |
| Impressions | impressions (required) |
| Reach | unique reach of the day (campaign level; at ad level kept only when the campaign had one ad that day: reach does not add up) |
| Link clicks (else Clicks (all)) | clicks |
| Purchases, else Results when Result type (or Result indicator) is a conversion | conversions |
| Purchases conversion value (or Website purchases conversion value) | conversion value, in the spend currency |
| Ad ID, Ad name | ad level: rows are summed per campaign and day; ad ids are kept on the campaign (touchpoint links by ad id) |
| Objective, Result type | campaign objective |
| Campaign delivery (or Delivery) | campaign status |
| Starts, Ends | campaign window ("Ongoing" = still running) |
| Post ID (or Effective object story ID) | the organic post the ad promotes (backfill links boosts by it) |

Days are the ad account's reporting days, read in the workspace time zone unless ``timezone`` is given.
Breakdown exports (Age, Gender, Placement...) are refused: their rows would double count a day.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from boostloop.enums import CampaignObjective, CampaignStatus, MetricGranularity, Platform
from boostloop.server.db.models import Workspace
from boostloop.server.ingest.importers.rows import (
    FileImport,
    Source,
    first_present,
    local_midnight,
    next_local_midnight,
    parse_count,
    parse_date,
    read_csv,
    require_columns,
)
from boostloop.server.ingest.schemas import IngestResult
from boostloop.server.ingest.validation import DuplicateTracker

SPEND = re.compile(r"^Amount spent \((?P<code>[^)]*)\)$")
BREAKDOWNS = (
    "Age",
    "Gender",
    "Region",
    "Country",
    "Placement",
    "Platform",
    "Device platform",
    "Impression device",
)

# Result types that are conversions (Ads Manager "Result type" wording, lower-cased substrings).
CONVERSION_RESULTS = ("purchase", "lead", "registration", "conversion", "subscri", "checkout", "add to cart")

# Objective from the Objective column (ODAX names and the older ones) or, failing it, the Result type.
OBJECTIVES = {
    "outcome_awareness": CampaignObjective.AWARENESS,
    "awareness": CampaignObjective.AWARENESS,
    "brand_awareness": CampaignObjective.AWARENESS,
    "reach": CampaignObjective.REACH,
    "outcome_traffic": CampaignObjective.TRAFFIC,
    "traffic": CampaignObjective.TRAFFIC,
    "link_clicks": CampaignObjective.TRAFFIC,
    "outcome_engagement": CampaignObjective.ENGAGEMENT,
    "engagement": CampaignObjective.ENGAGEMENT,
    "post_engagement": CampaignObjective.ENGAGEMENT,
    "post engagement": CampaignObjective.ENGAGEMENT,
    "video_views": CampaignObjective.VIDEO_VIEWS,
    "video views": CampaignObjective.VIDEO_VIEWS,
    "outcome_leads": CampaignObjective.LEADS,
    "leads": CampaignObjective.LEADS,
    "lead_generation": CampaignObjective.LEADS,
    "outcome_sales": CampaignObjective.SALES,
    "sales": CampaignObjective.SALES,
    "conversions": CampaignObjective.CONVERSIONS,
    "outcome_app_promotion": CampaignObjective.CONVERSIONS,
}
RESULT_OBJECTIVES = (
    ("purchase", CampaignObjective.SALES),
    ("lead", CampaignObjective.LEADS),
    ("link click", CampaignObjective.TRAFFIC),
    ("landing page", CampaignObjective.TRAFFIC),
    ("engagement", CampaignObjective.ENGAGEMENT),
    ("reach", CampaignObjective.REACH),
    ("impression", CampaignObjective.AWARENESS),
    ("thruplay", CampaignObjective.VIDEO_VIEWS),
    ("video", CampaignObjective.VIDEO_VIEWS),
)
STATUSES = {
    "active": CampaignStatus.ACTIVE,
    "inactive": CampaignStatus.PAUSED,
    "paused": CampaignStatus.PAUSED,
    "campaign off": CampaignStatus.PAUSED,
    "off": CampaignStatus.PAUSED,
    "completed": CampaignStatus.COMPLETED,
    "not delivering": CampaignStatus.PAUSED,
    "archived": CampaignStatus.ARCHIVED,
    "deleted": CampaignStatus.ARCHIVED,
}


def _objective(row: dict[str, str]) -> CampaignObjective | None:
    raw = (row.get("Objective") or "").strip().lower()
    if raw in OBJECTIVES:
        return OBJECTIVES[raw]
    result = (row.get("Result type") or row.get("Result indicator") or "").strip().lower()
    return next((o for k, o in RESULT_OBJECTIVES if k in result), None)


def import_file(
    session: Session, workspace: Workspace, source: Source, *, timezone: str | None = None, **_: Any
) -> IngestResult:
    imp = FileImport(session, workspace, timezone=timezone)
    header, rows = read_csv(source, imp.errors, find_header=("Campaign ID", "Campaign name"))
    if header is None:
        imp.errors.raise_if_any()
        raise AssertionError("unreachable")
    spend_col = next((c for c in header.columns if SPEND.match(c)), None)
    ok = require_columns(
        imp, header, ["Campaign ID", "Campaign name", "Impressions", ("Day", "Reporting starts")]
    )
    if spend_col is None:
        imp.errors.add(
            (f"line {header.line}",), "missing column 'Amount spent (XXX)' (XXX: the currency code)"
        )
        ok = False
    else:
        ok &= imp.check_currency(header.line, spend_col, SPEND.match(spend_col)["code"])
    breakdowns = [c for c in BREAKDOWNS if c in header.columns]
    if breakdowns:
        imp.errors.add(
            (f"line {header.line}", breakdowns[0]),
            "breakdown exports are not supported (rows of one day would be counted twice); "
            "export with no breakdown but By time → Day",
        )
        ok = False
    if not ok:
        imp.errors.raise_if_any()

    ad_level = "Ad ID" in header.columns
    clicks_col = first_present(header, "Link clicks", "Clicks (all)", "Clicks")
    value_col = first_present(
        header, "Purchases conversion value", "Website purchases conversion value", "Conversion value"
    )
    post_col = first_present(header, "Post ID", "Effective object story ID", "Object story ID")
    dups = DuplicateTracker()
    # Ad level: (campaign, day) → running sums, so that the campaign metric is written once per day.
    totals: dict[tuple[str, date], dict[str, Any]] = {}

    for n, row in rows:
        imp.result.rows_read += 1
        cid = (row.get("Campaign ID") or "").strip()
        if not cid:
            imp.error(n, "Campaign ID", "missing campaign id")
            continue
        day = _day(imp, n, row)
        impressions = imp.cell(n, "Impressions", parse_count, row.get("Impressions"))
        reach = imp.cell(n, "Reach", parse_count, row.get("Reach"), empty=None) if "Reach" in row else None
        clicks = imp.cell(n, clicks_col, parse_count, row.get(clicks_col)) if clicks_col else 0
        spend = imp.money(n, spend_col, row.get(spend_col))
        conversions = _conversions(imp, n, row)
        value = imp.money(n, value_col, row.get(value_col)) if value_col else 0
        if day is None or None in (impressions, clicks, spend, conversions, value):
            continue
        ad_id = (row.get("Ad ID") or "").strip() if ad_level else ""
        if ad_level and not ad_id:
            imp.error(n, "Ad ID", "missing ad id")
            continue
        if ad_level:  # campaign-level repeats are caught by the ingest service's own key check
            dups.add((cid, ad_id, day), n)

        extra: dict[str, Any] = {}
        promoted = (row.get(post_col) or "").strip() if post_col else ""
        if ad_level:
            # Ads of one campaign may promote different posts: kept as lists on the campaign.
            extra["ad_ids"] = [ad_id]
            if promoted:
                extra["promoted_post_ids"] = [promoted]
        starts = _optional_date(imp, n, row, "Starts")
        ends = _optional_date(imp, n, row, "Ends")
        status = STATUSES.get((row.get("Campaign delivery") or row.get("Delivery") or "").strip().lower())
        campaign = {
            "platform": Platform.FACEBOOK,
            "platform_campaign_id": cid,
            "name": (row.get("Campaign name") or "").strip(),
            "objective": _objective(row),
            "started_at": local_midnight(starts or day, imp.zone),
            "ended_at": next_local_midnight(ends or day, imp.zone),
        }
        if status:
            campaign["status"] = status
        if extra:
            campaign["extra"] = extra
        if promoted and not ad_level:
            campaign["promoted_platform_post_id"] = promoted
        if not imp.campaign(
            campaign,
            imp.ref(
                n,
                {
                    "name": "Campaign name",
                    "platform_campaign_id": "Campaign ID",
                    "promoted_platform_post_id": post_col or "Post ID",
                    "started_at": "Starts",
                    "ended_at": "Ends",
                },
            ),
        ):
            continue
        metric = {
            "impressions": impressions,
            "reach": reach,
            "clicks": clicks,
            "conversions": conversions,
            "conversion_value_cents": value,
            "spend_cents": spend,
        }
        if not ad_level:
            imp.ingestor.campaign_metric(
                _metric_row(cid, day, imp, metric), imp.ref(n, _METRIC_COLUMNS(spend_col))
            )
            continue
        acc = totals.get((cid, day))
        if acc is None:
            totals[(cid, day)] = {**metric, "_line": n, "_ads": 1}
        else:
            for k in ("impressions", "clicks", "conversions", "conversion_value_cents", "spend_cents"):
                acc[k] += metric[k]
            acc["reach"] = None  # unique reach of several ads does not add up
            acc["_ads"] += 1

    for (cid, day), acc in totals.items():
        n = acc.pop("_line")
        acc.pop("_ads")
        imp.ingestor.campaign_metric(_metric_row(cid, day, imp, acc), imp.ref(n, _METRIC_COLUMNS(spend_col)))
    dups.report(imp.errors, imp.loc, "row: the same campaign, ad and day")
    return imp.finish()


def _METRIC_COLUMNS(spend_col: str | None) -> dict[str, str]:
    return {
        "impressions": "Impressions",
        "reach": "Reach",
        "spend_cents": spend_col or "Amount spent",
        "clicks": "Link clicks",
        "period_start": "Day",
        "platform_campaign_id": "Campaign ID",
    }


def _metric_row(cid: str, day: date, imp: FileImport, metric: dict[str, Any]) -> dict[str, Any]:
    return {
        "platform": Platform.FACEBOOK,
        "platform_campaign_id": cid,
        "granularity": MetricGranularity.DAY,
        "period_start": local_midnight(day, imp.zone),
        **metric,
    }


def _day(imp: FileImport, n: int, row: dict[str, str]) -> date | None:
    if row.get("Day"):
        return imp.cell(n, "Day", parse_date, row["Day"])
    start = imp.cell(n, "Reporting starts", parse_date, row.get("Reporting starts"))
    end = imp.cell(n, "Reporting ends", parse_date, row.get("Reporting ends") or row.get("Reporting starts"))
    if start is None or end is None:
        return None
    if end != start:
        imp.error(
            n,
            "Reporting ends",
            f"the row covers {start} to {end}; export with Breakdown → By time → Day "
            "so that each row is one day",
            row.get("Reporting ends"),
        )
        return None
    return start


def _optional_date(imp: FileImport, n: int, row: dict[str, str], column: str) -> date | None:
    text = (row.get(column) or "").strip()
    if not text or text.lower() == "ongoing":
        return None
    return imp.cell(n, column, parse_date, text[:10])


def _conversions(imp: FileImport, n: int, row: dict[str, str]) -> int | None:
    if "Purchases" in row:
        return imp.cell(n, "Purchases", parse_count, row.get("Purchases"))
    result_type = (row.get("Result type") or row.get("Result indicator") or "").lower()
    if "Results" in row and any(k in result_type for k in CONVERSION_RESULTS):
        return imp.cell(n, "Results", parse_count, row.get("Results"))
    return 0
