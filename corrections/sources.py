"""The live records proposals are made from, read once each through the writers' readers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from corrections.writers.harvest import HarvestTarget
from corrections.writers.hubspot import HUBSPOT_PREFIX, HubSpotTarget, number_or_text
from corrections.writers.ledger import LedgerTarget
from corrections.writers.quickbooks import QuickBooksTarget
from corrections.writers.salesforce import SalesforceTarget
from corrections.writers.xero import XeroTarget, is_xero_id, xero_day
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


@dataclass(frozen=True)
class ErpCustomer:
    """The ERP's customer of a finding, as a rule needs it whichever vendor keeps it."""

    system: str  # the vendor writer's system: quickbooks, xero, ledger
    object_name: str  # Customer (QuickBooks), Contacts (Xero), ledger_customers (the ledger)
    record_id: str
    name_field: str  # DisplayName (QuickBooks), Name (Xero), name (the ledger)
    name: str | None
    currency: str | None
    parent_field: str | None = None  # ParentRef (QuickBooks), parent_customer_id (the ledger); Xero keeps none
    parent_id: str | None = None  # the parent customer's own id in the same company


@dataclass(frozen=True)
class CrmAccount:
    """The CRM account of a finding, as a rule needs it whichever CRM keeps it: its fields by role
    (`psa_client_id`, `erp_customer_id`, `open_ar`, `legal_entity`) under the vendor's names."""

    system: str  # the vendor writer's system: salesforce, hubspot
    object_name: str  # Account (Salesforce), companies (HubSpot)
    record_id: str  # the vendor's id (a HubSpot company's bare number)
    name: str | None
    parent_id: str | None  # the parent account as findings name it (a Salesforce Id, `hubspot:<id>`)
    fields: dict[str, str]
    values: dict[str, object]

    def field(self, role: str) -> str:
        return self.fields[role]

    def value(self, role: str):
        return self.values.get(role)


ACCOUNT_ROLES = ("psa_client_id", "erp_customer_id", "open_ar", "legal_entity")
VENDOR_NAMES = {"quickbooks": "QuickBooks", "xero": "Xero", "ledger": "the ledger"}


