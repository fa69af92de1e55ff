"""config/ownership.yaml, or the file $TIEOUT_OWNERSHIP names: which system owns each canonical
field, each finding code's correction policy, and the writeback's limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from resources.settings.base import CONFIG, FileModel, FileSettings

Policy = Literal["auto", "approval", "never"]


class WritebackLimits(FileModel):
    batch_size: dict[str, int]  # per system, at most the vendor's maximum
    max_failures: int = Field(ge=0)  # a drain stops a system after this many failed corrections ...
    max_failure_share: float = Field(ge=0, le=1)  # ... or once this share of them failed
    max_attempts: int = Field(ge=1)  # a correction that failed transiently this often is marked failed


class OwnershipSettings(FileSettings):
    default_file = CONFIG / "ownership.yaml"
    file_setting = "ownership"

    systems: dict[str, str | list[str]]  # role (crm/psa/erp) -> its vendor system, or several
    fields: dict[str, str]  # canonical field -> owning role
    policies: dict[str, Policy]  # finding code -> policy
    writeback: WritebackLimits

    @model_validator(mode="after")
    def known_roles(self) -> OwnershipSettings:
        unknown = sorted(set(self.fields.values()) - set(self.systems))
        if unknown:
            raise ValueError(f"fields name roles that systems does not define: {unknown}")
        empty = sorted(role for role in self.systems if not self.role_systems(role))
        if empty:
            raise ValueError(f"systems names no vendor for the roles: {empty}")
        named = [system for role in self.systems for system in set(self.role_systems(role))]
        shared = sorted({system for system in named if named.count(system) > 1})
        if shared:
            raise ValueError(f"systems names a vendor under more than one role: {shared}")
        return self

    def role_systems(self, role: str) -> list[str]:
        """The vendor systems of a role: one named as a string, or a list of them."""
        named = self.systems[role]
        return [named] if isinstance(named, str) else list(named)
