"""HubSpot CRM records as the v3 objects API serialises them, and the associations between them.

A record is `{"id", "properties", "createdAt", "updatedAt", "archived"}`; every property value is a
string (HubSpot's own rule: numbers, dates and booleans are strings on the wire), dates and
datetimes are ISO 8601 or epoch milliseconds. Associations are kept on the record they start from,
under `associations` (never served as stored: the emulator shapes them per API version), both
directions written at once, as HubSpot keeps them. Shared by the emulator and whoever stores
HubSpot records (test fixtures, a sandbox firm) through `put_records` and `associate`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.store import SandboxStore

SYSTEM = "hubspot"
# HUBSPOT_DEFINED association types (typeId, label) per direction, as listed by HubSpot's associations
# schema API: a child company points at its parent with 14, the parent at the child with 13; a deal
# at its company with 341 (unlabelled) and 5 (primary), the company back with 342 and 6.
ASSOCIATION_TYPES: dict[tuple[str, str, str], list[tuple[int, str | None]]] = {
    ("companies", "companies", "parent"): [(13, "Child Company")],
    ("companies", "companies", "child"): [(14, "Parent Company")],
    ("deals", "companies", "primary"): [(341, None), (5, "Primary")],
    ("companies", "deals", "primary"): [(342, None), (6, "Primary")],
}
# the v3 read API names an association by one type string per direction
V3_TYPE_NAMES = {
    13: "parent_to_child_company",
    14: "child_to_parent_company",
    # the primary association is named plainly; every association (the primary again) is "unlabeled",
    # as HubSpot's v3 list answers (a deal's primary company appears twice)
    5: "deal_to_company",
    341: "deal_to_company_unlabeled",
    6: "company_to_deal",
    342: "company_to_deal_unlabeled",
}
# the properties HubSpot returns when a request names none
DEFAULT_PROPERTIES = {
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
}

# the portal's properties besides those: HubSpot's own that the firm fills in, and the firm's custom ones
# (source-conventions.md). A property exists in the portal whether or not a record holds a value for it.
PORTAL_PROPERTIES = {
    "companies": ("country", "lifecyclestage", "legal_entity", "psa_client_id", "erp_customer_id", "open_ar", "tax_id"),
    "deals": (
        "deal_currency_code",
        "hs_is_closed_won",
        "hs_is_closed",
        "dealtype",
        "billing_model",
        "psa_project_id",
    ),
}


def iso(moment: datetime) -> str:
    """A moment as HubSpot writes it: UTC, milliseconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def record(object_type: str, id: str, properties: dict[str, object], *, created: datetime, updated: datetime) -> dict:
    """A record in HubSpot's shape; the system properties (`hs_object_id`, `createdate`,
    `hs_lastmodifieddate`) follow its id and times, every value a string."""
    values = {name: None if value is None else str(value) for name, value in properties.items()}
    values |= {"hs_object_id": str(id), "createdate": iso(created), "hs_lastmodifieddate": iso(updated)}
    return {
        "id": str(id),
        "properties": values,
        "createdAt": iso(created),
        "updatedAt": iso(updated),
        "archived": False,
    }


def put_records(store: SandboxStore, portal: str, object_type: str, records: list[dict]) -> None:
    """Records in HubSpot's shape, stored as the emulator serves them (their associations kept)."""
    kept = {r["id"]: (store.get(SYSTEM, portal, object_type, r["id"]) or {}).get("associations", {}) for r in records}
    store.put_many(
        SYSTEM, portal, object_type, [(r["id"], {"associations": kept[r["id"]], **r}, r["updatedAt"]) for r in records]
    )


def associate(
    store: SandboxStore, portal: str, from_type: str, from_id: str, to_type: str, to_id: str, kind: str
) -> None:
    """Associate two records both ways: `kind` is `parent` (from is the parent company of to), or
    `primary` (a deal and its company)."""
    inverse = {"parent": "child", "child": "parent", "primary": "primary"}[kind]
    for a_type, a_id, b_type, b_id, k in (
        (from_type, from_id, to_type, to_id, kind),
        (to_type, to_id, from_type, from_id, inverse),
    ):
        stored = store.get(SYSTEM, portal, a_type, a_id)
        if stored is None:
            raise KeyError(f"no {a_type} record {a_id}")
        edges = [e for e in stored.setdefault("associations", {}).get(b_type, []) if e["toObjectId"] != b_id]
        types = [
            {"category": "HUBSPOT_DEFINED", "typeId": t, "label": label}
            for t, label in ASSOCIATION_TYPES[(a_type, b_type, k)]
        ]
        stored["associations"][b_type] = [*edges, {"toObjectId": b_id, "associationTypes": types}]
        store.put(SYSTEM, portal, a_type, a_id, stored, stored["updatedAt"])
