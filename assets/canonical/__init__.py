"""The canonical model: one row per source record, global ids shared by records of the same
business thing, and the cross-reference (docs/data-model.md)."""

from assets.canonical.factory import build_canonical_assets, canonical_key, valid_source_keys

__all__ = ["build_canonical_assets", "canonical_checks", "canonical_key", "valid_source_keys"]


def __getattr__(name: str):
    # checks.canonical reads this package's table list, so it is imported on first use, not here
    if name == "canonical_checks":
        from checks.canonical import canonical_checks

        return canonical_checks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