@dataclass
class Sources:
    salesforce: SalesforceTarget
    harvest: HarvestTarget
    quickbooks: QuickBooksTarget
    xero: XeroTarget
    hubspot: HubSpotTarget
    ledger: LedgerTarget  # url '' (a drop folder, or no ledger): its entities' records are not read live
    crm: CrmFields = DEFAULT_CRM_FIELDS
    erp_vendors: dict[str, str] = field(default_factory=dict)  # legal entity -> the ERP keeping its books
    _cache: dict = field(default_factory=dict)

    def _once(self, key: tuple, read):
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def account(self, account_id: str | None) -> CrmAccount | None:
        """The CRM account a finding's `crm_id` names: a Salesforce Account (its Id), or a HubSpot company
        (`hubspot:<id>`); None when it is gone or the id is neither."""
        if account_id and account_id.startswith(HUBSPOT_PREFIX):
            return self._once(("hubspot", account_id), lambda: self._hubspot_company(account_id))
        if not account_id or not account_id.isalnum():
            return None
        return self._once(("Account", account_id), lambda: self._salesforce_account(account_id))

    def _salesforce_account(self, account_id: str) -> CrmAccount | None:
        crm = self.crm
        fields = {role: getattr(crm, role) for role in ACCOUNT_ROLES}
        record = self.salesforce.read("Account", [account_id], ["Name", "ParentId", *fields.values()]).get(account_id)
        if record is None:
            return None
        values = {role: record.get(name) for role, name in fields.items()}
        return CrmAccount(
            "salesforce", "Account", record["Id"], record.get("Name"), record.get("ParentId"), fields, values
        )

    def _hubspot_company(self, account_id: str) -> CrmAccount | None:
        company_id = account_id.removeprefix(HUBSPOT_PREFIX)
        if self.hubspot.client is None:  # the firm has no HubSpot portal configured (any more)
            return None
        properties = self.hubspot.read("companies", [company_id], ["name", *ACCOUNT_ROLES]).get(company_id)
        if properties is None:
            return None
        parent = self.hubspot.parent_company(company_id)
        values: dict[str, object] = {role: properties.get(role) for role in ACCOUNT_ROLES}
        values["open_ar"] = number_or_text(properties.get("open_ar"))  # HubSpot sends numbers as strings
        fields = {role: role for role in ACCOUNT_ROLES}  # HubSpot's property names are the roles' (source-conventions)
        return CrmAccount(
            "hubspot",
            "companies",
            company_id,
            properties.get("name"),
            parent and f"{HUBSPOT_PREFIX}{parent}",
            fields,
            values,
        )

    def psa(self, object_name: str, record_id: str | None) -> dict | None:
        if not record_id or not str(record_id).isdigit():
            return None
        return self._once((object_name, record_id), lambda: self.harvest.read(object_name, str(record_id)))

    def erp_vendor(self, entity: str | None) -> str | None:
        """The ERP that keeps the legal entity's books today: xero, quickbooks, ledger, or None (none is
        configured)."""
        return self.erp_vendors.get(entity or "")

    def vendor_name(self, entity: str | None) -> str:
        """The entity's ERP as people call it (QuickBooks, Xero)."""
        return VENDOR_NAMES.get(self.erp_vendor(entity) or "", "the ERP")

    def erp(self, object_name: str, erp_id: str | None) -> dict | None:
        """A QuickBooks record (None for an entity whose books are not in QuickBooks today)."""
        ref = erp_ref(erp_id)
        if ref is None or ref[0] not in self.quickbooks.realms or self.erp_vendor(ref[0]) != self.quickbooks.system:
            return None
        return self._once(
            (object_name, erp_id), lambda: self.quickbooks.read(ref[0], object_name, [ref[1]]).get(ref[1])
        )

    def xero_record(self, collection: str, erp_id: str | None) -> dict | None:
        """A Xero record by `<entity>:<Xero id>` (None for an entity that is not on Xero)."""
        ref = erp_ref(erp_id)
        if ref is None or ref[0] not in self.xero.clients or not is_xero_id(ref[1]):
            return None
        entity, record_id = ref[0], ref[1].lower()
        return self._once(
            ("xero", collection, erp_id), lambda: self.xero.read(entity, collection, [record_id]).get(record_id)
        )

    def erp_customer(self, erp_id: str | None) -> ErpCustomer | None:
        """The ERP customer an `erp_id` names, in whichever vendor keeps its legal entity's books."""
        ref = erp_ref(erp_id)
        if ref is not None and self.erp_vendor(ref[0]) == self.ledger.system:
            return self._ledger_customer(*ref)
        if ref is not None and self.erp_vendor(ref[0]) == self.xero.system:
            contact = self.xero_record("Contacts", erp_id)
            if contact is None:
                return None
            currency = contact.get("DefaultCurrency") or self.xero_base_currency(ref[0])
            return ErpCustomer("xero", "Contacts", contact["ContactID"], "Name", contact.get("Name"), currency)
        customer = self.erp("Customer", erp_id)
        if customer is None:
            return None
        currency = (customer.get("CurrencyRef") or {}).get("value")
        parent = (customer.get("ParentRef") or {}).get("value")
        return ErpCustomer(
            "quickbooks",
            "Customer",
            customer["Id"],
            "DisplayName",
            customer.get("DisplayName"),
            currency,
            "ParentRef",
            parent,
        )

    def _ledger_customer(self, entity: str, customer_id: str) -> ErpCustomer | None:
        row = self._once(("ledger", "customer", entity, customer_id), lambda: self.ledger.customer(entity, customer_id))
        if row is None:
            return None
        parent = row.get("parent_customer_id")
        return ErpCustomer(
            "ledger",
            "ledger_customers",
            str(row["customer_id"]),
            "name",
            row.get("name"),
            row.get("currency") or None,
            "parent_customer_id",
            None if parent is None else str(parent),
        )

    def xero_base_currency(self, entity: str) -> str | None:
        """The organisation's base currency: what a contact without DefaultCurrency is billed in."""
        return self._once(("xero", "Organisation", entity), lambda: self.xero.organisation(entity)).get("BaseCurrency")

    def erp_credit_memo_number(self, credit_memo_id: str) -> str | None:
        """The credit memo's number (QuickBooks DocNumber, Xero CreditNoteNumber, the ledger's credit_number)."""
        vendor = self.erp_vendor(erp_entity(credit_memo_id))
        if vendor == self.ledger.system:
            entity, record_id = erp_ref(credit_memo_id) or ("", "")
            return self.ledger.credit_memo_number(entity, record_id)
        if vendor == self.xero.system:
            return (self.xero_record("CreditNotes", credit_memo_id) or {}).get("CreditNoteNumber")
        return (self.erp("CreditMemo", credit_memo_id) or {}).get("DocNumber")

    def erp_open_ar(self, erp_id: str) -> Decimal | None:
        """The open receivable of the customer and its project sub-customers (not its subsidiaries)."""
        ref = erp_ref(erp_id)
        if ref is not None and self.erp_vendor(ref[0]) == self.ledger.system:
            return self.ledger.open_ar(*ref)
        if ref is not None and self.erp_vendor(ref[0]) == self.xero.system:
            return self._xero_open_ar(erp_id)
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

    def _xero_open_ar(self, erp_id: str) -> Decimal | None:
        """A Xero contact's open receivable: its authorised sales invoices' AmountDue less its authorised
        sales credit notes' RemainingCredit (Xero has no project sub-customers)."""
        contact = self.xero_record("Contacts", erp_id)
        if contact is None:
            return None
        entity, contact_id = erp_entity(erp_id), contact["ContactID"]
        invoices = self.xero.query(entity, "Invoices", ContactIDs=contact_id, Statuses="AUTHORISED")
        credits = self.xero.query(
            entity,
            "CreditNotes",
            where=f'Contact.ContactID==Guid("{contact_id}") AND Status=="AUTHORISED" AND Type=="ACCRECCREDIT"',
        )
        due = sum((Decimal(str(i.get("AmountDue") or 0)) for i in invoices if i.get("Type") == "ACCREC"), Decimal(0))
        return due - sum((Decimal(str(c.get("RemainingCredit") or 0)) for c in credits), Decimal("0"))

    def erp_postings(self, entity: str, invoice: dict) -> list[dict]:
        """The ERP invoices posting a Harvest invoice: number `<number>` or `<number>-<k>` (QuickBooks
        DocNumber, Xero InvoiceNumber, the ledger's invoice_number), tagged `harvest_invoice:<id>`
        (PrivateNote, Reference, reference)."""
        vendor = self.erp_vendor(entity)
        if vendor is None or not invoice.get("number"):
            return []
        if vendor == self.ledger.system:
            return self.ledger.postings(entity, str(invoice["number"]), int(invoice["id"]))
        number = str(invoice["number"]).replace("'", "")
        tag = re.compile(rf"\bharvest_invoice:{int(invoice['id'])}\b")
        if vendor == self.xero.system:
            numbers = ",".join([number, *(f"{number}-{k}" for k in range(1, 10))])
            postings = self.xero.query(entity, "Invoices", InvoiceNumbers=numbers)
            return [p for p in postings if p.get("Type") == "ACCREC" and tag.search(p.get("Reference") or "")]
        numbers = ", ".join(f"'{n}'" for n in [number, *(f"{number}-{k}" for k in range(1, 10))])
        postings = self.quickbooks.query(
            entity, f"select * from Invoice where DocNumber in ({numbers}) maxresults 1000"
        )
        return [p for p in postings if tag.search(p.get("PrivateNote") or "")]

    def voided(self, entity: str, posting: dict) -> bool:
        """A posting voided in the ERP (Xero: Status VOIDED; the ledger: status voided; QuickBooks: "Voided"
        in its PrivateNote)."""
        if self.erp_vendor(entity) == self.ledger.system:
            return posting.get("status") == "voided"
        if self.erp_vendor(entity) == self.xero.system:
            return posting.get("Status") == "VOIDED"
        return "Voided" in (posting.get("PrivateNote") or "")

    def erp_receipts(self, entity: str, postings: list[dict]) -> list[Receipt]:
        """What the ERP applied to the postings, one receipt per Payment: cash, or a credit memo when
        the payment applies one (a payment settling an invoice with a credit is not cash)."""
        if self.erp_vendor(entity) == self.ledger.system:
            return self._ledger_receipts(entity, postings)
        if self.erp_vendor(entity) == self.xero.system:
            return self._xero_receipts(entity, postings)
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

    def _xero_receipts(self, entity: str, postings: list[dict]) -> list[Receipt]:
        """What Xero applied to the postings, as the invoices list it: each payment (cash), and each
        credit note's allocation (a credit, with the credit note as its id)."""
        applied: dict[tuple[str, str | None], list] = {}
        for posting in postings:
            for payment in posting.get("Payments") or []:
                key = (f"{entity}:{payment['PaymentID']}", None)
                applied.setdefault(key, [xero_day(payment.get("Date")), Decimal("0")])[1] += Decimal(
                    str(payment.get("Amount") or 0)
                )
            for credit in posting.get("CreditNotes") or []:
                credit_id = f"{entity}:{credit['CreditNoteID']}"
                applied.setdefault((credit_id, credit_id), [xero_day(credit.get("Date")), Decimal("0")])[1] += Decimal(
                    str(credit.get("AppliedAmount") or 0)
                )
        return [Receipt(key, day, amount, memo) for (key, memo), (day, amount) in applied.items() if amount]

    def _ledger_receipts(self, entity: str, postings: list[dict]) -> list[Receipt]:
        """What the ledger applied to the postings, named as the canonical layer names it
        (erp_payment_application_records): a payment's cash as `<entity>:<payment_id>` dated as the
        payment, a credit memo's credit as `<entity>:credit_memo:<id>` (payments and credit memos number
        apart) dated as applied, with the credit memo `<entity>:<id>`."""
        applied: dict[tuple[str, str | None], list] = {}
        for application in self.ledger.applications([int(p["invoice_id"]) for p in postings]):
            payment, memo = application.get("payment_id"), application.get("credit_memo_id")
            if payment is None and memo is None:
                continue
            settled_by = f"{entity}:{payment}" if payment is not None else f"{entity}:credit_memo:{memo}"
            credit = None if memo is None else f"{entity}:{memo}"
            day = application.get("payment_date") if payment is not None else application.get("applied_on")
            applied.setdefault((settled_by, credit), [day and str(day)[:10], Decimal("0")])[1] += Decimal(
                str(application.get("amount") or 0)
            )
        return [Receipt(key, day, amount, memo) for (key, memo), (day, amount) in applied.items() if amount]
