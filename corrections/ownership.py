"""Field ownership and correction policies (config/ownership.yaml, resources/settings/ownership.py).

Every proposal and every send goes through `Ownership.check`, so no correction can write to the
owner of the field it corrects."""

from __future__ import annotations

from pathlib import Path

from resources.settings.ownership import OwnershipSettings


class OwnershipError(ValueError):
    """A correction that would write to the owner of its field, or names an unknown field."""


class Ownership(OwnershipSettings):
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
    """The ownership file ($TIEOUT_OWNERSHIP or config/ownership.yaml), validated; read on every call,
    so a changed policy applies to the next run."""
    return Ownership.load(path)
