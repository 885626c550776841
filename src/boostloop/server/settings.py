"""Configuration from the environment (prefix ``BOOSTLOOP_``); every setting has a working default."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOSTLOOP_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./boostloop.db",
        description="SQLAlchemy URL: the embedded SQLite file by default, "
        "postgresql+psycopg://user@host:5432/db for PostgreSQL.",
    )
    redis_url: str | None = Field(default=None, description="Redis for cache and rate limits when set.")
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = Field(
        default="dev-insecure-change-me",
        description="Signs session cookies and CSRF tokens. Set a long random value in production.",
    )
    run_scheduler: bool = Field(default=True, description="Run the in-process job scheduler in serve.")
    redis_prefix: str = Field(default="boostloop:", description="Prefix of every Redis key Boostloop writes.")
    session_max_age_seconds: int = Field(
        default=14 * 24 * 3600, description="Lifetime of a dashboard session cookie (14 days)."
    )
    cookie_secure: bool = Field(default=False, description="Send cookies over HTTPS only (set in production).")
    rate_limits_enabled: bool = True
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail notifications.")
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "boostloop@localhost"
    smtp_timeout_seconds: float = 10.0
    webhook_timeout_seconds: float = 10.0
    notify_max_priority: int = Field(
        default=2,
        description="Recommendations with priority <= this (1 = highest of 1-5) are notified as high-priority.",
    )
    archive_dir: str = Field(
        default="./archive",
        description="Where the retention job writes archived events and snapshots (Parquet, one file per "
        "workspace per day; docs/retention.md).",
    )
    log_level: str = "INFO"
    log_json: bool = True
    sql_echo: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
