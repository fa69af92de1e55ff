"""Match review: people of the queue that owns customer matching confirm or reject the customer pairs
the night's matching stage suggested (CUSTOMER_UNLINKED_MATCH, CUSTOMER_DUPLICATE). Each decision is a
row of `workbench.match_decisions`, keyed by the two records' (system, source_id), lower first; the
next night's canonical model joins a confirmed pair's records into one customer and the findings never
suggest a rejected pair again (docs/decisions.md 25)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from corrections.outbox import now
from corrections.warehouse import connect, rows, transaction
from portal.config import User
from portal.work import NOTE_LIMIT, may_work
from resources.settings.reconciliation import ReconciliationSettings
from sql import load

DECISIONS = {"confirm": "confirmed", "reject": "rejected"}
CODES = {"duplicate": "CUSTOMER_DUPLICATE", "unlinked": "CUSTOMER_UNLINKED_MATCH"}
SYSTEMS = ("crm", "erp", "psa")
DECIDED_ROWS = 200


@dataclass(frozen=True)
class Pair:
    """Two customer records, lower (system, source_id) first: A-B and B-A are one pair."""

    a_system: str
    a_source_id: str
    b_system: str
    b_source_id: str

    @classmethod
    def parse(cls, key: str) -> Pair | None:
        """`system:source_id|system:source_id` (the findings' subject key), either order; None if it is not one."""
        sides = key.split("|")
        if len(sides) != 2 or not all(":" in side for side in sides):
            return None
        records = sorted(tuple(side.split(":", 1)) for side in sides)
        if any(system not in SYSTEMS or not source_id for system, source_id in records) or records[0] == records[1]:
            return None
        (a_system, a_source_id), (b_system, b_source_id) = records
        return cls(a_system, a_source_id, b_system, b_source_id)

    @property
    def key(self) -> str:
        return f"{self.a_system}:{self.a_source_id}|{self.b_system}:{self.b_source_id}"


def owner_queue(suggestion: dict) -> str | None:
    """The queue of the finding that reports the pair that night, else the configured owner of its code."""
    return suggestion.get("owner_queue") or ReconciliationSettings.load().owner_queues.get(suggestion["code"])


def has_matches(connection) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema || '.' || table_name IN "
        "('recon.customer_match', 'recon.findings', 'canonical.customer')"
    ).fetchone()
    return bool(found and found[0] == 3)


def latest_night(connection) -> date | None:
    found = connection.execute("SELECT max(snapshot_date) FROM recon.customer_match").fetchone()
    return found[0] if found else None


def suggestions(warehouse: Path) -> tuple[date | None, list[dict]]:
    """The newest night's suggested pairs nobody has decided yet (the page lists those of the
    user's queues), each with its owner queue."""
    with connect(warehouse) as connection:
        if not has_matches(connection):
            return None, []
        night = latest_night(connection)
        if night is None:
            return None, []
        found = rows(connection, load("workbench/match_suggestions.sql"), {"snapshot_date": night})
    for suggestion in found:
        suggestion["owner_queue"] = owner_queue(suggestion)
    return night, found


def suggested(warehouse: Path, pair: Pair) -> dict | None:
    """The pair as the newest night suggests it, if it does and nobody has decided it."""
    _, found = suggestions(warehouse)
    return next((s for s in found if s["pair_key"] == pair.key), None)


def visible(found: list[dict], user: User) -> list[dict]:
    return [s for s in found if s["owner_queue"] in user.role.queues]


def sees_decisions(user: User) -> bool:
    """The decisions are listed to the queues that own customer matching (by configuration)."""
    owners = ReconciliationSettings.load().owner_queues
    return any(owners.get(code) in user.role.queues for code in CODES.values())


def may_decide(user: User, queue: str | None) -> bool:
    """Who may act on the queue's findings (`approve`, the queue) decides its pairs (decisions.md 24)."""
    return may_work(user, queue)


def record(warehouse: Path, pair: Pair, actor: str, decision: str, legal_entity: str | None, note: str) -> dict:
    """Append the decision; returns its row."""
    with transaction(warehouse) as connection:
        [row] = rows(
            connection,
            'INSERT INTO workbench.match_decisions ("at", actor, decision, a_system, a_source_id, b_system, '
            "b_source_id, legal_entity, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            [
                now(),
                actor,
                DECISIONS[decision],
                pair.a_system,
                pair.a_source_id,
                pair.b_system,
                pair.b_source_id,
                legal_entity,
                note.strip()[:NOTE_LIMIT] or None,
            ],
        )
    return row


def decided(warehouse: Path) -> list[dict]:
    """Every decision, newest first (the page shows the latest ones)."""
    with connect(warehouse) as connection:
        return rows(
            connection,
            'SELECT decision_number, "at", actor, decision, a_system, a_source_id, b_system, b_source_id, '
            f"legal_entity, note FROM workbench.match_decisions ORDER BY decision_number DESC LIMIT {DECIDED_ROWS}",
        )


def told(decision: str, pair: Pair) -> str:
    """The page's confirmation of a decision taken."""
    if decision == "confirm":
        return f"Confirmed {pair.key}: the next night gives both records one customer."
    return f"Rejected {pair.key}: it will not be suggested again."
