"""What a connector hands to the extraction assets: raw records with where they came from."""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import duckdb
import pandas as pd

from resources.cutover import Cutover
from resources.http import RequestStats, SourceSystemError

if TYPE_CHECKING:
    from resources.http import ApiClient


log = logging.getLogger("tieout.extraction")
Request = TypeVar("Request")  # what names a page to fetch: a URL and its parameters, a start position
Page = TypeVar("Page")

# Microsoft's JSON date, as Xero writes its times: `/Date(1767225600000+0000)/`, milliseconds since the
# epoch in UTC (the offset only says where the sender was)
MS_DATE = r"^/Date\((-?\d{1,15})([+-]\d{4})?\)/$"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def readable_json(payload: dict) -> str:
    """The payload as JSON text DuckDB accepts: text that was not valid UTF-8 at the source arrives
    as lone surrogates, which become U+FFFD here and are quarantined downstream (text_unreadable)."""
    return LONE_SURROGATE.sub("\ufffd", json.dumps(payload, ensure_ascii=False))


@dataclass(frozen=True)
class RawRecord:
    entity: str  # legal entity code for per-company systems (QuickBooks), '' otherwise
    record_id: str | None  # None when the source sent a record without an id (quarantined later)
    updated_at: str | None  # the source's own last-modified timestamp, as sent
    # the record as JSON text (readable_json), made as its page arrives: a night holds millions of
    # records until its snapshot is written, and as dicts 2.1 million time entries took 13.8 GiB
    payload: str
    page: int

    @classmethod
    def of(cls, entity: str, item: dict, id_key: str, updated_at: str | None, page: int) -> RawRecord:
        return cls(entity, record_id_of(item, id_key), updated_at, readable_json(item), page)


def source_times(sent: list[str | None]) -> pd.Series:
    """The records' last-modified times as the vendors sent them, parsed: ISO 8601, or Xero's
    `/Date(1767225600000+0000)/` (the milliseconds are UTC; the offset only says where the sender was).
    NULL when unparseable."""
    text = pd.Series(sent, dtype="string")
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    microsoft = text.str.startswith("/Date(", na=False)
    if microsoft.any():
        milliseconds = pd.to_numeric(text[microsoft].str.extract(MS_DATE, expand=False)[0], errors="coerce")
        parsed[microsoft] = pd.to_datetime(milliseconds, unit="ms", utc=True, errors="coerce")
    return parsed


class RecordSpool:
    """One object's records of a night, set down on disk as Parquet (written by DuckDB) every `flush_at`
    records as they arrive, so that a night is never held in memory whole: as JSON text in a list, the
    benchmark firm's 2.1 million time entries peaked at 6.47 GiB. Counted and iterated like the list it
    replaced; `sealed()` hands the files to the warehouse, which reads them where they lie. The files go
    with the spool (`discard`, or when it is garbage-collected)."""

    def __init__(self, flush_at: int = 50_000) -> None:
        self.flush_at = flush_at
        self._buffer: list[RawRecord] = []
        self._files: list[Path] = []
        self._on_disk = 0
        self._directory: Path | None = None
        self._remove: weakref.finalize | None = None

    def append(self, record: RawRecord) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= self.flush_at:
            self._flush()

    def __iadd__(self, records: Iterable[RawRecord]) -> RecordSpool:
        for record in records:
            self.append(record)
        return self

    def __len__(self) -> int:
        return self._on_disk + len(self._buffer)

    def __iter__(self) -> Iterator[RawRecord]:
        for file in list(self._files):
            with duckdb.connect() as reader:
                rows = reader.execute(
                    f"SELECT entity, record_id, sent_updated_at, payload, page FROM read_parquet({path_literal(file)})"
                ).fetchall()
            yield from (RawRecord(*row) for row in rows)
        yield from list(self._buffer)

    def absorb(self, other: RecordSpool) -> None:
        """Take over another spool's records (a company's, read on its own) without reading them back."""
        if other._files and self._buffer:  # in the order they came
            self._flush()
        for file in other._files:
            moved = self._next_file()
            file.replace(moved)
            self._files.append(moved)
        self._on_disk += other._on_disk
        other._files, other._on_disk = [], 0
        buffered, other._buffer = other._buffer, []
        self += buffered

    def sealed(self) -> list[Path]:
        """Every record on disk (a night without records as one empty file, which still has the columns)."""
        if self._buffer or not self._files:
            self._flush()
        return list(self._files)

    def discard(self) -> None:
        if self._remove is not None:
            self._remove()
        self._buffer, self._files, self._on_disk, self._directory, self._remove = [], [], 0, None, None

    def _next_file(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="tieout-records-"))
            self._remove = weakref.finalize(self, shutil.rmtree, self._directory, True)
        return self._directory / f"{len(self._files):06d}.parquet"

    def _flush(self) -> None:
        records, self._buffer = self._buffer, []
        sent = [r.updated_at for r in records]
        frame = pd.DataFrame(
            {
                # typed even when empty: an empty object column would reach DuckDB as DOUBLE
                "entity": pd.Series([r.entity for r in records], dtype="string"),
                "record_id": pd.Series([r.record_id for r in records], dtype="string"),
                "sent_updated_at": pd.Series(sent, dtype="string"),
                "updated_at": source_times(sent),
                "payload": pd.Series([r.payload for r in records], dtype="string"),
                "page": pd.Series([r.page for r in records], dtype="int32"),
            }
        )
        file = self._next_file()
        with duckdb.connect() as writer:
            writer.register("records", frame)
            writer.execute(f"COPY records TO {path_literal(file)} (FORMAT parquet, COMPRESSION zstd)")
        self._files.append(file)
        self._on_disk += len(records)


