"""Pydantic models of attribution input and output (used by the services and, later, the API)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from boostloop.enums import AttributionEventType, Platform, TouchpointType


class EventIn(BaseModel):
    """One touchpoint event as a client sends it. ``user_id``/``session_id`` arrive in the clear and are
    hashed with the workspace key before anything is stored; at least one of them is required (a journey
    needs a person)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_event_id: str = Field(min_length=1, max_length=128)
    event_type: AttributionEventType
    touchpoint_type: TouchpointType
    platform: Platform
    occurred_at: AwareDatetime
    user_id: str | None = Field(default=None, min_length=1, max_length=512)
    session_id: str | None = Field(default=None, min_length=1, max_length=512)
    value_cents: int | None = Field(default=None, ge=0)
    boost_id: uuid.UUID | None = None
    post_id: uuid.UUID | None = None
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _person_and_value(self) -> EventIn:
        if self.user_id is None and self.session_id is None:
            raise ValueError("one of user_id or session_id is required")
        if self.value_cents is not None and self.event_type != AttributionEventType.CONVERSION:
            raise ValueError("value_cents is only allowed on CONVERSION events")
        return self


class IngestResult(BaseModel):
    """What a batch did: ``received = inserted + duplicates + opted_out``."""

    received: int
    inserted: int
    duplicates: int  # client_event_id already stored (or repeated identically in the batch)
    opted_out: int  # events of people on the workspace's opt-out list, dropped


class BoostSplit(BaseModel):
    """Conversions attributed to one boost by how its converters met it (definition in
    :func:`boostloop.server.attribution.service.boost_split`). Value in the workspace's minor units.

    ``organic_* / paid_* / overlap_*`` are the estimate corrected for exposure that left no tracked touch
    (:mod:`boostloop.analytics.attribution.overlap_split`), fractional, with a ``level`` interval each;
    ``observed_*`` are the whole conversions as classified by tracked touches alone."""

    boost_id: uuid.UUID
    until: datetime | None
    organic_conversions: float
    paid_conversions: float
    overlap_conversions: float
    unknown_conversions: int
    organic_value_cents: float
    paid_value_cents: float
    overlap_value_cents: float
    unknown_value_cents: int
    observed_organic_conversions: int = 0
    observed_paid_conversions: int = 0
    observed_overlap_conversions: int = 0
    estimated: bool = False
    method: str = "no_reach"
    share_paid_also_organic: float = 0.0
    interval_level: float | None = None
    organic_conversions_low: float | None = None
    organic_conversions_high: float | None = None
    paid_conversions_low: float | None = None
    paid_conversions_high: float | None = None
    overlap_conversions_low: float | None = None
    overlap_conversions_high: float | None = None

    @property
    def conversions(self) -> float:
        return self.organic_conversions + self.paid_conversions + self.overlap_conversions

    # The names the snapshot collector's ``AttributedSplit`` uses (boosts/attribution_provider.py).
    @property
    def organic(self) -> float:
        return float(self.organic_conversions)

    @property
    def paid(self) -> float:
        return float(self.paid_conversions)

    @property
    def overlap(self) -> float:
        return float(self.overlap_conversions)

    @property
    def unattributed(self) -> float:
        return float(self.unknown_conversions)

    @property
    def value_cents(self) -> int:
        return int(round(self.organic_value_cents + self.paid_value_cents + self.overlap_value_cents))


class ChannelCreditOut(BaseModel):
    channel: str
    conversions: float
    value_cents: float
    conversions_low: float | None = None
    conversions_high: float | None = None
    value_cents_low: float | None = None
    value_cents_high: float | None = None


class ModelCredit(BaseModel):
    model: str
    params: dict[str, Any] = {}
    channels: list[ChannelCreditOut]


class TopPathOut(BaseModel):
    path: list[str]
    conversions: float
    value_cents: float
    nulls: float
    conversion_rate: float


class AttributionReport(BaseModel):
    """Credit by channel under each model, with bootstrap intervals, for one workspace."""

    workspace_id: uuid.UUID
    channel_dimension: str
    default_model: str
    since: datetime | None
    until: datetime | None
    click_window_days: int
    view_window_days: int
    journeys: int
    conversions: int  # every conversion in range, including those without a touch in their window
    unattributed_conversions: int  # conversions with no touch in their window: no channel to credit
    value_cents: int
    interval_level: float | None
    n_boot: int
    seed: int
    models: list[ModelCredit]
    top_paths: list[TopPathOut]
