"""Service settings, read from QI_-prefixed environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.db import DatabaseLimits
from app.disclosure import DEFAULT_THRESHOLD, MIN_THRESHOLD

MIB = 1024 * 1024

# argon2-cffi's defaults (RFC 9106's low-memory choice): the least a production service may use.
PASSWORD_HASH_MINIMUMS = {
    "password_hash_time_cost": 3,
    "password_hash_memory_cost": 65536,
    "password_hash_parallelism": 4,
}


class TrustedIssuer(BaseModel):
    """An identity provider whose access tokens are accepted for people with an account here."""

    issuer: str
    audience: str
    jwks_url: str = Field(pattern=r"^https://")
    algorithm: Literal["RS256", "ES256"] = "RS256"
    # Entra ID access tokens live 60-90 minutes; a longer-lived one is refused.
    max_lifetime_minutes: int = Field(default=24 * 60, ge=1, le=7 * 24 * 60)


class Settings(BaseSettings):
    """Everything the service reads from its environment (`QI_DATABASE_URL`, ...)."""

    model_config = SettingsConfigDict(env_prefix="QI_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    # A file in the working directory, so `qicollab serve` works with nothing installed.
    database_url: str = "sqlite:///./qi-collaborative.db"
    max_json_body_bytes: int = Field(default=MIB, ge=1024)
    # Files (CSV, XLSX) are streamed to disk, never held in memory: the largest one accepted.
    max_import_bytes: int = Field(default=50 * MIB, ge=1024)
    # Data rows per imported file (ingest spec 3): one more is 413.
    max_import_rows: int = Field(default=1_000_000, ge=1)
    # Where uploads are spooled while their request runs (removed when it ends); the system's
    # temporary directory when unset. Not a tmpfs, or the files sit in memory after all.
    upload_dir: Path | None = None
    database_pool_size: int = Field(default=5, ge=1)
    # Every wait on the database is bounded; past a bound the answer is 503 with Retry-After.
    database_pool_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    database_connect_timeout_seconds: int = Field(default=3, ge=2, le=60)
    database_statement_timeout_seconds: float = Field(default=5.0, gt=0, le=600)
    database_lock_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # /readyz answers 503 when its own check takes longer than this.
    readiness_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # Addresses (or networks) of reverse proxies whose X-Forwarded-For is believed; the client
    # address of anyone else is the peer's. ["*"] trusts every peer: only behind a proxy.
    forwarded_allow_ips: list[str] = Field(default_factory=list)
    # POST /spc/charts computes on the caller's data: per-caller requests per minute.
    chart_requests_per_minute: int = Field(default=60, ge=1)
    # Equality summaries suppress counts of fewer people than this (app.disclosure's floor is 5).
    equality_threshold: int = Field(default=10, ge=5)
    # Imported aggregates (ingest spec 5.4: survey results, workforce months) about fewer people
    # than this are stored but suppressed: no value and no count below it leaves the service. A
    # trust's IG agreement may raise it, never lower it below the disclosure module's floor.
    min_responses: int = Field(default=DEFAULT_THRESHOLD, ge=MIN_THRESHOLD)
    # The key of the keyed hash (HMAC-SHA256, app/imports/hashing.py) that replaces each
    # `employee_ref` of a workforce-staff file as soon as it is read (ingest 3.4). The hashes
    # only tell one person's rows from another's within one import and are never stored, so
    # unset is safe: each import then draws a random key. Setting it changes no stored value.
    employee_ref_key: SecretStr | None = None
    # Where the signing keys live (created owner-only on first start).
    data_dir: Path = Path(".")
    # How often each worker looks for a rotated key file (`qicollab keys rotate`), at most.
    signing_keys_check_seconds: float = Field(default=1.0, gt=0, le=60)
    token_issuer: str = "qi-collaborative"
    token_audience: str = "qi-collaborative-api"
    access_token_minutes: int = Field(default=15, ge=1, le=15)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    # Failed sign-ins allowed per account, and per client address, in the window.
    sign_in_window_minutes: int = Field(default=15, ge=1)
    sign_in_failures_per_account: int = Field(default=5, ge=1)
    sign_in_failures_per_address: int = Field(default=20, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    # QI_TRUSTED_ISSUERS='[{"issuer": "https://login.microsoftonline.com/<tenant>/v2.0",
    #   "audience": "api://qi-collaborative", "jwks_url": "https://.../discovery/v2.0/keys"}]'
    trusted_issuers: list[TrustedIssuer] = Field(default_factory=list)
    # `qicollab demo` uses this for every demo account when set; otherwise random passwords.
    demo_password: SecretStr | None = None
    # argon2id cost: passes, memory in KiB, lanes. Lower than the defaults only in development
    # and test (where a hash in microseconds keeps the suite fast); new hashes use these, and
    # stored ones keep verifying with the parameters written into them.
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_cost: int = Field(default=65536, ge=8)
    password_hash_parallelism: int = Field(default=4, ge=1)

    @field_validator(*PASSWORD_HASH_MINIMUMS)
    @classmethod
    def _strong_in_production(cls, value: int, info: ValidationInfo) -> int:
        least = PASSWORD_HASH_MINIMUMS[str(info.field_name)]
        if info.data.get("env") == "production" and value < least:
            raise ValueError(f"at least {least} in production (lower only in development or test)")
        return value

    @field_validator("password_hash_parallelism")
    @classmethod
    def _memory_for_every_lane(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("password_hash_memory_cost", 8 * value) < 8 * value:
            raise ValueError("QI_PASSWORD_HASH_MEMORY_COST must be at least 8 (KiB) per lane")
        return value

    def database_limits(self) -> DatabaseLimits:
        return DatabaseLimits(
            pool_size=self.database_pool_size,
            pool_timeout=self.database_pool_timeout_seconds,
            connect_timeout=self.database_connect_timeout_seconds,
            statement_timeout=self.database_statement_timeout_seconds,
            lock_timeout=self.database_lock_timeout_seconds,
        )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
