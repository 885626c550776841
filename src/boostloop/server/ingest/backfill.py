"""Backfill: past ad campaigns that promoted an organic post become boost records (source BACKFILLED).

PLAN.md, 'Migration Strategy' → 'Data Backfill': identify existing campaigns linked to organic content,
create ``boost_campaigns`` rows retroactively, estimate the organic metrics from history, mark them.

Linking, for every campaign of the workspace not yet linked to a boost:

1. **Creative.** The campaign names the post its ad promotes (``promoted_platform_post_id``, or the ad
   level's ``extra.promoted_post_ids``; Meta's ``effective_object_story_id`` is ``<page>_<post>``, the
   Graph post id): score 1.
2. **Post id in the name.** The campaign name contains exactly one post's id as a whole token (teams
   often name campaigns "Boost <post id> - audience - date") and started at most a day before it:
   score 0.95.
3. **Name and timing.** Otherwise every post of a platform the campaign can promote (Meta ↔ Facebook and
   Instagram, Google ↔ YouTube, same platform elsewhere) published between ``MAX_LEAD_DAYS`` before the
   campaign start and one day after it (a daily report starts at local midnight, the post may be of the
   same day) is scored

       score = NAME_WEIGHT · name + (1 − NAME_WEIGHT) · timing
       name   = |words(campaign name) ∩ words(post text + content type)| / |words(campaign name)|
       timing = 0.5 ^ (max(0, start − published) / TIMING_HALF_LIFE_HOURS)

   ``name`` is the share of the campaign name's words found in the post (Meta names a boost
   "Post: "<the post's first words>""; prefixes such as Post, Boost, Promoted are dropped); ``timing``
   halves every 48 hours because boosts are mostly bought while a post still has organic momentum.
   The best post is linked when its score is at least ``MATCH_THRESHOLD`` and beats the runner-up by
   ``MATCH_MARGIN``; otherwise the campaign is reported as not linked, with its best candidate.

The weight and the threshold were chosen on a seeded synthetic benchmark
(``tests/server/ingest/test_backfill.py``, ``evaluate_matching``): 300 posts over 120 days, 60 % of
them boosted under a Meta-style name (50 %), a hand name mixing post words and others (30 %) or an
unrelated name (20 %, so recall cannot exceed ~0.8), plus 40 % decoy campaigns promoting no post.
Measured (seeds 7 / 11 / 13), NAME_WEIGHT 0.8: threshold 0.5 → precision 0.90 / 0.93 / 0.92, recall
0.79 / 0.77 / 0.81; 0.65 → precision 0.975 / 0.991 / 0.984, recall 0.62 / 0.64 / 0.69; 0.75 →
precision ≥ 0.98, recall 0.50-0.60. (NAME_WEIGHT 0.7 was worse at every threshold.) A wrong link
silently corrupts the training data, a missed one only leaves a campaign out (and is listed with its
best candidate for a person to link), so precision comes first: 0.65.

Pre-boost organic metrics (``BoostCampaign.organic_metrics``) are the post's lifetime totals at the
boost start, linearly interpolated between the captures around it (the post's publication counts as
a capture of zeros); after the last capture, the last capture is used (a lower bound). Either way
``estimated`` is true unless a capture falls exactly on the start, and ``method`` says which.

Against the simulator's truth (``tests/server/ingest/test_backfill_simulated.py``: boosts deleted,
hourly captures thinned to 6-hourly), every boost is found again and the interpolated pre-boost
impressions are within 0.44 % (median) and 2.9 % (max) of the recorded value.

The boost rows are written with the ORM here (the boosts service's ``create_boost`` lives on another
branch; switch to it at merge): budget = the campaign's total spend, duration = its days of delivery.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from boostloop.enums import BoostSource, BoostStatus, ContentType, Platform
from boostloop.server.db.base import utcnow
from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    BoostCampaign,
    OrganicPostMetric,
    SocialPost,
    Workspace,
)

MATCH_THRESHOLD = 0.65
MATCH_MARGIN = 0.1
NAME_WEIGHT = 0.8
TIMING_HALF_LIFE_HOURS = 48.0
MAX_LEAD_DAYS = 30
BACKFILL_BY = "BACKFILL"
# A campaign named after exactly one post's id ("Boost fb_post_101003 - ..."), started after it: nearly as
# good as the creative's own link; below 1 because a name is typed by hand.
NAME_ID_SCORE = 0.95

METRIC_KEYS = ("impressions", "engagements", "reach", "likes", "comments", "shares", "clicks", "video_views")
PROMOTABLE = {
    Platform.FACEBOOK: {Platform.FACEBOOK, Platform.INSTAGRAM},
    Platform.INSTAGRAM: {Platform.FACEBOOK, Platform.INSTAGRAM},
    Platform.GOOGLE: {Platform.YOUTUBE, Platform.GOOGLE},
}
CONTENT_WORDS = {
    ContentType.IMAGE: {"photo", "image", "picture"},
    ContentType.VIDEO: {"video", "clip"},
    ContentType.REEL: {"reel", "video"},
    ContentType.CAROUSEL: {"carousel", "album", "gallery"},
    ContentType.LINK: {"link", "article"},
    ContentType.STORY: {"story"},
    ContentType.TEXT: set(),
}
# Words that name the act of boosting, not the post, and English function words.
NOISE = frozenset(
    [
        "post",
        "boost",
        "boosted",
        "promoted",
        "promotion",
        "promote",
        "ad",
        "ads",
        "campaign",
        "copy",
        "new",
        "the",
        "a",
        "an",
        "of",
        "our",
        "to",
        "for",
        "and",
        "in",
        "on",
        "at",
        "with",
        "is",
        "are",
        "it",
        "this",
        "that",
        "by",
        "from",
        "your",
        "you",
        "we",
        "us",
        "be",
    ]
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _names_post(campaign_name: str, platform_post_id: str) -> bool:
    """The post's id (or its part after ``<page>_``) stands as a whole token in the campaign name."""
    ids = {
        platform_post_id,
        platform_post_id.split("_", 1)[1] if "_" in platform_post_id else platform_post_id,
    }
    return any(
        len(i) >= 6 and re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", campaign_name or "") for i in ids
    )


