"""The portal's file: config/portal.yaml, or the file $TIEOUT_PORTAL_CONFIG names. Read when the
portal starts."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from resources.settings.base import CONFIG, FileModel, FileSettings

ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
Queue = Literal["all", "finance", "pmo", "sales_ops"]


class RoleSettings(FileModel):
    queues: list[Queue] = Field(default_factory=list)
    approve: bool = False
    sign_off: bool = False  # certifies a legal entity's month from the tie-out (/periods)


class UserSettings(FileModel):
    role: str
    password_hash: SecretStr

    @field_validator("password_hash")
    @classmethod
    def argon2(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("$argon2"):
            raise ValueError("must be an argon2 hash (tieout portal hash-password)")
        return value


class PortalSettings(FileSettings):
    default_file = CONFIG / "portal.yaml"
    file_setting = "portal_config"

    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=1, le=65535)
    session_minutes: float = Field(default=30, gt=0)
    secure_cookies: bool = False
    reports_dir: str = ""  # empty: the defaults under $TIEOUT_HOME (and $TIEOUT_WAREHOUSE)
    warehouse: str = ""
    audit_log: str = ""
    sessions: str = ""  # the signed-in sessions' SQLite file; empty: beside the audit log
    # A public address the browser sees when a proxy terminates TLS (https://reports.example.com); the
    # portal's own address is always allowed. Every POST must come from one of them (its Origin).
    allowed_origins: list[str] = Field(default_factory=list)
    login_failures_per_user: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: float = Field(default=15, gt=0)
    password_checks_at_once: int = Field(default=2, ge=1, le=16)
    roles: dict[str, RoleSettings] = Field(default_factory=dict)
    users: dict[str, UserSettings] = Field(default_factory=dict)

    @field_validator("allowed_origins")
    @classmethod
    def origins(cls, values: list[str]) -> list[str]:
        for value in values:
            if not ORIGIN.match(value):
                raise ValueError("each must be an origin: http(s)://host[:port], nothing after it")
        return values

    @model_validator(mode="after")
    def known_roles(self) -> PortalSettings:
        for name, user in self.users.items():
            if user.role not in self.roles:
                raise ValueError(f"users.{name}.role: no such role in roles")
        return self
