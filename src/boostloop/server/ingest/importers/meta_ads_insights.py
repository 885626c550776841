"""Meta Marketing API insights JSON: the saved response(s) of
``GET /act_<AD_ACCOUNT>/insights?level=campaign|ad&time_increment=1&fields=campaign_id,campaign_name,
ad_id,ad_name,impressions,reach,frequency,clicks,spend,actions,action_values,account_currency,objective``.

One response (``{"data": [...], "paging": {...}}``) or a JSON array of pages. Numbers arrive as
strings, as the API sends them. Rows with ``ad_id`` are summed per campaign and day (reach only kept
when the campaign had a single ad that day). Conversions are the first action type present among
``conversion_actions`` (default ``omni_purchase``, ``purchase``, ``offsite_conversion.fb_pixel_purchase``:
the same purchases counted by overlapping definitions, so they are not added together); the conversion
value is the ``action_values`` entry of that same type. ``frequency`` is checked against
impressions / reach (1 % tolerance: Meta computes it from the same two figures) to catch shifted fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from boostloop.enums import MetricGranularity, Platform
from boostloop.server.db.models import Workspace
from boostloop.server.ingest.importers.meta_ads_csv import OBJECTIVES
from boostloop.server.ingest.importers.rows import (
    CellError,
    FileImport,
    Source,
    local_midnight,
    next_local_midnight,
    parse_count,
    parse_date,
    parse_decimal,
    read_json_data,
)
from boostloop.server.ingest.schemas import IngestResult
from boostloop.server.ingest.validation import DuplicateTracker

DEFAULT_CONVERSION_ACTIONS = ("omni_purchase", "purchase", "offsite_conversion.fb_pixel_purchase")
FREQUENCY_TOLERANCE = Decimal("0.01")


def _action(items: Any, wanted: tuple[str, ...]) -> tuple[str | None, Any]:
    if items is None:
        return None, None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CellError("expected a list of {action_type, value}")
    by_type = {i.get("action_type"): i.get("value") for i in items}
    for t in wanted:
        if t in by_type:
            return t, by_type[t]
    return None, None


def import_file(
    session: Session,
    workspace: Workspace,
    source: Source,
    *,
    timezone: str | None = None,
    currency: str | None = None,
    conversion_actions: tuple[str, ...] | None = None,
    **_: Any,
) -> IngestResult:
    imp = FileImport(session, workspace, timezone=timezone, line_label="data")
    wanted = tuple(conversion_actions or DEFAULT_CONVERSION_ACTIONS)
    if currency is not None and not imp.check_currency(0, "--currency", currency):
        imp.errors.raise_if_any()
    dups = DuplicateTracker()
    totals: dict[tuple[str, date], dict[str, Any]] = {}
    checked_currency: set[str] = set()
    for i, item in read_json_data(source, imp.errors):
        imp.result.rows_read += 1
        code = item.get("account_currency")
        if code is not None and code not in checked_currency:
            if not imp.check_currency(i, "account_currency", str(code)):
                continue
            checked_currency.add(code)
        cid = str(item.get("campaign_id") or "").strip()
        if not cid:
            imp.error(i, "campaign_id", "missing campaign_id")
            continue
        start = imp.cell(i, "date_start", parse_date, item.get("date_start"))
        stop = imp.cell(i, "date_stop", parse_date, item.get("date_stop") or item.get("date_start"))
        if start is not None and stop is not None and stop != start:
            imp.error(i, "date_stop", f"the item covers {start} to {stop}; request time_increment=1")
            continue
        impressions = imp.cell(i, "impressions", parse_count, item.get("impressions"))
        reach = imp.cell(i, "reach", parse_count, item.get("reach"), empty=None)
        clicks = imp.cell(i, "clicks", parse_count, item.get("clicks"))
        spend = imp.money(i, "spend", item.get("spend"))
        try:
            conv_type, conv_text = _action(item.get("actions"), wanted)
            conversions = parse_count(conv_text)
        except CellError as exc:
            imp.error(i, "actions", str(exc))
            conversions = None
        try:
            _, value_text = _action(item.get("action_values"), (conv_type,) if conv_type else ())
            value = imp.money(i, "action_values", value_text)
        except CellError as exc:
            imp.error(i, "action_values", str(exc))
            value = None
        if start is None or None in (impressions, clicks, spend, conversions, value):
            continue
        freq = item.get("frequency")
        if freq is not None and reach:
            try:
                f = parse_decimal(freq)
                if abs(Decimal(impressions) / reach - f) > FREQUENCY_TOLERANCE * f:
                    imp.error(
                        i,
                        "frequency",
                        f"{freq} does not match impressions / reach = {impressions}/{reach}: fields shifted?",
                        freq,
                    )
                    continue
            except CellError as exc:
                imp.error(i, "frequency", str(exc), freq)
                continue
        ad_id = str(item.get("ad_id") or "").strip()
        if ad_id:
            dups.add((cid, ad_id, start), i)
        campaign: dict[str, Any] = {
            "platform": Platform.FACEBOOK,
            "platform_campaign_id": cid,
            "name": str(item.get("campaign_name") or "").strip(),
            "started_at": local_midnight(start, imp.zone),
            "ended_at": next_local_midnight(start, imp.zone),
        }
        objective = OBJECTIVES.get(str(item.get("objective") or "").strip().lower())
        if objective:
            campaign["objective"] = objective
        if ad_id:
            campaign["extra"] = {"ad_ids": [ad_id]}
        if not imp.campaign(
            campaign, imp.ref(i, {"name": "campaign_name", "platform_campaign_id": "campaign_id"})
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
        if not ad_id:
            _write(imp, cid, start, metric, i)
            continue
        acc = totals.get((cid, start))
        if acc is None:
            totals[(cid, start)] = {**metric, "_i": i}
        else:
            for k in ("impressions", "clicks", "conversions", "conversion_value_cents", "spend_cents"):
                acc[k] += metric[k]
            acc["reach"] = None  # unique reach of several ads does not add up
    for (cid, day), acc in totals.items():
        _write(imp, cid, day, acc, acc.pop("_i"))
    dups.report(imp.errors, imp.loc, "item: the same campaign, ad and day")
    return imp.finish()


def _write(imp: FileImport, cid: str, day: date, metric: dict[str, Any], i: int) -> None:
    imp.ingestor.campaign_metric(
        {
            "platform": Platform.FACEBOOK,
            "platform_campaign_id": cid,
            "granularity": MetricGranularity.DAY,
            "period_start": local_midnight(day, imp.zone),
            **metric,
        },
        imp.ref(
            i,
            {
                "spend_cents": "spend",
                "period_start": "date_start",
                "conversion_value_cents": "action_values",
                "conversions": "actions",
                "platform_campaign_id": "campaign_id",
            },
        ),
    )
