"""Persistent state of the sandbox firm's three systems, shared by the emulators.

The emulators serve and mutate vendor-shaped JSON records kept here, so what tieout writes back
through an emulator is what the next night extracts. SQLite (stdlib) keeps it in one file that
several threads and processes may open; each record is stored in the vendor's own JSON shape.
"""

from __future__ import annotations

import builtins
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    system TEXT NOT NULL,      -- salesforce | harvest | quickbooks
    tenant TEXT NOT NULL,      -- QuickBooks realm id; '' where the vendor has one tenant
    object TEXT NOT NULL,      -- the vendor's own object name: Account, time_entries, Invoice
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,      -- creation order, the vendors' default listing order
    updated_at TEXT NOT NULL,  -- ISO-8601 UTC, what incremental filters compare
    payload TEXT NOT NULL,     -- the record as the vendor's API returns it
    PRIMARY KEY (system, tenant, object, id)
);
CREATE INDEX IF NOT EXISTS records_by_update ON records (system, tenant, object, updated_at);
CREATE INDEX IF NOT EXISTS records_by_seq ON records (system, tenant, object, seq);
CREATE TABLE IF NOT EXISTS requests (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    system TEXT NOT NULL, tenant TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    query TEXT NOT NULL, status INTEGER NOT NULL, body TEXT, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- counts every write to records, by any connection (each writer adds one in its transaction): what a
-- listing read before still holds while it stands (per-row triggers made generating a firm 37% slower)
CREATE TABLE IF NOT EXISTS record_changes (n INTEGER NOT NULL);
INSERT INTO record_changes SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM record_changes);
"""
RECORDS_CHANGED = "UPDATE record_changes SET n = n + 1"
# lookup indexes over every system's records, from before they were one object's (slowing every write)
STORE_WIDE_LOOKUPS = "SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB 'records_at_*'"


def utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LoggedRequest:
    system: str
    tenant: str
    method: str
    path: str
    query: str
    status: int
    body: str | None


class SandboxStore:
    """Vendor records by (system, tenant, object, id), plus a request log and firm metadata."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(SCHEMA)
        for (name,) in self._db().execute(STORE_WIDE_LOOKUPS).fetchall():  # what list_where built before
            self._db().execute(f"DROP INDEX IF EXISTS {name}")
        # what a vendor keeps to page a big listing: its count, and where each page served ended, for as
        # long as no record changed (an OFFSET read 2.1 million index entries to reach the last page)
        self._counted: dict[tuple, tuple[int, int]] = {}
        self._page_ends: dict[tuple, tuple[int, object, int]] = {}

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- records -------------------------------------------------------------------------
    def put(self, system: str, tenant: str, object: str, id: str, payload: dict, updated_at: str) -> None:
        self.put_many(system, tenant, object, [(id, payload, updated_at)])

    def put_many(self, system: str, tenant: str, object: str, rows: Iterable[tuple[str, dict, str]]) -> None:
        """Insert or replace records; a replaced record keeps its listing position."""
        with self._tx() as db:
            db.execute(RECORDS_CHANGED)
            next_seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM records WHERE system=? AND tenant=? AND object=?",
                (system, tenant, object),
            ).fetchone()[0]
            db.executemany(
                """INSERT INTO records (system, tenant, object, id, seq, updated_at, payload)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (system, tenant, object, id) DO UPDATE
                   SET updated_at = excluded.updated_at, payload = excluded.payload""",
                (
                    (system, tenant, object, str(id), next_seq + offset, updated_at, json.dumps(payload))
                    for offset, (id, payload, updated_at) in enumerate(rows)
                ),
            )

    def get(self, system: str, tenant: str, object: str, id: str) -> dict | None:
        row = (
            self._db()
            .execute(
                "SELECT payload FROM records WHERE system=? AND tenant=? AND object=? AND id=?",
                (system, tenant, object, str(id)),
            )
            .fetchone()
        )
        return json.loads(row[0]) if row else None

    def delete(self, system: str, tenant: str, object: str, id: str) -> bool:
        with self._tx() as db:
            db.execute(RECORDS_CHANGED)
            cursor = db.execute(
                "DELETE FROM records WHERE system=? AND tenant=? AND object=? AND id=?",
                (system, tenant, object, str(id)),
            )
        return cursor.rowcount > 0

    def list(self, system: str, tenant: str, object: str, **listing: Any) -> list[dict]:
        """Records in listing order, decoded; `listing` as `list_texts` takes it."""
        return [json.loads(text) for text in self.list_texts(system, tenant, object, **listing)]

    def list_texts(
        self,
        system: str,
        tenant: str,
        object: str,
        *,
        updated_since: str | None = None,
        descending: bool = False,
        newest_by: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> builtins.list[str]:
        """Records in listing order (creation order, or newest first by a payload field such as
        Harvest's `spent_date`, then newest created), optionally only those updated at/after a time:
        each its JSON text as stored (an emulator serves them as they are; `list` decodes them)."""
        order_key = sort_value = None
        if newest_by is not None:
            self._index_payload_field(newest_by)
            order_key = f"json_extract(payload, '$.{newest_by}')"
            sort_value = f"SELECT json_extract(?, '$.{newest_by}')"  # one row's value, as the index holds it
        select = "SELECT payload, seq FROM records WHERE system=? AND tenant=? AND object=?"
        params: builtins.list = [system, tenant, object]
        if updated_since is not None:
            select += " AND updated_at >= ?"
            params.append(updated_since)
        if order_key is not None:
            order = f"ORDER BY {order_key} DESC, seq DESC"
        else:
            order = "ORDER BY seq DESC" if descending else "ORDER BY seq"
        listing = (system, tenant, object, updated_since, descending, newest_by)
        changes = self._changes()
        ended = self._page_ends.get((*listing, offset))  # (changes then, the last row's sort value, its seq)
        rows = None
        if limit is not None and ended is not None and ended[0] == changes and not (newest_by and ended[1] is None):
            # where the page before ended: the same rows as the OFFSET, without reading past them
            if order_key is not None and updated_since is None:
                # (a bound on the indexed expression itself: SQLite does not seek an expression index
                # by a row value `(expression, seq) < (?, ?)`, and read every row before the page)
                after = f"{order_key} <= ? AND ({order_key} < ? OR seq < ?)"
                resume = [ended[1], ended[1], ended[2]]
            elif order_key is not None:
                # (the changes since a time: a few, found by the update index and sorted, where the
                # bound above would have SQLite walk the whole listing's index instead)
                after, resume = f"({order_key}, seq) < (?, ?)", [ended[1], ended[2]]
            else:
                after, resume = ("seq < ?" if descending else "seq > ?"), [ended[2]]
            rows = self._db().execute(f"{select} AND {after} {order} LIMIT ?", [*params, *resume, limit]).fetchall()
            if len(rows) < limit:  # the end of the listing, where rows without the field may follow
                rows = None
        if rows is None:
            rows = (
                self._db()
                .execute(f"{select} {order} LIMIT ? OFFSET ?", [*params, -1 if limit is None else limit, offset])
                .fetchall()
            )
        if rows and limit is not None:
            if len(self._page_ends) > 100_000:  # ends kept from before earlier changes: forgotten at once
                self._page_ends.clear()
            last, last_seq = rows[-1]
            last_value = None if sort_value is None else self._db().execute(sort_value, [last]).fetchone()[0]
            self._page_ends[(*listing, offset + len(rows))] = (changes, last_value, last_seq)
        return [text for text, _ in rows]

    def _changes(self) -> int:
        return self._db().execute("SELECT n FROM record_changes").fetchone()[0]

    def list_where(
        self,
        system: str,
        tenant: str,
        object: str,
        path: str,
        values: Iterable[str],
        *,
        updated_since: str | None = None,
        ignore_case: bool = False,
    ) -> builtins.list[dict]:
        """The records whose payload has one of `values` (compared as text, or as ASCII text in any case)
        at the JSON `path` (such as `$.CustomerRef.value`), in listing order: a vendor looks such a field
        up in an index, so the emulator does too rather than decode every record of the object."""
        name, expression, objects = self.index_lookup(system, object, path, ignore_case=ignore_case)
        wanted = [v.lower() for v in values] if ignore_case else builtins.list(values)
        # named: for `ORDER BY seq` SQLite's planner prefers the listing index and reads the whole object
        sql = (
            f"SELECT payload FROM records INDEXED BY {name} WHERE {objects} AND tenant=? "
            f"AND {expression} IN ({', '.join('?' * len(wanted))})"
        )
        params: builtins.list = [tenant, *wanted]
        if updated_since is not None:
            sql += " AND updated_at >= ?"
            params.append(updated_since)
        return [json.loads(p) for (p,) in self._db().execute(sql + " ORDER BY seq", params)]

    def index_lookup(self, system: str, object: str, path: str, *, ignore_case: bool = False) -> tuple[str, str, str]:
        """The index `list_where` reads for the field at `path` of one object (built where it is missing):
        its name, the indexed expression and the condition on the records it covers. One object's,
        partial: one over every record of the store took 2.8 s to build at 500,000."""
        if not re.fullmatch(r"\$(\.[A-Za-z_]\w*)+", path):
            raise ValueError(f"not a plain JSON path: {path!r}")
        if not (system.isidentifier() and object.isidentifier()):
            raise ValueError(f"not a system and object name: {system!r}, {object!r}")
        expression = f"CAST(json_extract(payload, '{path}') AS TEXT)"
        name = f"lookup_{system}_{object}_at_" + path[2:].replace(".", "_")
        if ignore_case:
            expression, name = f"lower({expression})", f"{name}_any_case"
        objects = f"system = '{system}' AND object = '{object}'"
        self._db().execute(f"CREATE INDEX IF NOT EXISTS {name} ON records (tenant, {expression}) WHERE {objects}")
        return name, expression, objects

    def objects(self, system: str) -> builtins.list[str]:
        """The objects of which the store holds records of `system`."""
        rows = self._db().execute("SELECT DISTINCT object FROM records WHERE system = ? ORDER BY 1", [system])
        return [object for (object,) in rows]

    def carries(self, system: str, object: str, path: str, first: int = 100) -> bool:
        """Whether any of `first` records of the object (the first the store reads) has a value at the
        JSON `path`: what its records carry, without reading them all. A field those lack is indexed
        on its first lookup instead (slower once, not wrong)."""
        row = (
            self._db()
            .execute(
                "SELECT 1 FROM (SELECT payload FROM records WHERE system = ? AND object = ? "
                "LIMIT ?) WHERE json_extract(payload, ?) IS NOT NULL LIMIT 1",
                [system, object, first, path],
            )
            .fetchone()
        )
        return row is not None

    def rename_keys(self, system: str, tenant: str, object: str, renames: dict[str, str]) -> None:
        """Rename top-level payload keys of every record of an object, in place (order, times kept)."""
        with self._tx() as db:
            db.execute(RECORDS_CHANGED)
            rows = db.execute(
                "SELECT id, payload FROM records WHERE system=? AND tenant=? AND object=?", (system, tenant, object)
            ).fetchall()
            db.executemany(
                "UPDATE records SET payload=? WHERE system=? AND tenant=? AND object=? AND id=?",
                (
                    (json.dumps({renames.get(k, k): v for k, v in json.loads(p).items()}), system, tenant, object, id)
                    for id, p in rows
                ),
            )

    def _index_payload_field(self, name: str) -> None:
        """An expression index, so listing newest-first by a payload field reads one page, not all."""
        if not name.isidentifier():
            raise ValueError(f"not a payload field name: {name!r}")
        self._db().execute(
            f"CREATE INDEX IF NOT EXISTS records_by_{name} ON records "
            f"(system, tenant, object, json_extract(payload, '$.{name}'), seq)"
        )

    def count(self, system: str, tenant: str, object: str, *, updated_since: str | None = None) -> int:
        key, changes = (system, tenant, object, updated_since), self._changes()
        counted = self._counted.get(key)
        if counted is not None and counted[0] == changes:
            return counted[1]
        sql = "SELECT COUNT(*) FROM records WHERE system=? AND tenant=? AND object=?"
        params: list = [system, tenant, object]
        if updated_since is not None:
            sql += " AND updated_at >= ?"
            params.append(updated_since)
        n = self._db().execute(sql, params).fetchone()[0]
        self._counted[key] = (changes, n)
        return n

    def next_id(self, system: str, tenant: str, object: str, start: int = 1) -> int:
        """The next free numeric id for a new record (vendors with integer ids)."""
        row = (
            self._db()
            .execute(
                "SELECT MAX(CAST(id AS INTEGER)) FROM records WHERE system=? AND tenant=? AND object=?",
                (system, tenant, object),
            )
            .fetchone()
        )
        return max(start, (row[0] or 0) + 1)

    # -- request log ---------------------------------------------------------------------
    def log_request(
        self, system: str, tenant: str, method: str, path: str, query: str, status: int, body: str | None = None
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO requests (system, tenant, method, path, query, status, body, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (system, tenant, method, path, query, status, body, utc_now_iso()),
            )

    # builtins.list: in this class body `list` names the method above, not the type
    def requests(self, system: str | None = None, *, since_n: int = 0) -> builtins.list[LoggedRequest]:
        sql = "SELECT system, tenant, method, path, query, status, body FROM requests WHERE n > ?"
        params: list = [since_n]
        if system is not None:
            sql += " AND system = ?"
            params.append(system)
        return [LoggedRequest(*row) for row in self._db().execute(sql + " ORDER BY n", params)]

    def last_request_n(self) -> int:
        return self._db().execute("SELECT COALESCE(MAX(n), 0) FROM requests").fetchone()[0]

    # -- firm metadata (tokens, realms, as-of date, seed) ---------------------------------
    def set_meta(self, key: str, value) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def meta(self, key: str, default=None):
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default
