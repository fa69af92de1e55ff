"""config/ownership.yaml: which system owns each canonical field, and each code's policy.

Every proposal and every send goes through `Ownership.check`, so no correction can write to the
owner of the field it corrects."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "ownership.yaml"
POLICIES = ("auto", "approval", "never")


class OwnershipError(ValueError):
    """A correction that would write to the owner of its field, or names an unknown field."""


@dataclass(frozen=True)
class Ownership:
    systems: dict[str, str]  # role (crm/psa/erp) -> vendor system
    fields: dict[str, str]  # canonical field -> owning role
    policies: dict[str, str]  # finding code -> auto | approval | never
    writeback: dict

    def owner(self, canonical_field: str) -> str:
        """The vendor system that owns `canonical_field`."""
        role = self.fields.get(canonical_field)
        if role is None:
            raise OwnershipError(f"no owner configured for {canonical_field}")
        return self.systems[role]

    def check(self, canonical_field: str, target_system: str) -> None:
        """Refuse a write of `canonical_field` to its owner."""
        if self.owner(canonical_field) == target_system:
            raise OwnershipError(f"{target_system} owns {canonical_field}: corrections flow from it, never to it")

    def policy(self, code: str) -> str | None:
        return self.policies.get(code)


def load_ownership(path: str | Path | None = None) -> Ownership:
    """The ownership file ($TIEOUT_OWNERSHIP or config/ownership.yaml), validated."""
    return _load(str(path or os.environ.get("TIEOUT_OWNERSHIP") or DEFAULT_PATH))


@lru_cache(maxsize=4)
def _load(path: str) -> Ownership:
    document = yaml.safe_load(Path(path).read_text())
    ownership = Ownership(document["systems"], document["fields"], document["policies"], document["writeback"])
    unknown_roles = set(ownership.fields.values()) - set(ownership.systems)
    bad_policies = {code: p for code, p in ownership.policies.items() if p not in POLICIES}
    if unknown_roles or bad_policies:
        raise OwnershipError(f"{path}: unknown roles {sorted(unknown_roles)}, bad policies {bad_policies}")
    return ownership
