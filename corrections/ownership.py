"""Field ownership and correction policies (config/ownership.yaml, resources/settings/ownership.py).

Every proposal and every send goes through `Ownership.check`, so no correction can write to the
owner of the field it corrects."""

from __future__ import annotations

from pathlib import Path

from resources.settings.ownership import OwnershipSettings


class OwnershipError(ValueError):
    """A correction that would write to the owner of its field, or names an unknown field."""


class Ownership(OwnershipSettings):
    def owners(self, canonical_field: str) -> list[str]:
        """The vendor systems of the role that owns `canonical_field` (the ERP role may name several:
        each legal entity keeps its books in one of them)."""
        role = self.fields.get(canonical_field)
        if role is None:
            raise OwnershipError(f"no owner configured for {canonical_field}")
        return self.role_systems(role)

    def check(self, canonical_field: str, target_system: str) -> None:
        """Refuse a write of `canonical_field` to any system of its owning role."""
        if target_system in self.owners(canonical_field):
            raise OwnershipError(f"{target_system} owns {canonical_field}: corrections flow from it, never to it")

    def policy(self, code: str) -> str | None:
        return self.policies.get(code)


def load_ownership(path: str | Path | None = None) -> Ownership:
    """The ownership file ($TIEOUT_OWNERSHIP or config/ownership.yaml), validated; read on every call,
    so a changed policy applies to the next run."""
    return Ownership.load(path)
