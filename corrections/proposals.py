"""Finding -> proposed corrections. Each rule copies one canonical field from its owner
(config/ownership.yaml) to another system, reading both sides live: `value_before` is what the
target holds now, `value_after` what the owner says. A rule proposes nothing when the records
already agree, when a link it needs is missing, or when the only fix would go against the owner.
A rule may hold its corrections for a person (at least `approval`) or only route them (`never`), with
a note saying what to check or do; so is any copied text that could act as markup or a formula."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from corrections.outbox import Correction
from corrections.ownership import Ownership, OwnershipError
from corrections.sources import Receipt, Sources, erp_entity, erp_ref
from corrections.writers import as_text
from corrections.writers.harvest import payment_field, payment_text
from sql.customer_name import normalized

log = logging.getLogger("tieout.corrections")
CENT = Decimal("0.005")
STRICTNESS = {"auto": 0, "approval": 1, "never": 2}
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&#?\w+;")
FORMULA_START = re.compile(r"^\s*[=+\-@]")  # a spreadsheet or CSV export would evaluate it

Propose = Callable[[dict, Sources], list[Correction]]


@dataclass(frozen=True)
class Rule:
    name: str
    canonical_field: str
    propose: Propose
    at_least: str = "auto"  # the rule's own policy floor, over the finding code's
    copies_text: bool = False  # free text from the owner: checked before it may be written unattended


def _change(
    finding: dict,
    rule: str,
    system: str,
    object_name: str,
    entity: str | None,
    record_id,
    field: str,
    before,
    after,
    note: str | None = None,
) -> list[Correction]:
    """A one-correction list, or none when the target already holds the owner's value."""
    before, after = as_text(before), as_text(after)
    if before == after:
        return []
    return [
        Correction(
            finding["finding_id"],
            finding["code"],
            system,
            object_name,
            entity or finding.get("legal_entity"),
            str(record_id),
            field,
            before,
            after,
            rule,
            note=note,
        )
    ]


def unsafe_text(text: str | None) -> str | None:
    """Why copying `text` into another system needs a person's look (markup, control characters, a
    formula-like start), or None."""
    if not text:
        return None
    if MARKUP.search(text):
        return "markup"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return "control characters"
    if FORMULA_START.match(text):
        return "a formula-like start"
    return None


# -- customers --------------------------------------------------------------------------------------
def open_ar_to_crm(finding: dict, sources: Sources) -> list[Correction]:
    account, erp_id = sources.account(finding.get("crm_id")), finding.get("erp_id")
    balance = sources.erp_open_ar(erp_id) if account and erp_id else None
    if account is None or balance is None:
        return []
    return _change(
        finding,
        "open_ar_to_crm",
        account.system,
        account.object_name,
        None,
        account.record_id,
        account.field("open_ar"),
        account.value("open_ar"),
        balance,
    )


def name_to_psa(finding: dict, sources: Sources) -> list[Correction]:
    account, client = sources.account(finding.get("crm_id")), sources.psa("clients", finding.get("psa_id"))
    if not account or not client or normalized(client.get("name")) == normalized(account.name):
        return []
    return _change(
        finding, "name_to_psa", "harvest", "clients", None, client["id"], "name", client.get("name"), account.name
    )


def name_to_erp(finding: dict, sources: Sources) -> list[Correction]:
    """The ERP customer's name (QuickBooks DisplayName, Xero contact Name) := the CRM name."""
    account, customer = sources.account(finding.get("crm_id")), sources.erp_customer(finding.get("erp_id"))
    if not account or not customer or normalized(customer.name) == normalized(account.name):
        return []
    return _change(
        finding,
        "name_to_erp",
        customer.system,
        customer.object_name,
        erp_entity(finding["erp_id"]),
        customer.record_id,
        customer.name_field,
        customer.name,
        account.name,
    )


def parent_to_erp(finding: dict, sources: Sources) -> list[Correction]:
    """The ERP parent := the ERP customer that the CRM parent links to, in the same company (QuickBooks
    ParentRef, the ledger's parent_customer_id; Xero keeps no hierarchy)."""
    account, customer = sources.account(finding.get("crm_id")), sources.erp_customer(finding.get("erp_id"))
    if not account or not customer or customer.parent_field is None:
        return []
    entity = erp_entity(finding["erp_id"])
    parent_ref = None
    if account.parent_id:
        parent = sources.account(account.parent_id)
        parent_ref = erp_ref(parent.value("erp_customer_id")) if parent else None
        if parent_ref is None or parent_ref[0] != entity:
            return []  # the CRM parent has no customer in this company: a person links it first
    return _change(
        finding,
        "parent_to_erp",
        customer.system,
        customer.object_name,
        entity,
        customer.record_id,
        customer.parent_field,
        customer.parent_id,
        parent_ref[1] if parent_ref else None,
    )


