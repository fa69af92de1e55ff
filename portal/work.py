"""The findings workbench: people of a finding's queue assign it, comment on it, and explain it
with a reason (or withdraw the explanation). Each action is a row of `workbench.finding_actions`,
keyed by the finding's id, which stays the same night after night: the work carries to later nights
while the finding stays open, and the tie-out counts the explanations (docs/decisions.md 24)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from corrections.outbox import now
from corrections.warehouse import connect, rows, transaction
from portal.config import User

# A form's action: the row's action, and what the form must say for it
ACTIONS = {"assign": "assigned", "comment": "commented", "explain": "explained", "unexplain": "unexplained"}
NEEDS_NOTE = {"comment": "A comment needs some text.", "explain": "An explanation needs a reason."}
WHILE_OPEN = {"assign", "explain", "unexplain"}
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class Subject:
    """The finding as last seen: whose queue it is in, and whether it is still open."""

    finding_id: str
    owner_queue: str | None
    open: bool


def subject(warehouse: Path, finding_id: str) -> Subject | None:
    with connect(warehouse) as connection:
        found = connection.execute(
            "SELECT owner_queue, status = 'open' FROM recon.findings WHERE finding_id = ? "
            "ORDER BY snapshot_date DESC LIMIT 1",
            [finding_id],
        ).fetchone()
    return Subject(finding_id, found[0], found[1]) if found else None


def may_work(user: User, queue: str | None) -> bool:
    """Only a role that acts (`approve` in config/portal.yaml) works findings, of its own queues."""
    return user.role.approve and queue in user.role.queues


def assignable(users: dict[str, User], queue: str | None) -> list[str]:
    """The portal users a finding of `queue` may be assigned to: those who may work it."""
    return sorted(name for name, user in users.items() if may_work(user, queue))


def problem(action: str, subject: Subject, note: str, assignee: str, users: dict[str, User]) -> str | None:
    """Why an allowed person's action cannot be taken as asked (the page says so), or None."""
    if action in WHILE_OPEN and not subject.open:
        return "This finding is resolved: only comments are taken."
    if action in NEEDS_NOTE and not note.strip():
        return NEEDS_NOTE[action]
    if action == "assign" and assignee and assignee not in assignable(users, subject.owner_queue):
        return f"{assignee} cannot work the {subject.owner_queue} queue."
    return None


def record(warehouse: Path, finding_id: str, actor: str, action: str, assignee: str = "", note: str = "") -> dict:
    """Append the action; returns its row."""
    with transaction(warehouse) as connection:
        [row] = rows(
            connection,
            'INSERT INTO workbench.finding_actions ("at", finding_id, actor, action, assignee, note) '
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            [
                now(),
                finding_id,
                actor,
                ACTIONS[action],
                (assignee or None) if action == "assign" else None,
                note.strip()[:NOTE_LIMIT] if action in NEEDS_NOTE else None,
            ],
        )
    return row


def history(connection, finding_id: str) -> list[dict]:
    """Everything people did to the finding, oldest first."""
    return rows(
        connection,
        'SELECT "at", actor, action, assignee, note FROM workbench.finding_actions WHERE finding_id = ? '
        "ORDER BY action_number",
        [finding_id],
    )


def told(action: str, assignee: str) -> str:
    """The page's confirmation of an action taken."""
    return {
        "assign": f"Assigned to {assignee}." if assignee else "No longer assigned.",
        "comment": "Comment added.",
        "explain": "Marked explained.",
        "unexplain": "Explanation withdrawn.",
    }[action]
