"""The on-premises ledger (docs/ledger.md): its database, read and written through SQLAlchemy Core with
bound parameters (resources/ledger_tables.py). A drop folder of exported files is the ledger's too, but
read-only: with no database URL (`url` '') there is nothing to read live or write, so no correction of
the ledger's records is proposed.

A write UPDATEs one row's field by its key and entity, and moves its `modified_at` to now (UTC) so the
next incremental night reads the change; one transaction per record. Setting a field to a value twice
changes nothing but the stamp. Only customer names and parents are written (the CRM owns both:
`name_to_erp`, `parent_to_erp`); anything else is refused. The database keeps no foreign keys, so a parent
is checked as QuickBooks checks a ParentRef, in the UPDATE's transaction: it must be another active customer
of the entity and must not have the customer above it. The database URL's password never reaches a log: the sync log names the
database masked (resources/ledger.masked) with the table and key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Integer, case, create_engine, func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from corrections.outbox import Correction
from corrections.writers import MISSING, Outcome, SyncLog, as_text, failed, grouped
from resources.http import SourceSystemError
from resources.ledger import masked
from resources.ledger_tables import (
    COMPANIES,
    CREDIT_MEMOS,
    CUSTOMERS,
    INVOICES,
    PAYMENT_APPLICATIONS,
    PAYMENTS,
    TABLES,
    normal,
)

SYSTEM = "ledger"
BATCH_SIZE = 50  # records a drain claims at a time; each is its own transaction
# the only fields tieout writes in the ledger: a customer's name and its parent (the CRM owns both)
WRITABLE = {(CUSTOMERS.name, "name"), (CUSTOMERS.name, "parent_customer_id")}
BY_NAME = {table.name: table for table in TABLES.values()}
NUMBERED = 10  # a Harvest invoice posts as `<number>` or `<number>-<k>`, k < 10 (as in QuickBooks and Xero)


def _key(table_name: str):
    """The single key column of a ledger table with an entity (None for the others)."""
    table = BY_NAME.get(table_name)
    if table is None or "entity_code" not in table.c or len(table.primary_key.columns) != 1:
        return None
    return next(iter(table.primary_key.columns))


def _id(record_id: str | int | None) -> int | None:
    text = str(record_id or "")
    return int(text) if text.isdigit() else None


def _malformed(table_name: str, record_id: str, correction: Correction) -> str | None:
    """Why a correction cannot be sent as it is: its row's key or an id it sets is not a number."""
    table, key = BY_NAME[table_name], _key(table_name)
    value = correction.value_after
    if key is None or _id(record_id) is None:
        return f"{table_name}: not a {key.name if key is not None else 'key'}: {record_id!r}"
    if value is not None and isinstance(table.c[correction.field].type, Integer) and _id(value) is None:
        return f"{table_name}: not a {correction.field}: {value!r}"
    return None


def _parent_refusal(db: Connection, entity: str, customer_id: int | None, parent_id: int) -> str | None:
    """Why `parent_id` may not become the customer's parent (None when it may): it is the customer, is not an
    active customer of the entity, or has the customer above it (a loop). The chain above it is walked as
    the database holds it now; a break or loop further up is the ledger's own (HIERARCHY_ORPHAN, parent_cycle)."""
    if parent_id == customer_id:
        return f"refused: customer {customer_id} cannot be its own parent"
    parent = (
        db.execute(
            select(CUSTOMERS.c.is_active, CUSTOMERS.c.parent_customer_id).where(
                CUSTOMERS.c.customer_id == parent_id, CUSTOMERS.c.entity_code == entity
            )
        )
        .mappings()
        .first()
    )
    if parent is None or normal("bool", parent["is_active"]) is not True:
        state = "no customer" if parent is None else "an inactive customer"
        return f"refused: parent {parent_id} is {state} of {entity} in the ledger"
    seen, above = {parent_id}, parent["parent_customer_id"]
    while above is not None and above not in seen:
        if above == customer_id:
            return f"refused: customer {customer_id} is above {parent_id} in the ledger: the parent would loop"
        seen.add(above)
        above = db.execute(
            select(CUSTOMERS.c.parent_customer_id).where(
                CUSTOMERS.c.customer_id == above, CUSTOMERS.c.entity_code == entity
            )
        ).scalar_one_or_none()
    return None


def _as_text(value) -> str | None:
    """A row's value as the outbox holds it: the ledger's integers are ids (a parent_customer_id), not money."""
    return as_text(str(value) if type(value) is int else value)


