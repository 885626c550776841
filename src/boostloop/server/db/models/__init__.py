"""Every ORM model, imported here so that ``Base.metadata`` is complete (Alembic reads it)."""

from boostloop.server.db.base import Base
from boostloop.server.db.models.attribution import BoostAttributionEvent, BoostAttributionSplit, PrivacyOptOut
from boostloop.server.db.models.boosts import RECOMMENDER, BoostCampaign, BoostPerformanceSnapshot
from boostloop.server.db.models.campaigns import AdCampaign, AdCampaignMetric
from boostloop.server.db.models.content import OrganicPostMetric, SocialAccount, SocialPost
from boostloop.server.db.models.effectiveness import BoostEffectivenessResult, EffectivenessInputVersion
from boostloop.server.db.models.experiments import BoostExperiment, BoostExperimentVariant
from boostloop.server.db.models.insights import BoostInsight
from boostloop.server.db.models.jobs import JobLease, JobRun
from boostloop.server.db.models.learning import BoostMlTrainingData, BoostRecommendation, TrainedModel
from boostloop.server.db.models.notifications import NotificationChannel, NotificationDelivery
from boostloop.server.db.models.retention import (
    AttributionPathAggregate,
    BoostTrackedPerson,
    EventDailyAggregate,
    RetentionState,
)
from boostloop.server.db.models.workspaces import ApiToken, Membership, User, Workspace

__all__ = [
    "RECOMMENDER",
    "AdCampaign",
    "AdCampaignMetric",
    "AttributionPathAggregate",
    "ApiToken",
    "Base",
    "BoostAttributionEvent",
    "BoostAttributionSplit",
    "BoostCampaign",
    "BoostEffectivenessResult",
    "BoostExperiment",
    "BoostExperimentVariant",
    "BoostInsight",
    "BoostMlTrainingData",
    "BoostPerformanceSnapshot",
    "BoostRecommendation",
    "EffectivenessInputVersion",
    "EventDailyAggregate",
    "JobLease",
    "JobRun",
    "Membership",
    "NotificationChannel",
    "NotificationDelivery",
    "OrganicPostMetric",
    "PrivacyOptOut",
    "RetentionState",
    "BoostTrackedPerson",
    "SocialAccount",
    "SocialPost",
    "TrainedModel",
    "User",
    "Workspace",
]
