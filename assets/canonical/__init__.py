"""The canonical model: one row per source record, global ids shared by records of the same
business thing, and the cross-reference (docs/data-model.md)."""

from assets.canonical.checks import canonical_checks
from assets.canonical.factory import build_canonical_assets, canonical_key, valid_source_keys

__all__ = ["build_canonical_assets", "canonical_checks", "canonical_key", "valid_source_keys"]
