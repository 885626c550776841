"""Domain enumerations shared by the pure analytics core and the server.

The names and members of the plan's enums (../shared/PLAN.md, 'Database Schema Changes') are kept
as they are; the others are what a standalone product needs around them. They live outside
``boostloop.server`` so that ``boostloop.analytics`` can use them without importing the server.
"""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    FACEBOOK = "FACEBOOK"
    INSTAGRAM = "INSTAGRAM"
    LINKEDIN = "LINKEDIN"
    TIKTOK = "TIKTOK"
    X = "X"
    YOUTUBE = "YOUTUBE"
    PINTEREST = "PINTEREST"
    GOOGLE = "GOOGLE"
    OTHER = "OTHER"


class ContentType(StrEnum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    CAROUSEL = "CAROUSEL"
    LINK = "LINK"
    STORY = "STORY"
    REEL = "REEL"


class Role(StrEnum):
    """Membership roles, each including the rights of the ones below it."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"

    @property
    def rank(self) -> int:
        return {"VIEWER": 0, "MEMBER": 1, "ADMIN": 2, "OWNER": 3}[self.value]

    def at_least(self, other: "Role") -> bool:
        return self.rank >= other.rank


class CampaignObjective(StrEnum):
    AWARENESS = "AWARENESS"
    REACH = "REACH"
    TRAFFIC = "TRAFFIC"
    ENGAGEMENT = "ENGAGEMENT"
    VIDEO_VIEWS = "VIDEO_VIEWS"
    LEADS = "LEADS"
    CONVERSIONS = "CONVERSIONS"
    SALES = "SALES"


class CampaignStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ARCHIVED = "ARCHIVED"


class MetricGranularity(StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"


class BoostStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class BoostSource(StrEnum):
    """How a boost record came to exist."""

    MANUAL = "MANUAL"
    RECOMMENDATION = "RECOMMENDATION"
    BACKFILLED = "BACKFILLED"
    SIMULATED = "SIMULATED"


class AttributionEventType(StrEnum):
    VIEW = "VIEW"
    CLICK = "CLICK"
    ENGAGEMENT = "ENGAGEMENT"
    CONVERSION = "CONVERSION"
    SHARE = "SHARE"


class TouchpointType(StrEnum):
    ORGANIC = "ORGANIC"
    PAID = "PAID"
    UNKNOWN = "UNKNOWN"


class RecommendationType(StrEnum):
    BOOST_HIGH_PERFORMER = "BOOST_HIGH_PERFORMER"
    BOOST_TRENDING = "BOOST_TRENDING"
    OPTIMIZE_TARGETING = "OPTIMIZE_TARGETING"
    INCREASE_BUDGET = "INCREASE_BUDGET"
    ADJUST_TIMING = "ADJUST_TIMING"
    REPLICATE_SUCCESS = "REPLICATE_SUCCESS"


class RecommendationStatus(StrEnum):
    PENDING = "PENDING"
    APPLIED = "APPLIED"
    DISMISSED = "DISMISSED"
    EXPIRED = "EXPIRED"


class InsightType(StrEnum):
    PATTERN = "PATTERN"
    ANOMALY = "ANOMALY"
    BEST_PRACTICE = "BEST_PRACTICE"
    WARNING = "WARNING"
    OPPORTUNITY = "OPPORTUNITY"


class InsightCategory(StrEnum):
    TIMING = "TIMING"
    TARGETING = "TARGETING"
    BUDGET = "BUDGET"
    CONTENT_TYPE = "CONTENT_TYPE"
    PLATFORM = "PLATFORM"
    AUDIENCE = "AUDIENCE"


class InsightSeverity(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class ExperimentDimension(StrEnum):
    """The one thing the variants of an experiment differ in."""

    TIMING = "TIMING"
    BUDGET = "BUDGET"
    TARGETING = "TARGETING"
    PLATFORM = "PLATFORM"
    CREATIVE = "CREATIVE"


class ExperimentStatus(StrEnum):
    DRAFT = "DRAFT"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    COMPLETED = "COMPLETED"


class JobStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class JobTrigger(StrEnum):
    SCHEDULE = "SCHEDULE"
    MANUAL = "MANUAL"
    CLI = "CLI"
