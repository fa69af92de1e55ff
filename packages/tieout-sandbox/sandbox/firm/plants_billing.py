"""Invoice and cash discrepancies, planted after settlement so each one is the only difference it makes.

In a legal entity on Xero: INVOICE_MISSING_IN_PSA needs an ERP invoice on a PSA project, and Xero has no
project sub-customers (the project would be Xero Projects', not built); INVOICE_DUPLICATE and the
voided-then-reposted edge case post one number twice, which Xero refuses ("Invoice # must be unique").
Those choose QuickBooks entities; every other invoice and cash plant lands in Xero too.

In a legal entity on the on-premises ledger, which has no project sub-customers either but takes a number
twice, only INVOICE_MISSING_IN_PSA chooses QuickBooks entities.

In a legal entity that moved from QuickBooks to Xero, an invoice issued before the cutover is posted in
QuickBooks and, open at the cutover, migrated to Xero with its later receipts: a plant on it would make
its difference in two systems at once. Those invoices get none, nor does an invoice a date plant would
move across the cutover: the invoice plants of that entity land on Xero's invoices.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from .billing import CENT, Billing
from .cutover import before_cutover
from .manifest import Manifest
from .model import Firm, Invoice, Line, Posting
from .picking import Picker


class InvoicePlants:
    def __init__(self, firm: Firm, picker: Picker, manifest: Manifest, billing: Billing):
        self.firm, self.picker, self.manifest, self.billing = firm, picker, manifest, billing
        self.rng, self.as_of = picker.rng, firm.as_of
        self.invoices = [
            inv for inv in firm.invoices if inv.project.customer.role == "billing" and not before_cutover(inv)
        ]

    def _open(self, min_age: int = 0):
        """Invoices posted once and untouched by cash: each plant below then makes exactly one difference."""
        return lambda inv: (
            len(inv.postings) == 1 and not inv.postings[0].receipts and (self.as_of - inv.issue_date).days >= min_age
        )

    def _open_repeatable(self):
        """Open invoices of entities whose ERP takes a number twice (QuickBooks, the ledger): Xero refuses a
        second invoice of the same number."""
        is_open = self._open()
        return lambda inv: is_open(inv) and inv.project.customer.entity.repeats_numbers

    def record(self, code: str, inv: Invoice, note: str, post: Posting | None = None, **values) -> None:
        inv.plants.add(code)
        post = post or (inv.postings[0] if inv.postings else None)
        self.manifest.finding(
            code,
            inv.project.customer.entity.code,
            psa_id=inv.harvest_id,
            erp_id=post.entity.ref("Invoice", post.qbo_id) if post else None,
            document_number=values.pop("document_number", inv.number),
            currency=inv.currency,
            note=note,
            **values,
        )

    def plant_all(self) -> None:
        for plant in (
            self.missing_in_erp,
            self.missing_in_psa,
            self.amount,
            self.currency,
            self.date,
            self.duplicate,
            self.status,
            self.payment_not_reflected,
            self.credit_not_reflected,
            self.voided,
            self.voided_then_reposted,
        ):
            plant()

    def missing_in_erp(self) -> None:
        for inv in self.picker.pick(self.invoices, where=self._open()):
            inv.postings = []
            self.record(
                "INVOICE_MISSING_IN_ERP",
                inv,
                f"Harvest invoice {inv.number} was never posted",
                expected=inv.amount,
                actual=None,
            )

    def missing_in_psa(self) -> None:
        projects = [
            p
            for p in self.firm.projects
            if p.qbo_id and p.customer.role == "billing" and p.invoices and p.customer.entity.invoices_projects
        ]
        for k, project in enumerate(self.picker.pick(projects)):
            assert project.qbo_id is not None  # picked among projects in QuickBooks
            entity = project.customer.entity
            post = Posting(
                self.billing.ids.quickbooks(entity.code, "Invoice"),
                entity,
                project.qbo_id,
                project.name,
                f"Q-{9001 + k}",
                self.as_of - timedelta(days=self.rng.randint(5, 25)),
                entity.currency,
                [
                    Line(
                        "Service",
                        "Additional advisory services",
                        Decimal(self.rng.randint(4, 20)),
                        project.members[0].rate,
                    )
                ],
                None,
            )
            self.billing.charge(post)
            self.firm.postings.append(post)
            self.manifest.finding(
                "INVOICE_MISSING_IN_PSA",
                entity.code,
                erp_id=f"{entity.code}:{post.qbo_id}",
                document_number=post.doc_number,
                currency=post.currency,
                expected=None,
                actual=post.total,
                note=f"QuickBooks invoice {post.doc_number} on project {project.name} has no Harvest invoice",
            )

    def amount(self) -> None:
        for inv in self.picker.pick(self.invoices, where=self._open()):
            post = inv.postings[0]
            first = post.lines[0]
            post.lines[0] = Line(first.kind, first.description, first.quantity + 1, first.unit_price)
            self.billing.charge(post, inv.discount)
            self.record(
                "INVOICE_AMOUNT_MISMATCH",
                inv,
                f"{post.entity.erp_system} total differs from Harvest",
                expected=inv.amount,
                actual=post.total,
            )

    def currency(self) -> None:
        for inv in self.picker.pick(self.invoices, where=self._open()):
            post = inv.postings[0]
            post.currency = self.rng.choice([e.currency for e in self.firm.entities if e.currency != inv.currency])
            self.record(
                "INVOICE_CURRENCY_MISMATCH",
                inv,
                "posted in another currency",
                expected=inv.currency,
                actual=post.currency,
            )

    def date(self) -> None:
        is_open = self._open()

        def stays(inv: Invoice) -> bool:  # up to 20 days earlier is still on the same side of any cutover
            entity = inv.project.customer.entity
            return is_open(inv) and entity.erp_on(inv.issue_date - timedelta(days=20)) == entity.erp

        for inv in self.picker.pick(self.invoices, where=stays):
            post = inv.postings[0]
            post.txn_date = inv.issue_date - timedelta(days=self.rng.randint(8, 20))
            self.record(
                "INVOICE_DATE_MISMATCH",
                inv,
                "posted with another issue date",
                expected=inv.issue_date.isoformat(),
                actual=post.txn_date.isoformat(),
            )

    def duplicate(self) -> None:
        for inv in self.picker.pick(self.invoices, where=self._open_repeatable()):
            first = inv.postings[0]
            twin = self.billing.repost(first, first.private_note)
            inv.postings.append(twin)
            self.record(
                "INVOICE_DUPLICATE",
                inv,
                f"Harvest invoice {inv.number} posted twice",
                post=twin,
                expected=inv.amount,
                actual=first.total + twin.total,
            )

    def status(self) -> None:
        def paid(inv) -> bool:
            return bool(
                len(inv.postings) == 1 and inv.due_amount == 0 and not inv.psa_credits and inv.postings[0].receipts
            )

        for inv in self.picker.pick(self.invoices, where=paid):
            inv.postings[0].receipts = []
            self.record(
                "INVOICE_STATUS_MISMATCH",
                inv,
                f"paid in Harvest, open in {inv.postings[0].entity.erp_system}",
                expected="paid",
                actual="open",
            )

    def payment_not_reflected(self) -> None:
        for inv in self.picker.pick(self.invoices, where=self._open(35)):
            post = inv.postings[0]
            self.billing.pay(post, inv.issue_date + timedelta(days=30), (post.total * Decimal("0.4")).quantize(CENT))
            self.record(
                "PAYMENT_NOT_REFLECTED",
                inv,
                f"{post.entity.erp_system} payment not in Harvest's amount due",
                expected=post.balance,
                actual=inv.due_amount,
            )

    def credit_not_reflected(self) -> None:
        for inv in self.picker.pick(self.invoices, where=self._open(25)):
            post = inv.postings[0]
            receipt = self.billing.credit(
                post, inv.issue_date + timedelta(days=20), (post.total * Decimal("0.15")).quantize(CENT)
            )
            inv.plants.add("CREDIT_MEMO_NOT_REFLECTED")
            self.manifest.finding(
                "CREDIT_MEMO_NOT_REFLECTED",
                post.entity.code,
                psa_id=inv.harvest_id,
                erp_id=post.entity.ref("CreditNote", receipt.credit_memo_id or ""),
                document_number=receipt.credit_memo_number,
                currency=inv.currency,
                expected=post.balance,
                actual=inv.due_amount,
                note=f"credit memo {receipt.credit_memo_number} on invoice {inv.number} not in Harvest's amount due",
            )

    def voided(self) -> None:
        """The invoice's only posting voided in QuickBooks: a status difference, not also an amount one."""
        for inv in self.picker.pick(self.invoices, where=self._open()):
            _void(inv.postings[0])
            self.record(
                "INVOICE_STATUS_MISMATCH",
                inv,
                f"voided in {inv.postings[0].entity.erp_system}, open in Harvest",
                expected="open",
                actual="voided",
            )

    def voided_then_reposted(self) -> None:
        """A posting voided and the invoice posted again: no finding at all."""
        for inv in self.picker.pick(self.invoices, where=self._open_repeatable()):
            first = inv.postings[0]
            inv.postings.append(self.billing.repost(first, first.private_note))
            _void(first)
            self.manifest.edge_cases.append(
                {
                    "kind": "voided_then_reposted",
                    "psa_id": str(inv.harvest_id),
                    "document_number": inv.number,
                    "note": "the first QuickBooks posting was voided and the invoice posted again: not a finding",
                }
            )


def _void(post: Posting) -> None:
    post.voided = True
    post.private_note = f"Voided - {post.private_note}"
