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

    systems: dict[str, str]  # role (crm/psa/erp) -> vendor system
    fields: dict[str, str]  # canonical field -> owning role
    policies: dict[str, Policy]  # finding code -> policy
    writeback: WritebackLimits

    @model_validator(mode="after")
    def known_roles(self) -> OwnershipSettings:
        unknown = sorted(set(self.fields.values()) - set(self.systems))
        if unknown:
            raise ValueError(f"fields name roles that systems does not define: {unknown}")
        return self