def words(text: str | None) -> set[str]:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return {w for w in _WORD.findall(text) if len(w) > 1 and w not in NOISE}


def name_similarity(
    campaign_name: str, post_text: str | None, content_type: ContentType | None = None
) -> float:
    """Share of the campaign name's words found in the post's text or its content-type words."""
    name = words(campaign_name)
    if not name:
        return 0.0
    post = words(post_text) | (CONTENT_WORDS.get(content_type, set()) if content_type else set())
    return len(name & post) / len(name)


def timing_score(published_at: datetime, started_at: datetime) -> float:
    """1 when the campaign starts when the post is published, halving every 48 h after it; 0 when the
    campaign starts more than a day before the post (it cannot promote it)."""
    hours = (started_at - published_at).total_seconds() / 3600
    if hours < -24 or hours > MAX_LEAD_DAYS * 24:
        return 0.0
    return 0.5 ** (max(hours, 0.0) / TIMING_HALF_LIFE_HOURS)


def match_score(
    campaign_name: str,
    started_at: datetime,
    post_text: str | None,
    content_type: ContentType | None,
    published_at: datetime,
) -> tuple[float, float, float]:
    """``(score, name, timing)`` (module docstring)."""
    t = timing_score(published_at, started_at)
    if t == 0.0:
        return 0.0, 0.0, 0.0
    n = name_similarity(campaign_name, post_text, content_type)
    return NAME_WEIGHT * n + (1 - NAME_WEIGHT) * t, n, t


def estimate_organic_metrics(
    history: list[tuple[datetime, dict[str, int]]], published_at: datetime, at: datetime
) -> dict[str, Any]:
    """The post's lifetime organic totals at ``at`` from its captures (module docstring)."""
    points = sorted([(published_at, dict.fromkeys(METRIC_KEYS, 0)), *history], key=lambda p: p[0])
    if at <= published_at:
        return {
            **dict.fromkeys(METRIC_KEYS, 0),
            "captured_at": at.isoformat(),
            "estimated": True,
            "method": "boost starts before the post is published: zero",
        }
    before = [p for p in points if p[0] <= at]
    after = [p for p in points if p[0] > at]
    t0, v0 = before[-1]
    if t0 == at:
        return {
            **{k: int(v0.get(k, 0)) for k in METRIC_KEYS},
            "captured_at": at.isoformat(),
            "estimated": False,
            "method": "capture at the boost start",
        }
    if not after:
        if not history:
            return {
                **dict.fromkeys(METRIC_KEYS, 0),
                "captured_at": at.isoformat(),
                "estimated": True,
                "method": "no organic captures of the post: unknown, zero recorded",
            }
        return {
            **{k: int(v0.get(k, 0)) for k in METRIC_KEYS},
            "captured_at": at.isoformat(),
            "estimated": True,
            "method": f"last capture before the boost ({t0.isoformat()}): a lower bound",
        }
    t1, v1 = after[0]
    w = (at - t0).total_seconds() / (t1 - t0).total_seconds()
    values = {k: int(round(v0.get(k, 0) + w * (v1.get(k, 0) - v0.get(k, 0)))) for k in METRIC_KEYS}
    return {
        **values,
        "captured_at": at.isoformat(),
        "estimated": True,
        "method": f"linear interpolation between {t0.isoformat()} and {t1.isoformat()}",
    }