def path_literal(path: Path) -> str:
    """A file's path as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


@dataclass(frozen=True)
class SourceFile:
    """An exported file an extraction read (or refused): kept by its checksum, so that an incremental
    night does not read it again (raw.ledger_files)."""

    sha256: str
    name: str
    table: str
    rows: int
    status: str  # loaded | quarantined
    reason: str = ""


@dataclass
class Extraction:
    """One object's records from one night, full or incremental, and what fetching them cost."""

    mode: str  # "full" or "incremental"
    records: RecordSpool = field(default_factory=RecordSpool)
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (entity, record_id) the source reported deleted
    entities: list[str] = field(default_factory=list)  # entities swept in full this time
    # entity -> how many records the source holds now, where an incremental read cannot see deletions
    # itself (QuickBooks past CDC's cap): the snapshot must hold as many (assets/extraction/snapshots.py)
    source_counts: dict[str, int] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)  # entity -> why its source failed tonight
    companies: dict[str, str] = field(default_factory=dict)  # entity -> the company (QuickBooks realm) read
    cutovers: dict[str, tuple[str, date]] = field(default_factory=dict)  # entity -> its company's side, the date
    files: list[SourceFile] = field(default_factory=list)  # the exported files read tonight (the ledger's drop folder)
    stats: RequestStats = field(default_factory=RequestStats)

    def add(self, other: Extraction) -> None:
        """Fold in another entity's records (their request stats are already shared)."""
        self.records.absorb(other.records)
        self.deleted += other.deleted
        self.entities += other.entities
        self.source_counts |= other.source_counts


class SourceConnector(Protocol):
    """A vendor connector: lists its objects and extracts one, optionally changes since a watermark,
    for the night `snapshot_date` (QuickBooks counts its CDC look-back from it; the others need not)."""

    system: str

    def extract(self, object_name: str, since: str | None, snapshot_date: date | None = None) -> Extraction: ...


def each_company(
    system: str,
    object_name: str,
    companies: dict[str, str],
    since: str | None,
    stats: RequestStats,
    read: Callable[[Extraction, str, str], None],
    cutovers: Mapping[str, Cutover] | None = None,
) -> Extraction:
    """One object read from each company (legal entity code -> the vendor's company id: a QuickBooks
    realm, a Xero tenant) by `read(extraction, entity, company)`, each on its own: a company whose API
    fails after every retry is reported unavailable (its legal entity is not reconciled tonight) and
    the others go on; every company failing is an error. No company at all is an empty extraction. An
    entity in an ERP cutover (`cutovers`) has its company marked as the former or the current ERP."""
    marked = {
        entity: (role, cutover.on)
        for entity, cutover in (cutovers or {}).items()
        if entity in companies and (role := cutover.role(system))
    }
    extraction = Extraction(
        mode="incremental" if since else "full", stats=stats, companies=dict(companies), cutovers=marked
    )
    last_error: SourceSystemError | None = None
    for entity, company_id in companies.items():
        company = Extraction(mode=extraction.mode, stats=stats)
        try:
            read(company, entity, company_id)
        except SourceSystemError as error:
            log.warning("%s %s (%s) unavailable tonight: %s", system, object_name, entity, error)
            extraction.unavailable[entity], last_error = str(error), error
            continue
        extraction.add(company)
    if last_error is not None and len(extraction.unavailable) == len(companies):
        raise last_error
    return extraction


def record_id_of(payload: dict, key: str) -> str | None:
    value = payload.get(key)
    return None if value is None or value == "" else str(value)


def read_ahead(
    fetch: Callable[[int, Request], Page], first: Request, after: Callable[[Page], Request | None]
) -> Iterator[Page]:
    """The pages `fetch(page number, request)` returns, from `first` on, each following one (`after` the
    page before, None at the last) asked for in a thread while the caller turns the current one into
    records: the vendor's serialising the next page and ours turning this one into records overlap,
    where they had taken turns (one core idle half of a big object's extraction). One request in flight
    at a time, so the rate limits see what they saw; a failed request raises where its page is due."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
    try:
        page, pending = 1, pool.submit(fetch, 1, first)
        while True:
            body = pending.result()
            following = after(body)
            if following is not None:
                page += 1
                pending = pool.submit(fetch, page, following)
            yield body
            if following is None:
                return
    finally:  # a caller that stopped early does not wait for the page it no longer wants
        pool.shutdown(wait=False, cancel_futures=True)


def follow_pages(
    client: ApiClient,
    *,
    object_name: str,
    url: str,
    params: dict,
    since: str | None,
    list_key: str,
    id_key: str,
    updated_key: str,
    next_url: Callable[[dict], str | None],
) -> Extraction:
    """Fetch every page of a list whose response names its successor (a cursor or link)."""
    extraction = Extraction(mode="incremental" if since else "full", entities=[] if since else [""], stats=client.stats)

    Link = tuple[str, dict | None]  # a page's URL and, for the first, its parameters

    def fetch(page: int, request: Link) -> dict:
        body = client.request_json("GET", request[0], object_name=object_name, page=page, params=request[1])
        if not isinstance(body, dict) or not isinstance(body.get(list_key), list):
            raise SourceSystemError(client.system, object_name, page, 200, f"the response has no '{list_key}' list")
        return body

    def after(body: dict) -> Link | None:
        successor = next_url(body)  # it carries the filters and the cursor
        return (successor, None) if successor else None

    first: Link = (url, params)
    for page, body in enumerate(read_ahead(fetch, first, after), start=1):
        extraction.records += [RawRecord.of("", item, id_key, item.get(updated_key), page) for item in body[list_key]]
        extraction.stats.pages = page
    return extraction