class LedgerTarget:
    system = SYSTEM

    def __init__(self, url: str, batch_size: int = BATCH_SIZE):
        self.url = url  # '' when there is no writable ledger (a drop folder, or none)
        self.batch_size = batch_size
        self._engine: Engine | None = None

    def __repr__(self) -> str:  # never the URL's password
        return f"LedgerTarget({masked(self.url) if self.url else 'no database'!r})"

    @property
    def writable(self) -> bool:
        return bool(self.url)

    # -- reading -------------------------------------------------------------------------------------

    @contextmanager
    def _connection(self, object_name: str, write: bool = False) -> Iterator[Connection]:
        """A connection (a transaction when writing); a database that fails raises SourceSystemError
        with the URL masked."""
        if not self.url:
            raise SourceSystemError(
                self.system, object_name, None, None, "no ledger database (a drop folder is read-only)"
            )
        try:
            if self._engine is None:
                self._engine = create_engine(self.url)
            with self._engine.begin() if write else self._engine.connect() as connection:
                yield connection
        except (SQLAlchemyError, ArgumentError, ImportError) as error:
            reason = str(getattr(error, "orig", None) or error).split("\n[SQL:")[0].split("\n(Background")[0]
            raise SourceSystemError(
                self.system, object_name, None, None, f"{masked(self.url)}: {type(error).__name__}: {reason.strip()}"
            ) from None

    def entities(self) -> list[str]:
        """The legal entities whose books are in the database (ledger_companies); none without one."""
        if not self.url:
            return []
        with self._connection(COMPANIES.name) as db:
            return sorted(str(code) for (code,) in db.execute(select(COMPANIES.c.entity_code)))

    def customer(self, entity: str, customer_id: str) -> dict | None:
        """The customer row by (entity, id); None when there is none, or no database to read."""
        number = _id(customer_id)
        if not self.url or number is None:
            return None
        with self._connection(CUSTOMERS.name) as db:
            row = (
                db.execute(
                    select(CUSTOMERS).where(CUSTOMERS.c.customer_id == number, CUSTOMERS.c.entity_code == entity)
                )
                .mappings()
                .first()
            )
        return None if row is None else dict(row)

    def open_ar(self, entity: str, customer_id: str) -> Decimal | None:
        """The customer's open receivable as the canonical layer computes it (sql/canonical/erp_records.sql,
        erp_customer_records): its posted invoices' amount_due (a void counts zero, drafts are not
        posted) less its credit memos' remaining credit. None when the customer is not there."""
        if self.customer(entity, customer_id) is None:
            return None
        number = _id(customer_id)
        due = func.coalesce(
            func.sum(case((INVOICES.c.status == "voided", Decimal("0")), else_=INVOICES.c.amount_due)), Decimal("0")
        )
        credit = func.coalesce(func.sum(CREDIT_MEMOS.c.remaining), Decimal("0"))
        with self._connection(INVOICES.name) as db:
            owed = db.execute(
                select(due).where(
                    INVOICES.c.entity_code == entity,
                    INVOICES.c.customer_id == number,
                    INVOICES.c.status != "draft",
                )
            ).scalar_one()
            credited = db.execute(
                select(credit).where(CREDIT_MEMOS.c.entity_code == entity, CREDIT_MEMOS.c.customer_id == number)
            ).scalar_one()
        return (Decimal(str(owed)) - Decimal(str(credited))).quantize(Decimal("0.01"))

    def postings(self, entity: str, number: str, psa_invoice_id: int) -> list[dict]:
        """The invoices posting a Harvest invoice: invoice_number `<number>` or `<number>-<k>`, reference
        `harvest_invoice:<id>` (drafts included: a rule decides what they mean)."""
        if not self.url:
            return []
        numbers = [number, *(f"{number}-{k}" for k in range(1, NUMBERED))]
        tag = re.compile(rf"\bharvest_invoice:{int(psa_invoice_id)}\b")
        with self._connection(INVOICES.name) as db:
            rows = db.execute(
                select(INVOICES)
                .where(INVOICES.c.entity_code == entity, INVOICES.c.invoice_number.in_(numbers))
                .order_by(INVOICES.c.invoice_id)
            ).mappings()
            return [dict(r) for r in rows if tag.search(r["reference"] or "")]

    def applications(self, invoice_ids: list[int]) -> list[dict]:
        """What settles the invoices, one row per application, with its payment's date (None for a
        credit memo's application, which has no payment)."""
        if not self.url or not invoice_ids:
            return []
        a, p = PAYMENT_APPLICATIONS, PAYMENTS
        with self._connection(a.name) as db:
            rows = db.execute(
                select(a, p.c.payment_date)
                .select_from(a.outerjoin(p, p.c.payment_id == a.c.payment_id))
                .where(a.c.invoice_id.in_(invoice_ids))
                .order_by(a.c.application_id)
            ).mappings()
            return [dict(r) for r in rows]

    def credit_memo_number(self, entity: str, credit_memo_id: str) -> str | None:
        number = _id(credit_memo_id)
        if not self.url or number is None:
            return None
        with self._connection(CREDIT_MEMOS.name) as db:
            return db.execute(
                select(CREDIT_MEMOS.c.credit_number).where(
                    CREDIT_MEMOS.c.credit_memo_id == number, CREDIT_MEMOS.c.entity_code == entity
                )
            ).scalar_one_or_none()

    # -- the writeback -------------------------------------------------------------------------------

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        """Each correction's field as the row holds it now (MISSING when the row is gone or the table or
        field is not the ledger's)."""
        values: dict[str, str | None] = {}
        for (table_name, entity), group in grouped(corrections, lambda c: (c.target_object, c.legal_entity)).items():
            key = _key(table_name)
            table = BY_NAME.get(table_name)
            fields = {c.field for c in group}
            if key is None or table is None or not fields <= set(table.c.keys()):
                values.update(dict.fromkeys((c.correction_id for c in group), MISSING))
                continue
            ids = sorted({n for c in group if (n := _id(c.record_id)) is not None})
            with self._connection(table_name) as db:
                rows = {
                    str(r[key.name]): r
                    for r in db.execute(select(table).where(key.in_(ids), table.c.entity_code == entity)).mappings()
                }
            for c in group:
                row = rows.get(str(_id(c.record_id)))
                values[c.correction_id] = MISSING if row is None else _as_text(row[c.field])
        return values

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        outcomes: list[Outcome] = []
        records = grouped(corrections, lambda c: (c.target_object, c.legal_entity, c.record_id))
        for (table_name, entity, record_id), group in records.items():
            refused = [c for c in group if (table_name, c.field) not in WRITABLE]
            outcomes += [
                Outcome(
                    c.correction_id,
                    False,
                    f"refused: tieout writes only {', '.join(f'{t}.{f}' for t, f in sorted(WRITABLE))} in the ledger, "
                    f"not {table_name}.{c.field}",
                )
                for c in refused
            ]
            sent = []
            for c in group:
                if c in refused:
                    continue
                if error := _malformed(table_name, record_id, c):  # no use sending it, now or later
                    log.add([c], self.system, "UPDATE", self._where(table_name, record_id), {}, None, None, error)
                    outcomes.append(Outcome(c.correction_id, False, error))
                else:
                    sent.append(c)
            if sent:
                outcomes += self._update(table_name, entity, record_id, sent, log)
        return outcomes

    def _where(self, table_name: str, record_id: str) -> str:
        """The row as the sync log names it: the database masked, the table and the key."""
        key = _key(table_name)
        where = f"{table_name}.{key.name if key is not None else 'id'}={record_id}"
        return f"{masked(self.url) if self.url else 'no ledger database'}#{where}"

    def _update(
        self, table_name: str, entity: str, record_id: str, group: list[Correction], log: SyncLog
    ) -> list[Outcome]:
        """One UPDATE of the record's fields (and modified_at) in its own transaction, a new parent checked in it."""
        table, key = BY_NAME[table_name], _key(table_name)
        assert key is not None  # a writable table has one
        values = {c.field: c.value_after for c in group}
        typed = {f: _id(v) if v is not None and isinstance(table.c[f].type, Integer) else v for f, v in values.items()}
        number, url = _id(record_id), self._where(table_name, record_id)
        refusal = None
        try:
            with self._connection(table_name, write=True) as db:
                if isinstance(parent := typed.get("parent_customer_id"), int):
                    refusal = _parent_refusal(db, entity, number, parent)
                if refusal is None:
                    result = db.execute(
                        update(table)
                        .where(key == number, table.c.entity_code == entity)
                        .values(**typed, modified_at=datetime.now(UTC))
                    )
                    changed = result.rowcount
        except SourceSystemError as exc:
            log.add(group, self.system, "UPDATE", url, values, None, None, str(exc))
            return failed(group, exc)
        if refusal is not None:
            log.add(group, self.system, "UPDATE", url, values, None, None, refusal)
            return [Outcome(c.correction_id, False, refusal) for c in group]
        if changed != 1:
            error = f"{table_name} {key.name}={record_id} of {entity} is not in the ledger any more: nothing written"
            log.add(group, self.system, "UPDATE", url, values, None, {"rowcount": changed}, error)
            return [Outcome(c.correction_id, False, error) for c in group]
        log.add(group, self.system, "UPDATE", url, values, None, {"rowcount": changed})
        return [Outcome(c.correction_id, True) for c in group]
