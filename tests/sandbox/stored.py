"""The sandbox store's records as the tests of a built firm read them."""

from __future__ import annotations

import json
from collections import defaultdict

from sandbox.store import SandboxStore


def read_records(directory) -> dict:
    """Every stored record's payload by (system, tenant, object), in listing order."""
    store = SandboxStore(directory / "state.db")
    by_key = defaultdict(list)
    for system, tenant, obj, payload in store._db().execute(
        "SELECT system, tenant, object, payload FROM records ORDER BY system, tenant, object, seq"
    ):
        by_key[(system, tenant, obj)].append(json.loads(payload))
    return by_key
