"""Meta Graph API post insights JSON: the saved response(s) of
``GET /<PAGE_ID>/posts?fields=id,created_time,message,permalink_url,status_type,attachments{media_type},
shares,comments.summary(true).limit(0),insights.metric(post_impressions_organic,post_impressions_organic_unique,
post_impressions_paid,post_impressions_paid_unique,post_impressions_unique,post_engaged_users,post_clicks,
post_reactions_by_type_total,post_video_views_organic)``.

Each post (``id`` = ``<page id>_<post id>``) becomes the page's account, the post, and one organic
metric capture (lifetime totals) at ``captured_at``: the ``end_time`` of the metric values when the API
gives one, else the ``captured_at`` option (when the response was fetched). Mapping:

| Graph metric / field | organic metric |
|---|---|
| post_impressions_organic | impressions |
| post_impressions_organic_unique | reach |
| post_impressions_unique (organic + paid, de-duplicated) | total_reach |
| post_engaged_users; absent: reactions + comments + shares + clicks | engagements |
| post_clicks | clicks |
| post_reactions_by_type_total (sum of all types) | likes |
| comments.summary.total_count, shares.count | comments, shares |
| post_video_views_organic | video_views |
| post_impressions_paid, post_impressions_paid_unique | checked only (paid delivery comes from the campaign imports) |

Content type from ``attachments.media_type`` (photo, video, album, link/share) or ``status_type``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from boostloop.enums import ContentType, Platform
from boostloop.server.db.models import Workspace
from boostloop.server.ingest.importers.rows import (
    CellError,
    FileImport,
    Source,
    parse_count,
    parse_instant,
    read_json_data,
)
from boostloop.server.ingest.schemas import IngestResult

METRICS = {
    "post_impressions_organic": "impressions",
    "post_impressions_organic_unique": "reach",
    "post_impressions_unique": "total_reach",
    "post_engaged_users": "engagements",
    "post_clicks": "clicks",
    "post_video_views_organic": "video_views",
}
PAID_ONLY = ("post_impressions_paid", "post_impressions_paid_unique")
MEDIA = {
    "photo": ContentType.IMAGE,
    "video": ContentType.VIDEO,
    "album": ContentType.CAROUSEL,
    "share": ContentType.LINK,
    "link": ContentType.LINK,
    "reel": ContentType.REEL,
    "added_photos": ContentType.IMAGE,
    "added_video": ContentType.VIDEO,
    "shared_story": ContentType.LINK,
    "mobile_status_update": ContentType.TEXT,
    "created_note": ContentType.TEXT,
}
HASHTAG = re.compile(r"#\w+")


def _content_type(post: dict[str, Any]) -> ContentType:
    attachments = (post.get("attachments") or {}).get("data") or []
    media = attachments[0].get("media_type") if attachments and isinstance(attachments[0], dict) else None
    return (
        MEDIA.get(str(media or "").lower())
        or MEDIA.get(str(post.get("status_type") or "").lower())
        or ContentType.TEXT
    )


def import_file(
    session: Session,
    workspace: Workspace,
    source: Source,
    *,
    captured_at: datetime | str | None = None,
    **_: Any,
) -> IngestResult:
    imp = FileImport(session, workspace, line_label="data")
    default_capture = None
    if captured_at is not None:
        try:
            default_capture = (
                captured_at if isinstance(captured_at, datetime) else parse_instant(captured_at, imp.zone)
            )
        except CellError as exc:
            imp.errors.add(("captured_at",), str(exc), str(captured_at))
            imp.errors.raise_if_any()
    for i, post in read_json_data(source, imp.errors):
        imp.result.rows_read += 1
        pid = str(post.get("id") or "").strip()
        if "_" not in pid:
            imp.error(i, "id", "expected '<page id>_<post id>'", pid)
            continue
        page_id = pid.split("_", 1)[0]
        published = imp.cell(i, "created_time", parse_instant, post.get("created_time"), imp.zone)
        insights = (post.get("insights") or {}).get("data")
        if not isinstance(insights, list):
            imp.error(i, "insights", "missing insights.data: request fields=insights.metric(...)")
            continue
        values: dict[str, Any] = {}
        end_times: set[str] = set()
        reactions = None
        paid: dict[str, int] = {}
        bad = False
        for metric in insights:
            name = metric.get("name") if isinstance(metric, dict) else None
            vals = metric.get("values") if isinstance(metric, dict) else None
            if not name or not isinstance(vals, list) or not vals or not isinstance(vals[-1], dict):
                imp.error(i, "insights", f"metric without values: {str(metric)[:80]}")
                bad = True
                continue
            last = vals[-1]
            if last.get("end_time"):
                end_times.add(last["end_time"])
            raw = last.get("value")
            try:
                if name == "post_reactions_by_type_total":
                    if not isinstance(raw, dict):
                        raise CellError("expected an object of counts by reaction type")
                    reactions = sum(parse_count(v) for v in raw.values())
                elif name in METRICS:
                    values[METRICS[name]] = parse_count(raw)
                elif name in PAID_ONLY:
                    paid[name] = parse_count(raw)
            except CellError as exc:
                imp.error(i, name, str(exc), raw if not isinstance(raw, dict) else None)
                bad = True
        try:
            comments = parse_count(((post.get("comments") or {}).get("summary") or {}).get("total_count"))
            shares = parse_count((post.get("shares") or {}).get("count"))
        except CellError as exc:
            imp.error(i, "comments", str(exc))
            bad = True
        if bad or published is None:
            continue
        if len(end_times) > 1:
            imp.error(i, "insights", f"metric values end at different times: {sorted(end_times)}")
            continue
        if end_times:
            capture = imp.cell(i, "end_time", parse_instant, end_times.pop(), imp.zone)
        elif default_capture is not None:
            capture = default_capture
        else:
            imp.error(
                i,
                "insights",
                "no end_time in the metric values: give captured_at (when the response was fetched)",
            )
            continue
        if capture is None:
            continue
        if "impressions" not in values:
            imp.error(i, "post_impressions_organic", "missing: organic impressions are required")
            continue
        values["comments"] = comments
        values["shares"] = shares
        values["likes"] = reactions or 0
        if "engagements" not in values:
            values["engagements"] = values["likes"] + comments + shares + values.get("clicks", 0)
        message = post.get("message") or ""
        ref = imp.ref(
            i,
            {
                "published_at": "created_time",
                "platform_post_id": "id",
                "reach": "post_impressions_organic_unique",
                "impressions": "post_impressions_organic",
                "total_reach": "post_impressions_unique",
                "captured_at": "end_time",
            },
        )
        imp.ingestor.account({"platform": Platform.FACEBOOK, "platform_account_id": page_id}, ref)
        imp.ingestor.post(
            {
                "platform": Platform.FACEBOOK,
                "platform_account_id": page_id,
                "platform_post_id": pid,
                "content_type": _content_type(post),
                "published_at": published,
                "text_length": len(message),
                "text_excerpt": message[:280] or None,
                "hashtag_count": len(HASHTAG.findall(message)),
                "permalink": post.get("permalink_url"),
            },
            ref,
        )
        imp.ingestor.organic_metric(
            {
                "platform": Platform.FACEBOOK,
                "platform_account_id": page_id,
                "platform_post_id": pid,
                "captured_at": capture,
                **values,
            },
            ref,
        )
    return imp.finish()
