"""Settlement of the firm's invoices: postings to QuickBooks, customer payments and credit memos.

The clean firm's PSA mirrors the ERP exactly (payments and applied credits reduce Harvest's amount due);
invoice plants then make the two sides disagree on purpose. UK and DE invoices carry VAT (their entity's
rate) and some invoices a discount, in both systems, so every comparison meets totals with tax.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from .clock import months_between
from .ids import Ids
from .model import CENT, Customer, Firm, Invoice, Line, Posting, PsaPayment, Receipt, charges

DISCOUNT_SHARE = 0.08  # of invoices carry a discount: a percentage off the lines, before VAT


class Billing:
    def __init__(self, firm: Firm, ids: Ids, seed: int):
        self.firm, self.ids, self.seed, self.as_of = firm, ids, seed, firm.as_of
        self._credit_numbers = {e.code: iter(range(5001, 10**6)) for e in firm.entities}
        self._direct_numbers = {e.code: iter(range(2001, 10**6)) for e in firm.entities}

    def post(self, invoice: Invoice) -> None:
        """Post a Harvest invoice to QuickBooks, split in two for a few multi-line invoices."""
        project, rng = invoice.project, self._rng("post", invoice.harvest_id)
        customer = project.customer
        # invoiced projects are in QuickBooks: plan_invoices skips onboarding customers, the only ones
        # whose projects a plant (CUSTOMER_MISSING_IN_ERP) keeps out of it
        assert project.qbo_id is not None
        groups = [invoice.lines]
        if len(invoice.lines) >= 2 and rng.random() < 0.04:
            groups = [invoice.lines[:1], invoice.lines[1:]]
        discount = self._rng("discount", invoice.harvest_id)
        if discount.random() < DISCOUNT_SHARE:
            invoice.discount = Decimal(discount.choice([5, 10]))
        parts = [
            Posting(
                self.ids.quickbooks(customer.entity.code, "Invoice"),
                customer.entity,
                project.qbo_id,
                project.name,
                invoice.number if len(groups) == 1 else f"{invoice.number}-{k}",
                invoice.issue_date,
                invoice.currency,
                [_copy(line) for line in group],
                f"harvest_invoice:{invoice.harvest_id}",
            )
            for k, group in enumerate(groups, start=1)
        ]
        _apportion(invoice, parts)
        invoice.postings.extend(parts)

    @staticmethod
    def charge(post: Posting, discount: Decimal = Decimal("0")) -> None:
        """QuickBooks' discount and VAT on a posting's own lines, at its entity's rate."""
        post.discount, post.tax = charges(post.subtotal, post.entity.vat, discount)

    def settle(self, invoice: Invoice) -> None:
        """Most invoices are paid 30-75 days after issue; some get a credit memo first, a few stay overdue."""
        rng = self._rng("settle", invoice.harvest_id)
        delay, credit, overdue = rng.randint(30, 75), rng.random() < 0.06, rng.random() < 0.06
        for post in invoice.postings:
            if credit and invoice.issue_date + timedelta(days=20) <= self.as_of:
                self.credit(post, invoice.issue_date + timedelta(days=20), (post.total * Decimal("0.1")).quantize(CENT))
            paid_on = invoice.issue_date + timedelta(days=delay)
            if not overdue and paid_on <= self.as_of and post.balance > 0:
                self.pay(post, paid_on, post.balance)
        self.mirror(invoice)

    def repost(self, post: Posting, private_note: str | None, erp: str = "") -> Posting:
        """The same invoice posted again under a new ERP id (in `erp`; by default where its date puts it)."""
        return Posting(
            self.ids.quickbooks(post.entity.code, "Invoice"),
            post.entity,
            post.customer_qbo_id,
            post.customer_name,
            post.doc_number,
            post.txn_date,
            post.currency,
            [Line(x.kind, x.description, x.quantity, x.unit_price) for x in post.lines],
            private_note,
            discount=post.discount,
            tax=post.tax,
            erp=erp,
        )

    def pay(self, post: Posting, day: date, amount: Decimal) -> Receipt:
        receipt = Receipt("cash", day, amount, self.ids.quickbooks(post.entity.code, "Payment"))
        post.receipts.append(receipt)
        return receipt

    def credit(self, post: Posting, day: date, amount: Decimal) -> Receipt:
        code = post.entity.code
        receipt = Receipt(
            "credit",
            day,
            amount,
            self.ids.quickbooks(code, "Payment"),
            self.ids.quickbooks(code, "CreditMemo"),
            f"CM-{next(self._credit_numbers[code])}",
        )
        post.receipts.append(receipt)
        return receipt

    def mirror(self, invoice: Invoice) -> None:
        """What Harvest records: every cash payment, and the credits applied."""
        receipts = sorted((r for post in invoice.postings for r in post.receipts), key=lambda r: r.payment_id)
        invoice.psa_payments = [
            PsaPayment(self.ids.harvest("invoice_payments"), r.day, r.amount, _payment_note(invoice, r))
            for r in receipts
            if r.kind == "cash"
        ]
        invoice.psa_credits = sum((r.amount for r in receipts if r.kind == "credit"), Decimal("0"))

    def direct_invoices(self, customer: Customer) -> None:
        """Monthly managed-support invoices raised straight in QuickBooks, outside Harvest."""
        assert customer.qbo_id is not None  # called for QuickBooks customers only
        rng = self._rng("direct", customer.qbo_id, customer.entity.code)
        fee = Decimal(rng.randrange(15, 80) * 100)
        for month in months_between(self.as_of - timedelta(days=540), self.as_of):
            post = Posting(
                self.ids.quickbooks(customer.entity.code, "Invoice"),
                customer.entity,
                customer.qbo_id,
                customer.erp_name,
                f"S-{next(self._direct_numbers[customer.entity.code])}",
                month,
                customer.entity.currency,
                [Line("Service", f"Managed support {month:%B %Y}", Decimal("1"), fee)],
                None,
            )
            self.charge(post)
            paid_on = month + timedelta(days=rng.randint(20, 40))
            if paid_on <= self.as_of:
                self.pay(post, paid_on, post.total)
            self.firm.postings.append(post)

    def draft_support(self, customer: Customer) -> Posting | None:
        """Next month's support invoice of a direct customer, prepared in its ERP on the firm's last day and
        not posted yet (a draft: nothing counts), from the customer's last one; None when it has none."""
        last = max(
            (p for p in self.firm.postings if p.entity is customer.entity and p.customer_qbo_id == customer.qbo_id),
            key=lambda p: p.txn_date,
            default=None,
        )
        if last is None or last.voided:
            return None
        month = months_between(last.txn_date, last.txn_date + timedelta(days=31))[-1]
        post = Posting(
            self.ids.quickbooks(customer.entity.code, "Invoice"),
            customer.entity,
            last.customer_qbo_id,
            last.customer_name,
            f"S-{next(self._direct_numbers[customer.entity.code])}",
            self.as_of,
            last.currency,
            [Line(x.kind, f"Managed support {month:%B %Y}", x.quantity, x.unit_price) for x in last.lines],
            None,
            draft=True,
        )
        self.charge(post)
        self.firm.postings.append(post)
        return post

    def _rng(self, *key) -> random.Random:
        return random.Random(":".join(map(str, (self.seed, *key))))


def _apportion(invoice: Invoice, parts: list[Posting]) -> None:
    """Each part of a split invoice carries its share of the discount and VAT and the last part the rest, so
    the parts add up to the Harvest invoice to the cent."""
    discount, tax = whole = invoice.discount_amount, invoice.tax_amount
    for post in parts[:-1]:
        post.discount, post.tax = ((amount * post.subtotal / invoice.subtotal).quantize(CENT) for amount in whole)
        discount, tax = discount - post.discount, tax - post.tax
    parts[-1].discount, parts[-1].tax = discount, tax


def _payment_note(invoice: Invoice, r: Receipt) -> str:
    entity = invoice.project.customer.entity
    if entity.erp_on(r.day) != entity.erp:  # received before its entity's cutover: in the former ERP
        return f"QuickBooks payment {r.payment_id}"
    return f"{entity.erp_system} payment {entity.erp_id('Payment', r.payment_id)}"


def _copy(line: Line) -> Line:
    return Line(line.kind, line.description, line.quantity, line.unit_price)
