"""The on-premises ledger ("ledger", an ERP beside QuickBooks and Xero): its tables read from a relational
database through SQLAlchemy (SQLite, MariaDB/MySQL, PostgreSQL), or from files exported into a drop
folder (resources/ledger_files.py). The tables, their columns and the files' conventions are in
docs/ledger.md.

One database holds every legal entity on the ledger: the entities are ledger_companies' `entity_code`s,
each row names its own (a line or an application its invoice's). An object is one query over the whole
table, streamed in chunks on a server-side cursor (memory stays flat however large the table), with
the watermark as a bound parameter: an incremental night reads the rows whose `modified_at` is at or
after it. The ledger deletes nothing (a void is a status, an inactive customer a flag); the weekly full
sweep catches a row deleted by hand. A database that fails fails the object (one database: every
entity is down with it, as when every company of an ERP fails).

The URL's password is a secret: the logs and errors name the URL with it masked, the resource's repr
leaves the URL out, and the run config holds the variable's name (an `EnvVar`), never its value."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

import duckdb
from dagster import ConfigurableResource
from pydantic import Field
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from resources.cutover import configured, of_sandbox
from resources.extraction import Extraction, RawRecord, readable_json
from resources.http import RequestStats, SourceSystemError
from resources.ledger_files import read_object
from resources.ledger_tables import BY_INVOICE, COMPANIES, INVOICES, TABLES, key_of, payload_of
from resources.sandbox import SandboxResource
from resources.warehouse import WarehouseResource

log = logging.getLogger("tieout.ledger")

CHUNK = 1000  # rows fetched from the server-side cursor at a time
FILES_TABLE = "raw.ledger_files"


def masked(url: str) -> str:
    """The URL as it may be shown: its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<an unreadable database URL>"