def best_match(
    campaign_name: str,
    started_at: datetime,
    candidates: list[tuple[Any, str | None, Any, datetime]],
    threshold: float = MATCH_THRESHOLD,
) -> tuple[Any | None, float, str]:
    """The candidate ``(key, text, content_type, published_at)`` a campaign promoted, by name and timing:
    ``(key, score, why)``, or ``(None, best score, why not)`` below the threshold or the margin."""
    ranked = sorted(
        (
            (match_score(campaign_name, started_at, text, ctype, published), i)
            for i, (_, text, ctype, published) in enumerate(candidates)
        ),
        key=lambda sp: (-sp[0][0], sp[1]),
    )
    if not ranked or ranked[0][0][0] == 0.0:
        return None, 0.0, f"no post of a promotable platform published in the {MAX_LEAD_DAYS} days before it"
    (best, name_s, time_s), i = ranked[0]
    key, published = candidates[i][0], candidates[i][3]
    label = getattr(key, "platform_post_id", key)
    runner = ranked[1][0][0] if len(ranked) > 1 else 0.0
    if best < threshold:
        return (
            None,
            best,
            (
                f"best candidate post {label} scores {best:.2f} < threshold {threshold:.2f} "
                f"(name {name_s:.2f}, timing {time_s:.2f})"
            ),
        )
    if best - runner < MATCH_MARGIN:
        return None, best, f"ambiguous: post {label} scores {best:.2f}, the runner-up {runner:.2f}"
    hours = (started_at - published).total_seconds() / 3600
    return (
        key,
        best,
        (
            f"name similarity {name_s:.2f} (words of the name found in the post), "
            f"started {hours:.0f} h after publication (timing {time_s:.2f})"
        ),
    )


@dataclass(frozen=True)
class Link:
    platform_campaign_id: str
    campaign_name: str
    platform_post_id: str
    score: float
    reason: str
    boost_id: uuid.UUID
    organic: dict[str, Any]


@dataclass
class BackfillReport:
    linked: list[Link] = field(default_factory=list)
    not_linked: list[tuple[str, str, str]] = field(default_factory=list)  # (campaign id, name, why)
    already: int = 0

    def lines(self) -> list[str]:
        out = []
        for link in self.linked:
            o = link.organic
            out.append(
                f"LINKED   campaign {link.platform_campaign_id} {link.campaign_name!r} -> post "
                f"{link.platform_post_id} (score {link.score:.2f}: {link.reason}); pre-boost organic "
                f"{o['impressions']} impressions, {o['reach']} reach, {o['engagements']} engagements "
                f"({'estimated: ' if o['estimated'] else ''}{o['method']})"
            )
        for cid, name, why in self.not_linked:
            out.append(f"SKIPPED  campaign {cid} {name!r}: {why}")
        out.append(
            f"{len(self.linked)} boost(s) backfilled, {len(self.not_linked)} campaign(s) not linked, "
            f"{self.already} already linked"
        )
        return out


def _campaign_spend_and_days(session: Session, ws_id: uuid.UUID, campaign_id: uuid.UUID) -> tuple[int, int]:
    spend, days = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(AdCampaignMetric.spend_cents), 0),
            sa.func.count(sa.distinct(AdCampaignMetric.period_start)),
        ).where(
            AdCampaignMetric.workspace_id == ws_id,
            AdCampaignMetric.campaign_id == campaign_id,
            AdCampaignMetric.granularity == "DAY",
        )
    ).one()
    return int(spend), int(days)


