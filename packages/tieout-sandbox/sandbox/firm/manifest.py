"""The ground truth: every planted finding and malformed record, and how many records each system holds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

FINDING_KEYS = (
    "code",
    "legal_entity",
    "crm_id",
    "psa_id",
    "erp_id",
    "document_number",
    "currency",
    "expected_value",
    "actual_value",
    "amount_difference",
    "note",
)
MALFORMED_KEYS = ("system", "tenant", "object", "record_id", "rule", "field", "value")

CONVENTIONS = {
    "amount_difference": "the signed money difference in the document's currency: actual_value - expected_value, "
    "a missing side counting as zero (an invoice missing in the ERP is minus its amount, an "
    "unbilled item its value); a rate difference times the hours; a billed-status "
    "difference the entry's value",
    "expected_value": "what the authoritative system says (CRM for customers and deals, PSA for time and invoices, "
    "ERP for cash)",
    "erp_id": "<legal entity code>:<QuickBooks Id>",
    "pair": "CUSTOMER_DUPLICATE and CUSTOMER_UNLINKED_MATCH list both records' ids (system-prefixed)",
    "unlinked_match_scope": "only records that no record of the other system links to are candidates",
    "project_value": "a project's value is its fee when is_fixed_fee, else its budget",
    "implied": "CUSTOMER_MISSING_IN_PSA brings OPPORTUNITY_WITHOUT_PROJECT for its won deal, and "
    "TIME_BILLED_STATUS_MISMATCH brings WIP_VARIANCE on its project: both are listed",
    "id_duplicate": "both records sharing the id are listed",
    "edge_cases": "look like discrepancies but are not findings (split invoices, deals inside the grace period)",
}

# what changes in a mixed firm, where some legal entities keep their ERP records in Xero
XERO_CONVENTIONS = {
    "erp_id": "<legal entity code>:<QuickBooks Id>, or for an entity on Xero <legal entity code>:<Xero ContactID, "
    "InvoiceID or CreditNoteID>",
    "pair": "CUSTOMER_DUPLICATE and CUSTOMER_UNLINKED_MATCH list both records' ids (system-prefixed: quickbooks or "
    "xero for the ERP)",
    "xero_entities": "Xero keeps no customer hierarchy and no project sub-customers: no ERP parent is compared, and "
    "an entity on Xero makes no INVOICE_MISSING_IN_PSA (its invoices name no project). Its people and time are in "
    "Xero Projects (a project per PSA project, named [harvest_project:<id>]; people as project users, matched by "
    "e-mail; a time entry per billable PSA entry, harvest_time_entry:<id> in its description, INVOICED once billed): "
    "the time codes' erp_id is <legal entity code>:<Xero timeEntryId>, WIP_VARIANCE's <legal entity code>:<Xero "
    "projectId>. An entity that moved from QuickBooks keeps its people and time there",
}

# what changes in a firm where some legal entities keep their books in the on-premises ledger (with or without
# Xero entities)
LEDGER_CONVENTIONS = {
    "erp_id": "<legal entity code>:<QuickBooks Id>, for an entity on Xero <legal entity code>:<Xero ContactID, "
    "InvoiceID or CreditNoteID>, for an entity on the ledger <legal entity code>:<ledger customer_id, invoice_id or "
    "credit_memo_id>",
    "pair": "CUSTOMER_DUPLICATE and CUSTOMER_UNLINKED_MATCH list both records' ids (system-prefixed: quickbooks, "
    "xero or ledger for the ERP)",
    "ledger_entities": "an entity whose legal_entities row says erp ledger keeps its ERP records in the ledger "
    "database (ledger.db beside state.db, tables of sandbox/ledger_schema.sql) and the same rows as files "
    "(ledger-drop/); counts name them ledger/<entity code>/<table>. The ledger keeps a customer hierarchy but no "
    "project sub-customers, employees or time: an entity on it makes no TIME_BY_UNKNOWN_RESOURCE, "
    "TIME_BILLED_STATUS_MISMATCH, WIP_VARIANCE or INVOICE_MISSING_IN_PSA; its parents are compared",
}

# what changes in a firm whose business unit keeps its customers in HubSpot (with or without Xero entities)
HUBSPOT_CONVENTIONS = {
    "crm_id": "the Salesforce Id of an Account or Opportunity, or for a customer in HubSpot hubspot:<HubSpot id> "
    "of its company or deal (what tieout's canonical model names a HubSpot record; a Harvest project's code "
    "holds the same hubspot:<deal id>)",
    "pair": "CUSTOMER_DUPLICATE and CUSTOMER_UNLINKED_MATCH list both records' ids, each prefixed with its system "
    "(salesforce or hubspot for the CRM, harvest, quickbooks or xero for the ERP): a HubSpot company is "
    "hubspot:hubspot:<id>, its system then its crm_id",
    "hubspot_units": "a legal entity whose legal_entities row says crm hubspot keeps its customers' accounts and "
    "opportunities in HubSpot only (companies and deals; the parent through the parent company association): "
    "a HubSpot parent is always an existing company, so the CRM's HIERARCHY_ORPHAN and HIERARCHY_CYCLE are "
    "Salesforce's, and a LEGAL_ENTITY_MISMATCH names an entity of the customer's own CRM",
}


# what changes in a firm where a legal entity moved from QuickBooks to Xero on a cutover date
CUTOVER_CONVENTIONS = {
    "cutovers": "the manifest's `cutovers` lists each legal entity that moved ERP: legal_entity, former_erp "
    "(quickbooks), erp (xero) and cutover_date (YYYY-MM-DD, the first day of the month two months before as_of); "
    "its legal_entities row says the same (erp, xero_tenant_id, the realm_id it keeps, former_erp, cutover_date)",
    "cutover_entities": "an entity that moved keeps its customers in both ERPs (Xero contacts for the QuickBooks "
    "customers; the CRM's ERP customer id names the Xero contact) and its project sub-customers, employees and time "
    "in QuickBooks only; its master data are Xero's, so it gets no plant Xero cannot evidence. Documents dated "
    "before the cutover are QuickBooks', from it Xero's; every QuickBooks invoice open at the cutover is migrated "
    "as a Xero opening item dated the cutover (Reference migrated:quickbooks:<QuickBooks Id>, InvoiceNumber its "
    "DocNumber, Total the open amount) that later receipts are applied to. Invoice plants land on its Xero "
    "invoices; its customers' CRM open AR is their Xero receivable and gets no AR_BALANCE_MISMATCH",
    "cutover_erp_id": "for INVOICE_POSTED_IN_BOTH_ERPS the posting in the ERP the PSA invoice's issue date does not "
    "say (<code>:<QuickBooks Id> or <code>:<Xero InvoiceID>); for OPEN_ITEM_NOT_MIGRATED the QuickBooks invoice "
    "(<code>:<QuickBooks Id>), expected_value its open amount at the cutover, actual_value the opening item's "
    "Total (null when there is none)",
}


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass
class Manifest:
    size: str
    seed: int
    as_of: str
    legal_entities: list[dict]
    clean: bool = False  # nothing planted: a night of this firm must find nothing
    findings: list[dict] = field(default_factory=list)
    malformed: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)  # usable records a contract warns about (kept, not quarantined)
    edge_cases: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # "system/tenant/object" -> records
    cutovers: list[dict] = field(default_factory=list)  # legal entities that moved ERP (CUTOVER_CONVENTIONS)

    def finding(
        self,
        code: str,
        legal_entity: str | None,
        *,
        crm_id: str | None = None,
        psa_id=None,
        erp_id: str | None = None,
        document_number: str | None = None,
        currency: str | None = None,
        expected=None,
        actual=None,
        difference: Decimal | None = None,
        note: str,
        pair: list[str] | None = None,
    ) -> dict:
        """Record one planted finding; money values are Decimals. The difference is actual - expected,
        a missing side counting as zero, unless the code measures other money (a rate's times the hours)."""
        if difference is None and Decimal in (type(expected), type(actual)):
            difference = (actual or Decimal("0")) - (expected or Decimal("0"))
        record = {
            "code": code,
            "legal_entity": legal_entity,
            "crm_id": crm_id,
            "psa_id": None if psa_id is None else str(psa_id),
            "erp_id": erp_id,
            "document_number": document_number,
            "currency": currency,
            "expected_value": money(expected) if isinstance(expected, Decimal) else expected,
            "actual_value": money(actual) if isinstance(actual, Decimal) else actual,
            "amount_difference": money(difference),
            "note": note,
        }
        if pair:
            record["pair"] = pair
        self.findings.append(record)
        return record

    def bad_record(
        self, system: str, tenant: str, object: str, record_id, rule: str, field_name: str, value, warning: bool = False
    ) -> None:
        (self.warnings if warning else self.malformed).append(
            {
                "system": system,
                "tenant": tenant,
                "object": object,
                "record_id": None if record_id is None else str(record_id),
                "rule": rule,
                "field": field_name,
                "value": value,
            }
        )

    def count(self, system: str, tenant: str, object: str, n: int) -> None:
        key = f"{system}/{tenant}/{object}"
        self.counts[key] = self.counts.get(key, 0) + n

    def to_json(self) -> dict:
        order = {"findings": sorted(self.findings, key=lambda f: (f["code"], json.dumps(f, sort_keys=True)))}
        return {
            "size": self.size,
            "seed": self.seed,
            "as_of": self.as_of,
            "clean": self.clean,
            "legal_entities": self.legal_entities,
            **({"cutovers": self.cutovers} if self.cutovers else {}),
            "conventions": self.conventions(),
            "counts": dict(sorted(self.counts.items())),
            **order,
            "malformed": self.malformed,
            "warnings": self.warnings,
            "edge_cases": self.edge_cases,
        }

    def conventions(self) -> dict[str, str]:
        conventions = dict(CONVENTIONS)
        if any(e.get("erp") == "xero" for e in self.legal_entities):
            conventions |= XERO_CONVENTIONS
        if any(e.get("erp") == "ledger" for e in self.legal_entities):
            conventions |= LEDGER_CONVENTIONS
        if any(e.get("crm") == "hubspot" for e in self.legal_entities):
            conventions |= HUBSPOT_CONVENTIONS
        if self.cutovers:
            conventions |= CUTOVER_CONVENTIONS
        return conventions

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1, sort_keys=False) + "\n")

    def codes(self) -> set[str]:
        return {f["code"] for f in self.findings}
