"""Approving and rejecting corrections: the one entry point of the CLI, the Dagster job and the portal.

Each call opens the warehouse briefly (waiting while another process holds it), changes only
`proposed` rows, records who did it in the audit log, and returns the rows it changed."""

from __future__ import annotations

from pathlib import Path

from corrections.outbox import decision_of, now, transition
from corrections.warehouse import install_customer_names, rows, transaction
from sql import load

QUEUES = {  # a correction's owner queue is its finding's (recon.findings), else by code category
    "finance": (
        "AR_BALANCE_MISMATCH",
        "PAYMENT_NOT_REFLECTED",
        "INVOICE_STATUS_MISMATCH",
        "CREDIT_MEMO_NOT_REFLECTED",
        "TIME_BILLED_STATUS_MISMATCH",
        "CUSTOMER_PARENT_MISMATCH",
        "LEGAL_ENTITY_MISMATCH",
        "CUSTOMER_CURRENCY_MISMATCH",
    ),
    "sales_ops": ("CUSTOMER_NAME_MISMATCH", "CUSTOMER_UNLINKED_MATCH"),
}


def list_corrections(
    warehouse_path: str | Path, states: list[str] | None = None, queues: list[str] | None = None
) -> list[dict]:
    """The outbox's rows (newest night first), optionally only some states and owner queues."""
    with transaction(warehouse_path) as connection:
        found = rows(connection, "SELECT * FROM corrections.outbox ORDER BY proposed_on DESC, correction_id")
        context = _context(connection) if found else {}
    for row in found:
        about = context.get(row["finding_id"], {})
        row.update(
            owner_queue=about.get("owner_queue") or _default_queue(row["code"]),
            finding_detail=about.get("finding_detail"),
            document_number=about.get("document_number"),
            customer_name=about.get("customer_name"),
            decision=decision_of(row),
        )
    return [r for r in found if (not states or r["state"] in states) and (not queues or r["owner_queue"] in queues)]


def approve_corrections(warehouse_path: str | Path, correction_ids: list[str], actor: str) -> list[dict]:
    """Approve proposed corrections (never those whose policy is `never`) on behalf of `actor`."""
    return _decide(
        warehouse_path, correction_ids, actor, "approved", "approved by a person", approved_by=actor, approved_at=now()
    )


def reject_corrections(warehouse_path: str | Path, correction_ids: list[str], actor: str, reason: str) -> list[dict]:
    """Reject proposed corrections on behalf of `actor`; they are not proposed again."""
    if not reason.strip():
        raise ValueError("a rejection needs a reason")
    return _decide(warehouse_path, correction_ids, actor, "rejected", reason, last_error=f"rejected: {reason}")


def _decide(warehouse_path, correction_ids: list[str], actor: str, to_state: str, detail: str, **columns) -> list[dict]:
    if not actor.strip():
        raise ValueError("say who decides: an actor is required")
    ids = list(dict.fromkeys(correction_ids))
    if not ids:
        return []
    with transaction(warehouse_path) as connection:
        marks = ", ".join("?" * len(ids))
        eligible = [
            r["correction_id"]
            for r in rows(
                connection,
                f"SELECT correction_id FROM corrections.outbox WHERE correction_id IN ({marks}) "
                "AND state = 'proposed' AND (policy <> 'never' OR ? = 'rejected')",
                [*ids, to_state],
            )
        ]
        moved = transition(connection, eligible, to_state, actor, detail, **columns)
        if not moved:
            return []
        return rows(
            connection,
            f"SELECT * FROM corrections.outbox WHERE correction_id IN "
            f"({', '.join('?' * len(moved))}) ORDER BY correction_id",
            moved,
        )


def _context(connection) -> dict:
    """Per finding id: its owner queue, sentence, document and customer name as last seen."""
    install_customer_names(connection)
    return {r["finding_id"]: r for r in rows(connection, load("corrections/correction_context.sql"))}


def _default_queue(code: str) -> str:
    return next((queue for queue, codes in QUEUES.items() if code in codes), "finance")
