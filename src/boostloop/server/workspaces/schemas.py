"""API models of workspaces and members."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from boostloop.enums import Role


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "Acme Marketing", "slug": "acme", "currency": "USD", "timezone": "Europe/Berlin"}]})

    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    currency: str = Field(default="USD", min_length=3, max_length=3, description="ISO 4217 code")
    timezone: str = Field(default="UTC", max_length=64, description="IANA time zone")


class WorkspaceUpdate(BaseModel):
    """Settings an ADMIN may change. Currency is fixed at creation (stored cents would change meaning)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"timezone": "America/New_York", "attribution_model": "time_decay",
                      "click_window_days": 7, "view_window_days": 1}]})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    attribution_model: str | None = Field(default=None, max_length=32)
    attribution_channel: str | None = Field(default=None, max_length=32)
    click_window_days: int | None = Field(default=None, ge=1, le=90)
    view_window_days: int | None = Field(default=None, ge=0, le=30)
    time_decay_half_life_days: float | None = Field(default=None, gt=0, le=90)
    retention_days: int | None = Field(default=None, ge=7, le=3650)
    target_marginal_roas: float | None = Field(default=None, ge=0, le=100)
    benchmarks: dict[str, dict[str, float]] | None = None


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3f1c2d4e-0000-4000-8000-000000000001", "name": "Acme Marketing", "slug": "acme", "currency": "USD",
        "timezone": "UTC", "attribution_model": "markov", "attribution_channel": "touchpoint_type",
        "click_window_days": 7, "view_window_days": 1, "time_decay_half_life_days": 7.0, "retention_days": 90,
        "target_marginal_roas": 1.0, "benchmarks": None, "created_at": "2026-11-24T00:00:00Z",
        "updated_at": "2026-11-24T00:00:00Z", "role": "OWNER"}]})

    id: uuid.UUID
    name: str
    slug: str
    currency: str
    timezone: str
    attribution_model: str
    attribution_channel: str
    click_window_days: int
    view_window_days: int
    time_decay_half_life_days: float
    retention_days: int
    target_marginal_roas: float
    benchmarks: dict | None = None
    created_at: datetime
    updated_at: datetime
    role: Role | None = Field(default=None, description="The caller's role in this workspace.")


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"email": "ana@example.com", "role": "MEMBER"}]})

    email: str = Field(min_length=3, max_length=320)
    role: Role = Role.VIEWER


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "ADMIN"}]})

    role: Role


class MemberOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "user_id": "3f1c2d4e-0000-4000-8000-000000000002", "email": "ana@example.com", "name": "Ana",
        "role": "MEMBER", "joined_at": "2026-11-24T00:00:00Z"}]})

    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    joined_at: datetime
