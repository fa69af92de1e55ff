"""The fields each emulator looks records up by, indexed when the firm is written: a vendor's indexes
exist before its first query. Built on a firm's first lookups instead, they took most of the corrections
stage of the benchmark's first night (six indexes over a 4.8-million-record store, ~30 s)."""

from sandbox.emulators import quickbooks, salesforce, xero_projects
from sandbox.emulators.quickbooks_query import LOOKUP_PATHS
from sandbox.store import SandboxStore


def index_lookups(store: SandboxStore) -> list[str]:
    """Build the indexes of every object's lookups that its records carry; returns their names."""
    wanted = [
        (quickbooks.SYSTEM, o, path, False) for o in store.objects(quickbooks.SYSTEM) for path in LOOKUP_PATHS.values()
    ]
    wanted += [(salesforce.SYSTEM, o, salesforce.ID_PATH, True) for o in store.objects(salesforce.SYSTEM)]
    wanted += [(xero_projects.SYSTEM, o, xero_projects.PROJECT_PATH, False) for o in xero_projects.BY_PROJECT]
    return [
        store.index_lookup(system, object, path, ignore_case=ignore_case)[0]
        for system, object, path, ignore_case in wanted
        if store.carries(system, object, path)
    ]