def _stamp(rule: str, role: str, id_key: str) -> Propose:
    """Write the other system's id into the CRM account's cross-reference field, if it has none."""

    def propose(finding: dict, sources: Sources) -> list[Correction]:
        account, other = sources.account(finding.get("crm_id")), finding.get(id_key)
        if not account or not other or account.value(role):
            return []
        return _change(
            finding,
            rule,
            account.system,
            account.object_name,
            None,
            account.record_id,
            account.field(role),
            None,
            other,
        )

    return propose


def legal_entity_to_crm(finding: dict, sources: Sources) -> list[Correction]:
    account, ref = sources.account(finding.get("crm_id")), erp_ref(finding.get("erp_id"))
    if not account or ref is None or sources.erp_customer(finding["erp_id"]) is None:
        return []
    return _change(
        finding,
        "legal_entity_to_crm",
        account.system,
        account.object_name,
        None,
        account.record_id,
        account.field("legal_entity"),
        account.value("legal_entity"),
        ref[0],
    )


def currency_to_psa(finding: dict, sources: Sources) -> list[Correction]:
    client, customer = sources.psa("clients", finding.get("psa_id")), sources.erp_customer(finding.get("erp_id"))
    if not client or not customer or not customer.currency:  # a ledger customer may name none: nothing to copy
        return []
    return _change(
        finding,
        "currency_to_psa",
        "harvest",
        "clients",
        None,
        client["id"],
        "currency",
        client.get("currency"),
        customer.currency,
    )


# -- time and invoices ------------------------------------------------------------------------------
def billed_to_erp(finding: dict, sources: Sources) -> list[Correction]:
    """Time Harvest invoiced is HasBeenBilled in QuickBooks (never the reverse: Harvest owns time)."""
    entry, activity = (
        sources.psa("time_entries", finding.get("psa_id")),
        sources.erp("TimeActivity", finding.get("erp_id")),
    )
    if not entry or not activity or not entry.get("is_billed") or activity.get("BillableStatus") != "Billable":
        return []
    return _change(
        finding,
        "billed_to_erp",
        "quickbooks",
        "TimeActivity",
        erp_entity(finding["erp_id"]),
        activity["Id"],
        "BillableStatus",
        "Billable",
        "HasBeenBilled",
    )


def unbilled_to_erp(finding: dict, sources: Sources) -> list[Correction]:
    """Time QuickBooks marks billed that Harvest has not invoiced is Billable again in QuickBooks, once
    a person confirms no QuickBooks invoice billed it outside Harvest."""
    entry, activity = (
        sources.psa("time_entries", finding.get("psa_id")),
        sources.erp("TimeActivity", finding.get("erp_id")),
    )
    if not entry or not activity or entry.get("is_billed") or activity.get("BillableStatus") != "HasBeenBilled":
        return []
    return _change(
        finding,
        "unbilled_to_erp",
        "quickbooks",
        "TimeActivity",
        erp_entity(finding["erp_id"]),
        activity["Id"],
        "BillableStatus",
        "HasBeenBilled",
        "Billable",
        note=f"Harvest time entry {entry['id']} is not invoiced, but QuickBooks TimeActivity "
        f"{finding['erp_id']} is HasBeenBilled. Approve to make it Billable again; if a QuickBooks "
        "invoice billed this time, reject this and invoice the time in Harvest instead.",
    )


def _unreflected(finding: dict, sources: Sources) -> tuple[dict, list[Receipt]]:
    """The Harvest invoice ({} when there is none) and the ERP receipts its amount due does not reflect
    yet (never for a void): Harvest lags behind the ERP, so what it misses is taken to be the newest receipts."""
    invoice = sources.psa("invoices", finding.get("psa_id")) or {}
    ref = erp_ref(finding.get("erp_id"))
    entity = finding.get("legal_entity") or (ref[0] if ref else None)
    if not invoice or not entity:
        return invoice, []
    postings = sources.erp_postings(entity, invoice)
    if not postings or any(sources.voided(entity, p) for p in postings):
        return invoice, []
    receipts = sources.erp_receipts(entity, postings)
    psa_settled = Decimal(str(invoice.get("amount") or 0)) - Decimal(str(invoice.get("due_amount") or 0))
    missing = sum((r.amount for r in receipts), Decimal("0")) - psa_settled
    unreflected, newer = [], Decimal("0")
    for receipt in sorted(receipts, key=lambda r: (r.day or "", r.payment_id), reverse=True):
        if newer >= missing - CENT:
            break
        unreflected.append(receipt)
        newer += receipt.amount
    return invoice, unreflected


def cash_to_psa(finding: dict, sources: Sources) -> list[Correction]:
    """One Harvest payment per ERP cash payment Harvest lacks, with the payment's amount and date."""
    invoice, receipts = _unreflected(finding, sources)
    due = Decimal(str(invoice.get("due_amount") or 0))
    corrections = []
    for receipt in receipts:
        if receipt.credit_memo_id is None and receipt.day and receipt.amount <= due + CENT:
            corrections += _change(
                finding,
                "cash_to_psa",
                "harvest",
                "invoices",
                None,
                invoice["id"],
                payment_field(receipt.payment_id),
                None,
                payment_text(receipt.amount, receipt.day),
            )
            due -= receipt.amount
    return corrections