class LedgerResource(ConfigurableResource):
    """The ledger's database (`url`) or drop folder (`drop_dir`, read instead of a database). With
    neither, the sandbox serves its ledger.db where the sandbox firm has a legal entity on the ledger,
    unless the deployment's ERP is configured elsewhere (`sandboxed` false): then there is no ledger."""

    system: ClassVar[str] = "ledger"
    objects: ClassVar[tuple[str, ...]] = tuple(TABLES)

    url: str = Field(default="", repr=False, description="a SQLAlchemy URL (TIEOUT_LEDGER_URL, a secret)")
    drop_dir: str = ""
    warehouse_database: str = ""  # where the checksums of the files already loaded are (raw.ledger_files)
    cutovers: str = ""  # TIEOUT_ERP_CUTOVERS (resources/cutover.py)
    sandboxed: bool = True
    sandbox: SandboxResource

    def database_url(self) -> str:
        """The configured URL; with no URL and no folder, the sandbox's ledger.db where its firm has an
        entity on the ledger; '' when there is no ledger."""
        if self.url or self.drop_dir or not self.sandboxed:
            return self.url
        runtime = self.sandbox.runtime()
        if not any(self.system in (e.get("erp"), e.get("former_erp")) for e in runtime.legal_entities()):
            return ""
        log.info("no ledger configured: using the sandbox's ledger")
        return runtime.base_url(self.system)

    def extract(self, object_name: str, since: str | None, snapshot_date: date | None = None) -> Extraction:
        if object_name not in TABLES:
            raise ValueError(f"the ledger has no object {object_name!r}; it has {', '.join(TABLES)}")
        if self.drop_dir:
            extraction = self._from_files(object_name, since, snapshot_date)
        else:
            url = self.database_url()
            extraction = self._from_database(url, object_name, since) if url else Extraction(mode="full")
        if not extraction.companies:
            return extraction
        local = bool(self.url or self.drop_dir or not self.sandboxed)
        cutovers = configured(self.cutovers) if local else of_sandbox(self.sandbox.runtime().legal_entities())
        extraction.cutovers = {
            entity: (role, cutover.on)
            for entity, cutover in cutovers.items()
            if entity in extraction.companies and (role := cutover.role(self.system))
        }
        return extraction

    # -- a database ----------------------------------------------------------------------------------

    def _from_database(self, url: str, object_name: str, since: str | None) -> Extraction:
        stats = RequestStats()
        extraction = Extraction(mode="incremental" if since else "full", stats=stats)
        try:
            engine = create_engine(url)
        except (ArgumentError, ImportError, ValueError) as error:
            raise SourceSystemError(self.system, object_name, None, None, self._reason(url, error)) from None
        try:
            with engine.connect() as connection:
                companies = [row[0] for row in connection.execute(select(COMPANIES.c.entity_code))]
                stats.requests += 1
                extraction.records += self._stream(connection, object_name, since, stats)
                stats.requests += 1
        except SQLAlchemyError as error:
            raise SourceSystemError(self.system, object_name, None, None, self._reason(url, error)) from None
        finally:
            engine.dispose()
        extraction.companies = dict.fromkeys(companies, database_name(url))
        extraction.entities = [] if since else sorted({*companies, *(r.entity for r in extraction.records)})
        log.info("ledger %s from %s: %d rows", object_name, masked(url), len(extraction.records))
        return extraction

    def _stream(self, connection, object_name: str, since: str | None, stats: RequestStats):
        table = TABLES[object_name]
        if object_name in BY_INVOICE:
            query = select(table, INVOICES.c.entity_code.label("of_entity")).select_from(
                table.outerjoin(INVOICES, INVOICES.c.invoice_id == table.c.invoice_id)
            )
        else:
            query = select(table, table.c.entity_code.label("of_entity"))
        if since:
            query = query.where(table.c.modified_at >= datetime.fromisoformat(since.replace("Z", "+00:00")))
        query = query.order_by(*table.primary_key.columns)
        result = connection.execution_options(stream_results=True, yield_per=CHUNK).execute(query)
        for page, chunk in enumerate(result.mappings().partitions(), start=1):
            stats.pages = page
            for row in chunk:
                yield record(object_name, row["of_entity"], dict(row), page)

    def _reason(self, url: str, error: Exception) -> str:
        """What went wrong, in words that never hold the password (nor the statement's parameters)."""
        text = str(getattr(error, "orig", None) or error).split("\n[SQL:")[0].split("\n(Background")[0]
        password = _password(url)
        if password:
            text = text.replace(password, "***")
        return f"{masked(url)}: {type(error).__name__}: {text.strip()}"

    # -- a drop folder -------------------------------------------------------------------------------

    def _from_files(self, object_name: str, since: str | None, snapshot_date: date | None) -> Extraction:
        folder = Path(self.drop_dir)
        known = self.loaded_checksums(snapshot_date) if since else set()
        try:
            read = read_object(object_name, folder, known, with_unknown=object_name == "companies")
            companies = read_object("companies", folder, set(), with_unknown=False).rows
            invoices = (
                read_object("invoices", folder, set(), with_unknown=False).rows if object_name in BY_INVOICE else []
            )
        except OSError as error:
            raise SourceSystemError(self.system, object_name, None, None, f"{folder}: {error}") from None
        entity_of_invoice = {str(i.get("invoice_id")): i.get("entity_code") for i in invoices}
        stats = RequestStats(requests=len(read.files), pages=len(read.files))
        extraction = Extraction(mode="incremental" if since else "full", stats=stats, files=read.files)
        for row in read.rows:
            entity = (
                entity_of_invoice.get(str(row.get("invoice_id")))
                if object_name in BY_INVOICE
                else row.get("entity_code")
            )
            extraction.records.append(record(object_name, entity, row, 1))
        codes = sorted({str(c["entity_code"]) for c in companies if c.get("entity_code")})
        extraction.companies = dict.fromkeys(codes, f"files:{folder.name}")
        extraction.entities = [] if since else sorted({*codes, *(r.entity for r in extraction.records)})
        log.info("ledger %s from %s: %d rows from %d files", object_name, folder, len(read.rows), len(read.files))
        return extraction

    def loaded_checksums(self, snapshot_date: date | None) -> set[str]:
        """The files loaded (or quarantined) on nights before `snapshot_date`: their rows are in the
        snapshot an incremental night folds onto. None known when the warehouse cannot say (every
        file is read again: never wrong, only more)."""
        if not self.warehouse_database or not Path(self.warehouse_database).exists():
            return set()
        try:  # opened as the steps open it: DuckDB refuses a second configuration of an open file
            with WarehouseResource(database=self.warehouse_database).get_connection() as connection:
                rows = connection.execute(
                    f"SELECT DISTINCT sha256 FROM {FILES_TABLE} WHERE snapshot_date < ?", [snapshot_date or date.max]
                ).fetchall()
        except duckdb.Error as error:
            log.warning("ledger: the files already loaded are unknown (%s): every file is read", error)
            return set()
        return {sha for (sha,) in rows}


def record(object_name: str, entity: object, row: dict, page: int) -> RawRecord:
    payload = payload_of(object_name, row)
    return RawRecord(
        "" if entity is None else str(entity),
        key_of(object_name, payload),
        payload.get("modified_at") if isinstance(payload.get("modified_at"), str) else None,
        readable_json(payload),
        page,
    )


def database_name(url: str) -> str:
    """The company id raw.companies records: the database's name (a SQLite file's name), else 'ledger'."""
    try:
        name = make_url(url).database
    except ArgumentError:
        return "ledger"
    return Path(name).name if name else "ledger"


def _password(url: str) -> str | None:
    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return str(password) if password else None
