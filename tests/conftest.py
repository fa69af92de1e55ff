"""Fixtures shared by the whole suite."""

import os
from pathlib import Path

import pytest

from sandbox.store import SandboxStore

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def vendor_contracts() -> Path:
    """The vendors' published contracts: $TIEOUT_VENDOR_CONTRACTS or ../shared/vendor-contracts."""
    candidates = [os.environ.get("TIEOUT_VENDOR_CONTRACTS"), REPO.parent / "shared" / "vendor-contracts"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    pytest.skip("vendor contracts not found: set TIEOUT_VENDOR_CONTRACTS or place ../shared/vendor-contracts")


@pytest.fixture
def store(tmp_path) -> SandboxStore:
    return SandboxStore(tmp_path / "state.db")
