"""API models of notification channels and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "WEBHOOK", "name": "#marketing", "url": "https://hooks.slack.com/services/T000/B000/XXXX"},
        {"kind": "EMAIL", "name": "team", "recipients": ["ana@example.com"]}]})

    kind: Literal["WEBHOOK", "EMAIL"]
    name: str = Field(default="", max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    recipients: list[str] | None = Field(default=None, max_length=50)


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": False}]})

    name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    recipients: list[str] | None = Field(default=None, max_length=50)
    enabled: bool | None = None


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3f1c2d4e-0000-4000-8000-000000000005", "kind": "WEBHOOK", "name": "#marketing",
        "url": "https://hooks.slack.com/services/T000/B000/XXXX", "recipients": None, "enabled": True,
        "created_at": "2026-11-24T00:00:00Z"}]})

    id: uuid.UUID
    kind: str
    name: str
    url: str | None
    recipients: list[str] | None
    enabled: bool
    created_at: datetime


class ChannelCreated(ChannelOut):
    secret: str | None = Field(description="The webhook's HMAC-SHA256 key; shown only in this response.")


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3f1c2d4e-0000-4000-8000-000000000006", "channel_id": "3f1c2d4e-0000-4000-8000-000000000005",
        "subject_type": "INSIGHT", "subject_id": "3f1c2d4e-0000-4000-8000-000000000007", "status": "DELIVERED",
        "attempts": 1, "last_attempt_at": "2026-11-24T09:05:00Z", "delivered_at": "2026-11-24T09:05:00Z",
        "next_attempt_at": None, "last_error": None, "response_status": 200, "created_at": "2026-11-24T09:05:00Z"}]})

    id: uuid.UUID
    channel_id: uuid.UUID
    subject_type: str
    subject_id: uuid.UUID
    status: str
    attempts: int
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    response_status: int | None
    created_at: datetime
