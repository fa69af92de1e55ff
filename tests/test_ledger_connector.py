"""The on-premises ledger's connector (resources/ledger.py) against real databases (SQLite, the machine's
MariaDB and PostgreSQL, each in a schema or database of its own made for the run) and against exported
files: a full sweep, an incremental night that reads only the rows changed since the watermark, the same
records from CSV/XLSX files, a file loaded once, a malformed one quarantined, a bad row quarantined by
the contract, and the URL's password kept out of every log and error."""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import materialize
from sqlalchemy import create_engine, make_url, text, update

from assets.extraction import extraction_assets
from assets.validation import validation_assets
from resources.http import SourceSystemError
from resources.ledger import LedgerResource
from resources.ledger_tables import INVOICES, TABLES, metadata
from resources.sandbox import SandboxResource
from resources.warehouse import WarehouseResource
from tests.conftest import MARIADB
from tests.ledger_data import T1, expected, export, got, insert_rows, invoice, ledger_rows, line, write_csv
from tests.validation.night import quarantined

# the servers the tests make their own database (MariaDB) or schema (PostgreSQL) in; .ci/run starts both
SINCE = (T1 - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")  # the watermark less the overlap


def connector(url: str = "", drop_dir: str = "", warehouse: str = "") -> LedgerResource:
    return LedgerResource(url=url, drop_dir=drop_dir, warehouse_database=warehouse, sandbox=SandboxResource())


def fill(url: str, rows: dict) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        insert_rows(connection, rows)
    engine.dispose()


def change(url: str) -> tuple[dict, dict]:
    """At T1, invoice 10 gets a payment's worth less due and a third line: the changes a night reads."""
    engine = create_engine(url)
    added = line(10, 3, "0.5", "60.00", modified_at=T1)
    with engine.begin() as connection:
        connection.execute(update(INVOICES).where(INVOICES.c.invoice_id == 10).values(amount_due=500, modified_at=T1))
        insert_rows(connection, {"invoice_lines": [added]})
    engine.dispose()
    return added, {"amount_due": 500, "modified_at": T1}


def test_a_full_sweep_then_an_incremental_night_read_exactly_the_rows(ledger_url, monkeypatch):
    rows = ledger_rows()
    fill(ledger_url, rows)
    ledger = connector(ledger_url)
    monkeypatch.setattr("resources.ledger.CHUNK", 2)  # the cursor hands rows over two at a time
    assert ledger.extract("invoice_lines", None).stats.pages == -(-len(rows["invoice_lines"]) // 2)

    for object_name in TABLES:
        extraction = ledger.extract(object_name, None)
        assert got(extraction) == expected(object_name, rows), object_name
        assert extraction.mode == "full" and extraction.entities == ["DE", "UK"]
        assert set(extraction.companies) == {"DE", "UK"}

    added, changed = change(ledger_url)
    rows["invoices"][0] |= changed
    later = {o: ledger.extract(o, SINCE) for o in TABLES}
    assert got(later["invoices"]) == expected("invoices", rows, only=[rows["invoices"][0]])
    assert got(later["invoice_lines"]) == expected("invoice_lines", rows, only=[added])
    assert all(not later[o].records for o in TABLES if o not in ("invoices", "invoice_lines"))
    assert later["invoices"].mode == "incremental" and later["invoices"].entities == []


def test_the_same_ledger_exported_as_csv_and_xlsx_files_gives_the_same_records(tmp_path):
    rows = ledger_rows()
    folder = tmp_path / "drop"
    export(folder, rows)
    ledger = connector(drop_dir=str(folder))
    for object_name in TABLES:
        extraction = ledger.extract(object_name, None)
        assert got(extraction) == expected(object_name, rows), object_name
        assert set(extraction.companies) == {"DE", "UK"}
        assert [(f.name, f.status, f.rows) for f in extraction.files] == [
            (path.name, "loaded", len(rows[object_name])) for path in folder.glob(f"{TABLES[object_name].name}.*")
        ]


def test_the_newest_row_of_a_key_wins_across_files(tmp_path):
    rows = ledger_rows()
    folder = tmp_path / "drop"
    export(folder, rows)
    newer = invoice(10, "DE", 2, "1000.00", "50.00", "180.50", "500.00", modified_at=T1)
    write_csv(folder / "ledger_invoices-2026-11-15.csv", "invoices", [newer])
    older = invoice(11, "UK", 3, "200.00", "0.00", "40.00", "240.00", modified_at=T1 - timedelta(days=30))
    write_csv(folder / "ledger_invoices-2026-10-01.csv", "invoices", [older])

    extraction = connector(drop_dir=str(folder)).extract("invoices", None)

    assert got(extraction) == expected("invoices", rows, only=[newer, rows["invoices"][1]])


def ledger_night(folder: Path, warehouse: Path, night: str):
    assets = [a for a in [*extraction_assets, *validation_assets] if a.key.path[1:2] == ["ledger"]]
    assert len(assets) == 2 * len(TABLES)
    return materialize(
        assets,
        partition_key=night,
        resources={
            "warehouse": WarehouseResource(database=str(warehouse)),
            "ledger": connector(drop_dir=str(folder), warehouse=str(warehouse)),
        },
        raise_on_error=False,
    )


def files_of(warehouse: Path, night: str) -> set[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return set(
            db.execute(
                'SELECT name, "table", object, rows, status, reason FROM raw.ledger_files WHERE snapshot_date = ?',
                [date.fromisoformat(night)],
            ).fetchall()
        )


def payloads(warehouse: Path, object_name: str, night: str) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        found = db.execute(
            f"SELECT record_id, payload FROM raw.ledger__{object_name} WHERE snapshot_date = ?",
            [date.fromisoformat(night)],
        ).fetchall()
    return {record_id: json.loads(payload) for record_id, payload in found}


def test_a_file_is_loaded_once_a_malformed_one_is_quarantined_and_bad_rows_by_the_contract(tmp_path, monkeypatch):
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    rows = ledger_rows()
    # a row of each kind the contracts refuse: totals that do not add up, an application of both a payment
    # and a credit memo, a customer hierarchy that loops
    rows["invoices"].append(invoice(12, "DE", 1, "100.00", "0.00", "19.00", "0.00", total=120))
    rows["payment_applications"].append({**rows["payment_applications"][0], "application_id": 32, "credit_memo_id": 40})
    rows["customers"][0]["parent_customer_id"] = 2  # 1 -> 2 -> 1
    folder, warehouse = tmp_path / "drop", tmp_path / "warehouse.duckdb"
    written = export(folder, rows)

    assert ledger_night(folder, warehouse, "2026-11-20").success
    assert files_of(warehouse, "2026-11-20") == {
        (p.name, p.name.split(".")[0], o, len(rows[o]), "loaded", None) for p, o in zip(written, TABLES, strict=True)
    }
    assert quarantined(warehouse, "2026-11-20") == Counter(
        {
            ("ledger", "DE", "invoices", "12", "invoice_lines_do_not_sum", "total"): 1,
            ("ledger", "UK", "payment_applications", "32", "application_source_not_one", "payment_id"): 1,
            # and its credit memo is DE's, not of its invoice's entity
            ("ledger", "UK", "payment_applications", "32", "reference_unresolved", "credit_memo_id"): 1,
            ("ledger", "DE", "customers", "1", "parent_cycle", "parent_customer_id"): 1,
            ("ledger", "DE", "customers", "2", "parent_cycle", "parent_customer_id"): 1,
        }
    )

    # the next night: the same invoices file again under another name (skipped: its checksum was loaded),
    # a new one with a change, one whose header is not the table's, one not CSV, one of no table
    invoices_file = next(p for p in written if p.name.startswith("ledger_invoices."))
    shutil.copy(invoices_file, folder / "ledger_invoices-again.xlsx")
    newer = invoice(10, "DE", 2, "1000.00", "50.00", "180.50", "500.00", modified_at=T1)
    write_csv(folder / "ledger_invoices-2026-11-21.csv", "invoices", [newer])
    (folder / "ledger_payments-broken.csv").write_text("payment_id,amount\n21,10.00\n")
    (folder / "ledger_credit_memos-latin1.csv").write_bytes(
        "credit_memo_id,credit_number\n41,Gr\xfc\xdfe\n".encode("latin-1")
    )
    (folder / "notes.txt").write_text("exported by hand")
    (folder / "ledger_budgets.csv").write_text("a,b\n1,2\n")

    assert ledger_night(folder, warehouse, "2026-11-21").success
    header = "the header is not ledger_payments's columns; missing {}"
    missing = sorted(set(c.name for c in TABLES["payments"].columns) - {"payment_id", "amount"})
    assert files_of(warehouse, "2026-11-21") == {
        ("ledger_invoices-2026-11-21.csv", "ledger_invoices", "invoices", 1, "loaded", None),
        (
            "ledger_payments-broken.csv",
            "ledger_payments",
            "payments",
            0,
            "quarantined",
            header.format(", ".join(missing)),
        ),
        (
            "ledger_credit_memos-latin1.csv",
            "ledger_credit_memos",
            "credit_memos",
            0,
            "quarantined",
            "not UTF-8 text (a byte 0xfc where UTF-8 has none)",
        ),
        ("notes.txt", "notes", "companies", 0, "quarantined", "not a CSV or XLSX file (.txt)"),
        (
            "ledger_budgets.csv",
            "ledger_budgets",
            "companies",
            0,
            "quarantined",
            "no ledger table is named 'ledger_budgets' (the name starts with the table, e.g. ledger_invoices-...)",
        ),
    }
    night = payloads(warehouse, "invoices", "2026-11-21")
    assert (
        night["10"]["amount_due"] == float(newer["amount_due"]) and night["10"]["modified_at"] == "2026-11-15T12:30:00Z"
    )
    assert set(night) == {"10", "11", "12"}  # the others carried from the night before
    assert set(payloads(warehouse, "payments", "2026-11-21")) == {"20"}  # the broken file's row is not loaded


def test_the_password_never_reaches_a_log_an_error_or_the_resources_repr(caplog):
    caplog.set_level(logging.DEBUG)
    name, password = f"ledger_{uuid.uuid4().hex[:12]}", f"Pw-{uuid.uuid4().hex}"
    admin = create_engine(MARIADB)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
        connection.execute(text(f"CREATE USER '{name}'@'%' IDENTIFIED BY :pw"), {"pw": password})
        connection.execute(text(f"GRANT ALL ON {name}.* TO '{name}'@'%'"))
    server = make_url(MARIADB)
    url = f"mysql+pymysql://{name}:{password}@{server.host}:{server.port or 3306}/{name}"
    try:
        empty = connector(url)
        with pytest.raises(SourceSystemError) as no_tables:  # connected, but no ledger schema yet
            empty.extract("invoices", None)
        metadata.create_all(create_engine(url))
        fill(url, ledger_rows())
        assert len(empty.extract("invoices", None).records) == 2
        wrong = url.replace(password, password[::-1])
        with pytest.raises(SourceSystemError) as refused:
            connector(wrong).extract("customers", None)
        messages = [str(no_tables.value), str(refused.value), repr(empty), caplog.text]
        assert "***" in str(refused.value) and "Access denied" in str(refused.value)
        assert all(password not in m and password[::-1] not in m for m in messages)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP USER '{name}'@'%'"))
            connection.execute(text(f"DROP DATABASE {name}"))
        admin.dispose()


def test_an_entity_in_a_cutover_has_its_ledger_company_marked(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    metadata.create_all(create_engine(url))
    fill(url, ledger_rows())
    cutovers = json.dumps({"DE": {"from": "quickbooks", "to": "ledger", "on": "2026-10-01"}})
    extraction = LedgerResource(url=url, cutovers=cutovers, sandbox=SandboxResource()).extract("customers", None)
    assert extraction.cutovers == {"DE": ("current", date(2026, 10, 1))}
    assert extraction.companies == {"DE": "ledger.db", "UK": "ledger.db"}


def test_a_deployment_with_no_ledger_reads_nothing_and_starts_no_sandbox():
    ledger = LedgerResource(sandboxed=False, sandbox=SandboxResource(embedded_sources="no.such:module"))
    extraction = ledger.extract("invoices", None)
    assert list(extraction.records) == [] and extraction.companies == {}
