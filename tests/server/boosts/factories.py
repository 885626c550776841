"""Hand-made rows for boost tests: a workspace, an account, posts, campaigns and their metrics."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from boostloop.enums import (
    AttributionEventType,
    CampaignObjective,
    ContentType,
    MetricGranularity,
    Platform,
    TouchpointType,
)
from boostloop.server.db.models import (
    AdCampaign,
    AdCampaignMetric,
    BoostAttributionEvent,
    OrganicPostMetric,
    SocialAccount,
    SocialPost,
    Workspace,
)
from boostloop.server.workspaces.service import create_workspace

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
_seq = itertools.count()


def workspace(s: Session, slug: str = "acme") -> Workspace:
    return create_workspace(s, name=slug.title(), slug=slug)


def account(s: Session, ws: Workspace, platform: Platform = Platform.FACEBOOK, followers: int | None = None) -> SocialAccount:
    a = SocialAccount(workspace_id=ws.id, platform=platform, platform_account_id=f"acc{next(_seq)}", handle="h",
                      followers=followers)
    s.add(a)
    s.flush()
    return a


def post(s: Session, acc: SocialAccount, published_at: datetime = T0 - timedelta(days=1),
         content_type: ContentType = ContentType.VIDEO) -> SocialPost:
    p = SocialPost(workspace_id=acc.workspace_id, account_id=acc.id, platform=acc.platform,
                   platform_post_id=f"post{next(_seq)}", content_type=content_type, published_at=published_at)
    s.add(p)
    s.flush()
    return p


def campaign(s: Session, ws: Workspace, platform: Platform = Platform.FACEBOOK) -> AdCampaign:
    c = AdCampaign(workspace_id=ws.id, platform=platform, platform_campaign_id=f"c{next(_seq)}", name="boost",
                   objective=CampaignObjective.CONVERSIONS)
    s.add(c)
    s.flush()
    return c


def organic(s: Session, p: SocialPost, at: datetime, impressions: int, reach: int, engagements: int = 0,
            total_reach: int | None = None, **kw: int) -> OrganicPostMetric:
    m = OrganicPostMetric(workspace_id=p.workspace_id, post_id=p.id, captured_at=at, impressions=impressions,
                          reach=reach, engagements=engagements, total_reach=total_reach, **kw)
    s.add(m)
    s.flush()
    return m


def paid(s: Session, c: AdCampaign, start: datetime, *, impressions: int = 0, clicks: int = 0, conversions: int = 0,
         value: int = 0, spend: int = 0, reach: int | None = None,
         granularity: MetricGranularity = MetricGranularity.HOUR) -> AdCampaignMetric:
    m = AdCampaignMetric(workspace_id=c.workspace_id, campaign_id=c.id, granularity=granularity, period_start=start,
                         impressions=impressions, clicks=clicks, conversions=conversions,
                         conversion_value_cents=value, spend_cents=spend, reach=reach)
    s.add(m)
    s.flush()
    return m


def event(s: Session, ws_id: uuid.UUID, boost_id: uuid.UUID | None, at: datetime, tp: TouchpointType,
          kind: AttributionEventType = AttributionEventType.VIEW, user: str | None = None, value: int | None = None,
          session_id: str | None = None) -> BoostAttributionEvent:
    e = BoostAttributionEvent(workspace_id=ws_id, boost_campaign_id=boost_id, client_event_id=f"e{next(_seq)}",
                              user_id_hash=user, session_id_hash=session_id, event_type=kind, touchpoint_type=tp,
                              platform=Platform.FACEBOOK, event_value_cents=value, occurred_at=at)
    s.add(e)
    s.flush()
    return e
