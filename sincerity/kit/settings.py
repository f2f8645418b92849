"""One typed Settings object, loaded once by the composition root and passed down.

Sources, highest first: environment variables prefixed `SINCERITY_`, then `sincerity.toml` in
the working directory. Secrets never have defaults: keys live in the node's key file, created
by `sincerity init`; outside development, startup refuses to run without them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting is documented here; `tests/contracts` checks the README lists them."""

    model_config = SettingsConfigDict(env_prefix="SINCERITY_", toml_file="sincerity.toml", extra="forbid")

    env: Environment = Field(default=Environment.PRODUCTION, description="development, test or production")
    data_dir: Path = Field(default=Path("var"), description="node-local files: SQLite database, key file")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default a SQLite file in data_dir (postgresql+psycopg://… for production)",
    )
    now: datetime | None = Field(default=None, description="fixed clock (ISO 8601 instant); ignored in production")
    node_code: str = Field(default="local", description="this node's code in the federation")
    log_level: str = Field(default="INFO", description="logging level")
    calendar_file: Path | None = Field(
        default=None,
        description="a working-day calendar file laid over the shipped one (add a year when it is announced)",
    )
    notice_sender: Literal["auto", "none", "console", "smtp"] = Field(
        default="auto",
        description="where notices to subjects go: auto is smtp when smtp_host is set, console in development, "
        "else none (subjects read their inbox)",
    )
    smtp_host: str | None = Field(default=None, description="mail server for notices to subjects")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="mail server port")
    smtp_sender: str = Field(default="sincerity@localhost", description="the From address of notices")
    smtp_tls: Literal["starttls", "none"] = Field(
        default="starttls",
        description="starttls: required, certificate verified; none only for a relay on loopback",
    )
    suspend_overdue_disputes: bool = Field(
        default=True,
        description="a dispute not answered by its deadline suspends the record from measures until answered",
    )

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("SINCERITY_NOW must carry a UTC offset, e.g. 2026-11-27T09:00:00+08:00")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'sincerity.db'}"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "keys" / "node-keys.json"

    @property
    def fixed_now(self) -> datetime | None:
        """`SINCERITY_NOW`, honoured only outside production."""
        return None if self.env is Environment.PRODUCTION else self.now
