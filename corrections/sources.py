"""The live records proposals are made from, read once each through the writers' readers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from corrections.writers.harvest import HarvestTarget
from corrections.writers.quickbooks import QuickBooksTarget
from corrections.writers.salesforce import SalesforceTarget
from resources.settings.crm import DEFAULT_CRM_FIELDS, CrmFields


def erp_ref(erp_id: str | None) -> tuple[str, str] | None:
    """`UK:58` -> ("UK", "58")."""
    if not erp_id or ":" not in erp_id:
        return None
    entity, _, record_id = erp_id.partition(":")
    return entity, record_id


def erp_entity(erp_id: str) -> str:
    """The legal entity code of an ERP reference that is known to be one (`UK:58` -> "UK")."""
    ref = erp_ref(erp_id)
    if ref is None:
        raise ValueError(f"not an ERP reference: {erp_id!r}")
    return ref[0]


@dataclass(frozen=True)
class Receipt:
    """An ERP payment applied to a PSA invoice's postings."""

    payment_id: str  # `<entity code>:<Payment Id>`
    day: str | None  # the payment's TxnDate
    amount: Decimal
    credit_memo_id: str | None  # `<entity code>:<CreditMemo Id>` when the payment applies a credit memo


@dataclass
class Sources:
    salesforce: SalesforceTarget
    harvest: HarvestTarget
    quickbooks: QuickBooksTarget
    crm: CrmFields = DEFAULT_CRM_FIELDS
    _cache: dict = field(default_factory=dict)

    def _once(self, key: tuple, read):
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def account_fields(self) -> list[str]:
        """What the rules read of an Account: its name, parent, and the custom fields they correct."""
        crm = self.crm
        return ["Name", "ParentId", crm.psa_client_id, crm.erp_customer_id, crm.open_ar, crm.legal_entity]

    def account(self, account_id: str | None) -> dict | None:
        if not account_id:
            return None
        return self._once(
            ("Account", account_id),
            lambda: self.salesforce.read("Account", [account_id], self.account_fields()).get(account_id),
        )

    def psa(self, object_name: str, record_id: str | None) -> dict | None:
        if not record_id or not str(record_id).isdigit():
            return None
        return self._once((object_name, record_id), lambda: self.harvest.read(object_name, str(record_id)))

    def erp(self, object_name: str, erp_id: str | None) -> dict | None:
        ref = erp_ref(erp_id)
        if ref is None or ref[0] not in self.quickbooks.realms:
            return None
        return self._once(
            (object_name, erp_id), lambda: self.quickbooks.read(ref[0], object_name, [ref[1]]).get(ref[1])
        )

    def erp_open_ar(self, erp_id: str) -> Decimal | None:
        """The open receivable of the customer and its project sub-customers (not its subsidiaries)."""
        customer, ref = self.erp("Customer", erp_id), erp_ref(erp_id)
        if customer is None or ref is None:
            return None
        entity, customer_id = ref
        children = self.quickbooks.query(
            entity,
            f"select * from Customer where ParentRef = '{customer_id}' and Active in (true, false) maxresults 1000",
        )
        projects = [c for c in children if c.get("IsProject")]
        return sum((Decimal(str(r.get("Balance") or 0)) for r in [customer, *projects]), Decimal("0"))

    def erp_postings(self, entity: str, invoice: dict) -> list[dict]:
        """The ERP invoices posting a Harvest invoice: DocNumber `<number>` or `<number>-<k>`, tagged
        `harvest_invoice:<id>` in PrivateNote."""
        if entity not in self.quickbooks.realms or not invoice.get("number"):
            return []
        number = str(invoice["number"]).replace("'", "")
        numbers = ", ".join(f"'{n}'" for n in [number, *(f"{number}-{k}" for k in range(1, 10))])
        tag = re.compile(rf"\bharvest_invoice:{int(invoice['id'])}\b")
        postings = self.quickbooks.query(
            entity, f"select * from Invoice where DocNumber in ({numbers}) maxresults 1000"
        )
        return [p for p in postings if tag.search(p.get("PrivateNote") or "")]

    def erp_receipts(self, entity: str, postings: list[dict]) -> list[Receipt]:
        """What the ERP applied to the postings, one receipt per Payment: cash, or a credit memo when
        the payment applies one (a payment settling an invoice with a credit is not cash)."""
        ids = {p["Id"] for p in postings}
        customers = sorted(
            {str(p["CustomerRef"]["value"]) for p in postings if (p.get("CustomerRef") or {}).get("value")}
        )
        receipts = []
        for customer in customers:
            for payment in self.quickbooks.query(
                entity, f"select * from Payment where CustomerRef = '{customer}' maxresults 1000"
            ):
                applied, credit_memo = Decimal("0"), None
                for line in payment.get("Line") or []:
                    linked = line.get("LinkedTxn") or []
                    credit_memo = credit_memo or next(
                        (t["TxnId"] for t in linked if t.get("TxnType") == "CreditMemo"), None
                    )
                    if any(t.get("TxnType") == "Invoice" and t.get("TxnId") in ids for t in linked):
                        applied += Decimal(str(line.get("Amount") or 0))
                if applied:
                    receipts.append(
                        Receipt(
                            f"{entity}:{payment['Id']}",
                            payment.get("TxnDate"),
                            applied,
                            credit_memo and f"{entity}:{credit_memo}",
                        )
                    )
        return receipts
