"""Versioned warehouse migrations (sql/migrations/NNNN_<name>.sql): applied in order, each in one
transaction with its row in `meta.migrations`, whenever the warehouse is opened for writing. A
warehouse from before migrations has no ledger and takes 0001, the baseline, as the schema it has.
Applied migrations never change, and a warehouse newer than the code is left alone: either is
refused with what to do, since guessing would lose data."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from resources.transactions import atomic
from sql import SQL_DIR, load, run_script

MIGRATIONS = SQL_DIR / "migrations"
FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(ValueError):
    """The warehouse's schema history does not fit this code's migrations."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def label(self) -> str:
        return self.path.stem

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def known_migrations() -> list[Migration]:
    """The migration files in version order; versions must run 1, 2, 3 ... without gaps or repeats."""
    found = sorted(
        (
            Migration(int(match[1]), match[2], path)
            for path in MIGRATIONS.glob("*.sql")
            if (match := FILE_NAME.match(path.name))
        ),
        key=lambda m: m.version,
    )
    strays = sorted(p.name for p in MIGRATIONS.glob("*.sql") if not FILE_NAME.match(p.name))
    if strays:
        raise MigrationError(f"{MIGRATIONS}: {', '.join(strays)} not named NNNN_<name>.sql")
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise MigrationError(
            f"{MIGRATIONS}: versions {[m.version for m in found]} do not run 1, 2, 3 ... in steps of one"
        )
    return found


def migrate(connection) -> list[Migration]:
    """Apply the migrations the warehouse has not had; returns them (none when it is up to date)."""
    known = known_migrations()
    run_script(connection, load("meta/create_migrations.sql"))
    applied = connection.execute("SELECT version, name, checksum, applied_at FROM meta.migrations ORDER BY version")
    by_version = {m.version: m for m in known}
    latest = known[-1].label
    done = set()
    for version, name, checksum, applied_at in applied.fetchall():
        migration = by_version.get(version)
        label = f"{version:04d}_{name}"
        if migration is None:
            raise MigrationError(
                f"the warehouse has migration {label}, which this tieout does not know (its latest is {latest}): "
                "it was written by a newer release; run that release or one after it"
            )
        if (migration.name, migration.checksum) != (name, checksum):
            raise MigrationError(
                f"migration {label} changed since it was applied on {applied_at:%Y-%m-%d} "
                f"(now {migration.path.name}): applied migrations never change; put the change in a new one"
            )
        done.add(version)
    pending = [m for m in known if m.version not in done]
    for migration in pending:
        with atomic(connection):
            run_script(connection, migration.path.read_text())
            connection.execute(
                "INSERT INTO meta.migrations VALUES (?, ?, ?, ?)",
                [migration.version, migration.name, migration.checksum, datetime.now(UTC)],
            )
    return pending
