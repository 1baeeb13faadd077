"""Service settings, read from QI_-prefixed environment variables."""

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Everything the service reads from its environment (`QI_DATABASE_URL`, ...)."""

    model_config = SettingsConfigDict(env_prefix="QI_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    # A file in the working directory, so `qicollab serve` works with nothing installed.
    database_url: str = "sqlite:///./qi-collaborative.db"
    max_json_body_bytes: int = Field(default=MIB, ge=1024)
    database_pool_size: int = Field(default=5, ge=1)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
