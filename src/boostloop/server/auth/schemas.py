"""API models of accounts and tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"email": "ana@example.com", "password": "correct horse battery"}]})

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "user_id": "3f1c2d4e-0000-4000-8000-000000000002", "email": "ana@example.com",
        "csrf_token": "9b1f...e2"}]})

    user_id: uuid.UUID
    email: str
    csrf_token: str = Field(description="Send as X-CSRF-Token on POST/PUT/PATCH/DELETE with the session cookie.")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3f1c2d4e-0000-4000-8000-000000000002", "email": "ana@example.com", "name": "Ana",
        "is_active": True, "created_at": "2026-11-24T00:00:00Z"}]})

    id: uuid.UUID
    email: str
    name: str
    is_active: bool
    created_at: datetime


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "ingest script", "workspace_id": "3f1c2d4e-0000-4000-8000-000000000001"}]})

    name: str = Field(default="", max_length=200)
    workspace_id: uuid.UUID | None = Field(default=None, description="Limit the token to one workspace.")
    expires_at: datetime | None = Field(default=None, description="Timezone-aware; none = no expiry.")


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3f1c2d4e-0000-4000-8000-000000000003", "name": "ingest script", "prefix": "blt_AbCdEfGh",
        "workspace_id": None, "created_at": "2026-11-24T00:00:00Z", "last_used_at": None, "expires_at": None,
        "revoked_at": None}]})

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters of the token, to tell tokens apart.")
    workspace_id: uuid.UUID | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. Shown only in this response; store it now.",
                       examples=["blt_AbCdEfGh..."])