def credit_to_finance(finding: dict, sources: Sources) -> list[Correction]:
    """An ERP credit memo Harvest lacks, routed to finance: it is not cash, and Harvest has no credit
    memo object, so tieout never writes it (a payment would make Harvest show the invoice paid)."""
    invoice, receipts = _unreflected(finding, sources)
    corrections = []
    for receipt in receipts:
        if receipt.credit_memo_id is None or finding.get("erp_id") not in (None, receipt.credit_memo_id):
            continue
        name = sources.erp_credit_memo_number(receipt.credit_memo_id) or receipt.credit_memo_id
        vendor = sources.vendor_name(erp_entity(receipt.credit_memo_id))
        credited = f"{as_text(receipt.amount)} {finding.get('currency') or ''}".strip()
        corrections += _change(
            finding,
            "credit_to_finance",
            "harvest",
            "invoices",
            None,
            invoice["id"],
            f"credit_memo:{receipt.credit_memo_id}",
            None,
            f"{as_text(receipt.amount)} credited {receipt.day}",
            note=f"Credit memo {name} ({credited}, applied {receipt.day} in {vendor}) reduces Harvest invoice "
            f"{invoice.get('number')}. It is not cash: do not record it as a Harvest payment. Harvest has no "
            "credit memo, so once the invoice's cash payments are in Harvest, close the invoice there (closed = "
            f"settled with a credit) and note {name} on it.",
        )
    return corrections


RULES: dict[str, list[Rule]] = {
    "AR_BALANCE_MISMATCH": [Rule("open_ar_to_crm", "customer.open_ar", open_ar_to_crm)],
    "CUSTOMER_NAME_MISMATCH": [
        Rule("name_to_psa", "customer.name", name_to_psa, copies_text=True),
        Rule("name_to_erp", "customer.name", name_to_erp, copies_text=True),
    ],
    "CUSTOMER_PARENT_MISMATCH": [Rule("parent_to_erp", "customer.parent", parent_to_erp)],
    "CUSTOMER_UNLINKED_MATCH": [
        Rule(
            "psa_client_id_to_crm",
            "customer.psa_client_id",
            _stamp("psa_client_id_to_crm", "psa_client_id", "psa_id"),
        ),
        Rule(
            "erp_customer_id_to_crm",
            "customer.erp_customer_id",
            _stamp("erp_customer_id_to_crm", "erp_customer_id", "erp_id"),
        ),
    ],
    "LEGAL_ENTITY_MISMATCH": [Rule("legal_entity_to_crm", "customer.legal_entity", legal_entity_to_crm)],
    "CUSTOMER_CURRENCY_MISMATCH": [Rule("currency_to_psa", "customer.currency", currency_to_psa)],
    "TIME_BILLED_STATUS_MISMATCH": [
        Rule("billed_to_erp", "time_entry.is_billed", billed_to_erp),
        Rule("unbilled_to_erp", "time_entry.is_billed", unbilled_to_erp, "approval"),
    ],
    **{
        code: [Rule("cash_to_psa", "invoice.amount_due", cash_to_psa)]
        for code in ("PAYMENT_NOT_REFLECTED", "INVOICE_STATUS_MISMATCH")
    },
    "CREDIT_MEMO_NOT_REFLECTED": [Rule("credit_to_finance", "invoice.amount_due", credit_to_finance, "never")],
}
RULE_FIELDS = {rule.name: rule.canonical_field for rules in RULES.values() for rule in rules}


def canonical_field(rule: str) -> str:
    """The canonical field a rule corrects (what ownership is checked against)."""
    if rule not in RULE_FIELDS:
        raise OwnershipError(f"unknown correction rule {rule!r}")
    return RULE_FIELDS[rule]


def _stricter(*policies: str) -> str:
    return max(policies, key=STRICTNESS.__getitem__)


def propose(findings: list[dict], sources: Sources, ownership: Ownership) -> list[Correction]:
    """The corrections the open findings call for, one per target field; a change two findings
    call for is proposed once, under the stricter policy."""
    proposed: dict[str, Correction] = {}
    for finding in findings:
        policy = ownership.policy(finding["code"])
        if policy is None or finding.get("status", "open") != "open":
            continue
        for rule in RULES.get(finding["code"], []):
            for correction in rule.propose(finding, sources):
                try:
                    ownership.check(rule.canonical_field, correction.target_system)
                except OwnershipError as refused:
                    log.error("%s on %s: %s", rule.name, finding["finding_id"], refused)
                    continue
                correction.policy = _stricter(policy, rule.at_least)
                unsafe = unsafe_text(correction.value_after) if rule.copies_text else None
                if unsafe:
                    correction.policy = _stricter(correction.policy, "approval")
                    correction.note = (
                        f"The {correction.field} to copy, {correction.value_after!r}, contains "
                        f"{unsafe}: check it in the owner system before approving."
                    )
                known = proposed.get(correction.idempotency_key)
                if known is None or STRICTNESS[policy] > STRICTNESS[known.policy]:
                    proposed[correction.idempotency_key] = correction
    return list(proposed.values())
