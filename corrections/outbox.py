"""The outbox's state machine: which state a correction may move to, and every move audited.

proposed -> approved | rejected | superseded      (a person, or `policy` for auto corrections)
approved -> sending | superseded
sending  -> applied | failed | superseded | approved   (approved again: a transient failure, retried)
applied  -> failed                                 (the read-back did not show the value)
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from corrections.warehouse import rows

TRANSITIONS = {
    "approved": ("proposed", "sending"),
    "rejected": ("proposed",),
    "sending": ("approved", "sending"),
    "applied": ("sending",),
    "failed": ("sending", "applied"),
    "superseded": ("proposed", "approved", "sending"),
}
POLICY_ACTOR = "policy"


def decision_of(correction: dict) -> str:
    """Who let a correction go, in words finance reads: a person's approval is not the policy's."""
    if correction.get("approved_by") == POLICY_ACTOR:
        return "approved by policy"
    if correction.get("approved_by"):
        return f"approved by {correction['approved_by']}"
    if correction.get("state") == "rejected":
        return "rejected"
    return "waiting for a person" if correction.get("state") == "proposed" else ""


@dataclass
class Correction:
    """One proposed change of one field of one record in one target system."""

    finding_id: str
    code: str
    target_system: str
    target_object: str
    legal_entity: str | None
    record_id: str
    field: str
    value_before: str | None
    value_after: str | None
    rule: str
    policy: str = "approval"
    note: str | None = None  # what a person should check before approving, or do where tieout never writes
    proposed_on: date | None = None
    correction_id: str = ""
    idempotency_key: str = ""
    state: str = "proposed"
    approved_by: str | None = None
    approved_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    applied_at: datetime | None = None
    verified_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self):
        if not self.idempotency_key:
            self.idempotency_key = content_key(
                self.target_system, self.target_object, self.legal_entity, self.record_id, self.field, self.value_after
            )

    @property
    def target(self) -> tuple:
        """What the correction writes: one field of one record."""
        return (self.target_system, self.target_object, self.legal_entity, self.record_id, self.field)

    def columns(self) -> dict:
        return asdict(self)


def content_key(*parts) -> str:
    """A stable hash of what is changed and to what: the same change always has the same key."""
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def audit(connection, actor: str, action: str, correction_id: str, detail: str = "") -> None:
    connection.execute(
        "INSERT INTO corrections.audit_log VALUES (?, ?, ?, ?, ?)", [now(), actor, action, correction_id, detail]
    )


def load_corrections(connection, where: str = "TRUE", parameters=None, limit: int | None = None) -> list[Correction]:
    """Outbox rows matching `where` (a condition of tieout's own, values bound), by correction id."""
    sql = f"SELECT * FROM corrections.outbox WHERE {where} ORDER BY correction_id"
    return [Correction(**row) for row in rows(connection, sql + (f" LIMIT {int(limit)}" if limit else ""), parameters)]


def insert_proposals(connection, corrections: list[Correction], proposed_on: date, actor: str = "tieout") -> dict:
    """Add the night's proposals: a change already open, applied or rejected is not proposed again,
    and an open correction of the same field that now wants another value is superseded by it.
    Auto corrections enter approved by `policy`. Returns counts by outcome."""
    counts = {"new": 0, "known": 0, "superseded": 0}
    for correction in corrections:
        known = rows(
            connection,
            "SELECT correction_id FROM corrections.outbox WHERE idempotency_key = ? AND "
            "(state IN ('proposed', 'approved', 'sending', 'applied', 'rejected') OR proposed_on = ?)",
            [correction.idempotency_key, proposed_on],
        )
        if known:
            counts["known"] += 1
            continue
        stale = load_corrections(
            connection,
            "target_system = ? AND target_object = ? AND legal_entity IS NOT "
            "DISTINCT FROM ? AND record_id = ? AND field = ? AND state IN ('proposed', 'approved')",
            list(correction.target),
        )
        for old in stale:
            transition(
                connection,
                [old.correction_id],
                "superseded",
                actor,
                f"superseded by a proposal of {correction.value_after!r}",
            )
            counts["superseded"] += 1
        correction.proposed_on = proposed_on
        correction.correction_id = "cor_" + content_key(correction.idempotency_key, proposed_on)[:16]
        correction.updated_at = now()
        if correction.policy == "auto":
            correction.state, correction.approved_by, correction.approved_at = "approved", POLICY_ACTOR, now()
        values = correction.columns()
        connection.execute(
            f"INSERT INTO corrections.outbox ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        audit(
            connection,
            actor,
            "proposed",
            correction.correction_id,
            f"{correction.rule}: {correction.value_before!r} -> {correction.value_after!r}",
        )
        if correction.state == "approved":
            audit(connection, POLICY_ACTOR, "approved", correction.correction_id, f"{correction.code} is auto")
        counts["new"] += 1
    return counts


def transition(
    connection,
    correction_ids: list[str],
    to_state: str,
    actor: str,
    detail: str = "",
    count_attempt: bool = False,
    **columns,
) -> list[str]:
    """Move the corrections that are in a state allowed to reach `to_state` (others are left as they
    are); return the ids moved. `columns` are set too (last_error, applied_at...)."""
    if not correction_ids:
        return []
    allowed = TRANSITIONS[to_state]
    marks = ", ".join("?" * len(correction_ids))
    moving = [
        r["correction_id"]
        for r in rows(
            connection,
            f"SELECT correction_id FROM corrections.outbox WHERE correction_id IN ({marks}) AND state IN "
            f"({', '.join('?' * len(allowed))})",
            [*correction_ids, *allowed],
        )
    ]
    if not moving:
        return []
    assignments = {"state": to_state, "updated_at": now(), **columns}
    setters = ", ".join(f"{name} = ?" for name in assignments) + (", attempts = attempts + 1" if count_attempt else "")
    connection.execute(
        f"UPDATE corrections.outbox SET {setters} WHERE correction_id IN ({', '.join('?' * len(moving))})",
        [*assignments.values(), *moving],
    )
    for correction_id in moving:
        audit(connection, actor, to_state, correction_id, detail)
    return moving
