"""A legal entity's ERP cutover: QuickBooks until the cutover date, Xero from it.

Billing already posts each document in the ERP its date says (`Entity.erp_on`). What the cutover adds:
every QuickBooks invoice still open at the cutover date (its balance after the payments and credits dated
before it) is migrated as a Xero ACCREC opening item dated the cutover date, for the customer's contact,
`Reference` `migrated:quickbooks:<QuickBooks Id>`, `InvoiceNumber` the QuickBooks DocNumber, one line
"Opening balance" of the open amount; the receipts dated on or after the cutover move to the opening item
(Xero payments and credit notes against it), so the QuickBooks invoice keeps the balance it had at the
cutover. Harvest mirrored every receipt at settlement, so its amount due reflects them all.

The planted variant then posts one pre-cutover PSA invoice in Xero too and one post-cutover invoice in
QuickBooks too (INVOICE_POSTED_IN_BOTH_ERPS), leaves one open item unmigrated and migrates another with a
different amount (OPEN_ITEM_NOT_MIGRATED).
"""

from __future__ import annotations

from decimal import Decimal

from .billing import Billing
from .manifest import Manifest
from .model import CENT, Entity, Firm, Invoice, Line, Posting
from .picking import Picker


def cutover_entities(firm: Firm) -> list[Entity]:
    return [e for e in firm.entities if e.cutover_date is not None and e.former_erp is not None]


def before_cutover(inv: Invoice) -> bool:
    """The PSA invoice belongs in its entity's former ERP (issued before the cutover)."""
    entity = inv.project.customer.entity
    return entity.erp_on(inv.issue_date) != entity.erp


class Cutover:
    def __init__(self, firm: Firm, billing: Billing):
        self.firm, self.billing = firm, billing
        # (old posting, its opening item or None, the PSA invoice it posts or None), in QuickBooks id order
        self.migrated: list[tuple[Posting, Posting | None, Invoice | None]] = []

    def migrate(self) -> None:
        for entity in cutover_entities(self.firm):
            cutover = entity.cutover_date
            assert cutover is not None  # cutover_entities has only entities with a date
            owner = {id(post): inv for inv in self.firm.invoices for post in inv.postings}
            postings = [p for inv in self.firm.invoices for p in inv.postings] + self.firm.postings
            old = sorted(
                (p for p in postings if p.entity is entity and p.erp == entity.former_erp and not p.voided),
                key=lambda p: int(p.qbo_id),
            )
            for post in old:
                later = [r for r in post.receipts if r.day >= cutover]
                post.receipts = [r for r in post.receipts if r.day < cutover]
                if post.balance <= 0:
                    assert not later  # nothing is received on a settled invoice
                    continue
                item = Posting(
                    self.billing.ids.quickbooks(entity.code, "Invoice"),
                    entity,
                    post.customer_qbo_id,
                    post.customer_name,
                    post.doc_number,
                    cutover,
                    post.currency,
                    [Line("Service", "Opening balance", Decimal("1"), post.balance)],
                    f"migrated:{entity.former_erp}:{post.qbo_id}",
                    receipts=later,
                    erp=entity.erp,
                )
                self.firm.postings.append(item)
                self.migrated.append((post, item, owner.get(id(post))))


class CutoverPlants:
    """The planted variant's cutover findings, in the entity that moved (none in a clean firm)."""

    def __init__(self, firm: Firm, picker: Picker, manifest: Manifest, billing: Billing, cutover: Cutover):
        self.firm, self.picker, self.manifest, self.billing, self.cutover = firm, picker, manifest, billing, cutover
        self.rng = picker.rng

    def plant_all(self) -> None:
        for entity in cutover_entities(self.firm):
            self.posted_in_both(entity)
            self.not_migrated(entity)

    def _single(self, entity: Entity, before: bool):
        """Unplanted PSA invoices of the entity posted once (not voided) on the given side of the cutover."""
        migrated = {id(old) for old, _, _ in self.cutover.migrated}

        def fits(inv: Invoice) -> bool:
            return (
                inv.project.customer.entity is entity
                and inv.project.customer.role == "billing"
                and not inv.plants
                and len(inv.postings) == 1
                and not inv.postings[0].voided
                and before_cutover(inv) == before
                and id(inv.postings[0]) not in migrated  # an opening item already holds its number in Xero
            )

        return fits

    def posted_in_both(self, entity: Entity) -> None:
        for before in (True, False):
            for inv in self.picker.pick(self.firm.invoices, 1, where=self._single(entity, before)):
                post = inv.postings[0]
                erp = entity.erp if before else (entity.former_erp or "")
                twin = self.billing.repost(post, f"harvest_invoice:{inv.harvest_id}", erp=erp)
                inv.postings.append(twin)
                inv.plants.add("INVOICE_POSTED_IN_BOTH_ERPS")
                self.manifest.finding(
                    "INVOICE_POSTED_IN_BOTH_ERPS",
                    entity.code,
                    psa_id=inv.harvest_id,
                    erp_id=twin.ref,
                    document_number=inv.number,
                    note=f"Harvest invoice {inv.number} issued {inv.issue_date} "
                    f"{'before' if before else 'on or after'} the cutover on {entity.cutover_date} is posted in "
                    f"{'QuickBooks' if before else 'Xero'} and again in {'Xero' if before else 'QuickBooks'}",
                )

    def not_migrated(self, entity: Entity) -> None:
        candidates = [
            (old, item, inv)
            for old, item, inv in self.cutover.migrated
            if old.entity is entity and item is not None and inv is not None and not inv.plants
        ]
        # an opening item nothing was received on yet, so the plant is the only difference it makes
        quiet = [(old, item, inv) for old, item, inv in candidates if item is not None and not item.receipts]
        chosen = self.picker.pick(quiet, 2, where=lambda m: id(m[2]) not in self.picker.used)
        chosen += self.picker.pick(candidates, 2 - len(chosen), where=lambda m: id(m[2]) not in self.picker.used)
        for k, (old, item, inv) in enumerate(chosen):
            assert item is not None and inv is not None  # candidates have both
            self.picker.used.add(id(inv))
            inv.plants.add("OPEN_ITEM_NOT_MIGRATED")
            expected = item.total
            if k == 0:
                self.firm.postings.remove(item)
                if item.receipts:  # received after the cutover on an item Xero never had: Harvest did not see it
                    self.billing.mirror(inv)
                actual = None
                note = f"QuickBooks invoice {old.doc_number} open at the cutover on {entity.cutover_date} has no opening item in Xero"
            else:
                factor = Decimal(self.rng.choice(["0.9", "1.1"])) if not item.receipts else Decimal("1.1")
                actual = (expected * factor).quantize(CENT)
                item.lines = [Line("Service", "Opening balance", Decimal("1"), actual)]
                note = f"QuickBooks invoice {old.doc_number} open at the cutover for {expected} migrated to Xero as {actual}"
            self.manifest.finding(
                "OPEN_ITEM_NOT_MIGRATED",
                entity.code,
                psa_id=inv.harvest_id,
                erp_id=old.ref,
                document_number=old.doc_number,
                currency=old.currency,
                expected=expected,
                actual=actual,
                note=note,
            )