def _history(session: Session, ws_id: uuid.UUID, post_id: uuid.UUID) -> list[tuple[datetime, dict[str, int]]]:
    t = OrganicPostMetric
    rows = session.execute(
        sa.select(t.captured_at, *[getattr(t, k) for k in METRIC_KEYS])
        .where(t.workspace_id == ws_id, t.post_id == post_id)
        .order_by(t.captured_at)
    ).all()
    return [(r[0], dict(zip(METRIC_KEYS, r[1:], strict=True))) for r in rows]


def backfill(
    session: Session, workspace: Workspace, *, threshold: float = MATCH_THRESHOLD, now: datetime | None = None
) -> BackfillReport:
    """Link past campaigns to posts and write BACKFILLED boosts; never commits. Re-running it links
    nothing twice (campaigns with a boost are skipped)."""
    now = now or utcnow()
    ws_id = workspace.id
    report = BackfillReport()
    linked_campaigns = set(
        session.scalars(
            sa.select(BoostCampaign.campaign_id).where(
                BoostCampaign.workspace_id == ws_id, BoostCampaign.campaign_id.is_not(None)
            )
        )
    )
    posts = list(session.scalars(sa.select(SocialPost).where(SocialPost.workspace_id == ws_id)))
    by_platform_id: dict[str, list[SocialPost]] = {}
    for p in posts:
        by_platform_id.setdefault(p.platform_post_id, []).append(p)
        if "_" in p.platform_post_id:
            by_platform_id.setdefault(p.platform_post_id.split("_", 1)[1], []).append(p)
    campaigns = list(
        session.scalars(
            sa.select(AdCampaign)
            .where(AdCampaign.workspace_id == ws_id)
            .order_by(AdCampaign.started_at, AdCampaign.platform_campaign_id)
        )
    )
    for c in campaigns:
        if c.id in linked_campaigns:
            report.already += 1
            continue
        if c.started_at is None:
            report.not_linked.append((c.platform_campaign_id, c.name, "no start date"))
            continue
        allowed = PROMOTABLE.get(c.platform, {c.platform} if c.platform != Platform.OTHER else set(Platform))
        promoted = [c.promoted_platform_post_id, *((c.extra or {}).get("promoted_post_ids") or [])]
        chosen: SocialPost | None = None
        score, reason = 0.0, ""
        for pid in filter(None, promoted):
            found = [p for p in by_platform_id.get(pid, []) if p.platform in allowed]
            if found:
                chosen, score, reason = found[0], 1.0, f"the ad creative promotes post {pid}"
                break
        if chosen is None:
            named = [
                p
                for p in posts
                if p.platform in allowed
                and _names_post(c.name, p.platform_post_id)
                and timing_score(p.published_at, c.started_at) > 0
            ]
            if len(named) == 1:
                chosen, score = named[0], NAME_ID_SCORE
                reason = f"the campaign name contains the post id {named[0].platform_post_id}"
        if chosen is None:
            candidates = [
                (p, p.text_excerpt, p.content_type, p.published_at) for p in posts if p.platform in allowed
            ]
            chosen, score, reason = best_match(c.name, c.started_at, candidates, threshold)
            if chosen is None:
                report.not_linked.append((c.platform_campaign_id, c.name, reason))
                continue
        boosted_at = max(c.started_at, chosen.published_at)
        organic = estimate_organic_metrics(
            _history(session, ws_id, chosen.id), chosen.published_at, boosted_at
        )
        spend, days = _campaign_spend_and_days(session, ws_id, c.id)
        if c.ended_at is not None:
            days = max(days, math.ceil((c.ended_at - c.started_at) / timedelta(days=1)))
        ended = c.ended_at is not None and c.ended_at <= now
        boost = BoostCampaign(
            id=uuid.uuid4(),
            workspace_id=ws_id,
            original_post_id=chosen.id,
            campaign_id=c.id,
            platform=chosen.platform,
            boosted_at=boosted_at,
            boosted_by=BACKFILL_BY,
            boost_reason=f"backfilled: {reason}",
            boost_strategy="BACKFILLED",
            source=BoostSource.BACKFILLED,
            organic_metrics=organic,
            targeting_criteria=None,
            initial_budget_cents=spend,
            duration_days=days,
            status=BoostStatus.COMPLETED if ended else BoostStatus.ACTIVE,
            ended_at=c.ended_at if ended else None,
        )
        session.add(boost)
        report.linked.append(
            Link(c.platform_campaign_id, c.name, chosen.platform_post_id, score, reason, boost.id, organic)
        )
    session.flush()
    return report
