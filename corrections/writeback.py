"""The drain loop: send approved corrections to their target systems, crash-safely, exactly once.

Per target system, batch by batch within the vendor's limits:
1. claim: approved (or left `sending` by a crashed run) -> `sending`, attempts + 1, committed;
2. re-read each target record: already at the new value -> applied without writing (a crashed run
   wrote it); neither the old nor the new value -> superseded (a person changed it: never forced);
3. write the rest; commit each outcome with its sync-log rows in one transaction;
4. read back: verified, or failed.
A run killed anywhere re-reads before writing again, so every correction lands exactly once; the
crash tests prove it by passing a `checkpoint` that dies at each of CHECKPOINTS.
Failures past the configured threshold stop the system's drain; the rest wait for the next one."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corrections.outbox import Correction, load_corrections, now, transition
from corrections.ownership import Ownership, OwnershipError, load_ownership
from corrections.proposals import canonical_field
from corrections.warehouse import transaction
from corrections.writers import MISSING, Outcome, SyncLog, Target, grouped
from resources.http import SourceSystemError

log = logging.getLogger("tieout.corrections")

ACTOR = "writeback"
# Where a run that dies leaves the most to repair: claimed but not sent; sent but not recorded;
# recorded but not read back.
CHECKPOINTS = ("after_sending", "after_vendor_call", "after_applied")

Checkpoint = Callable[[str, str], None]


@dataclass
class DrainReport:
    """What one drain did, per target system."""

    outcomes: dict[str, Counter] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # system -> why its drain stopped early
    seconds: float = 0.0

    def count(self, system: str, outcome: str, n: int = 1) -> None:
        if n:
            self.outcomes.setdefault(system, Counter())[outcome] += n

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.outcomes.values())


def carry_on(point: str, system: str) -> None:
    """The checkpoint of a real drain: nothing happens between its steps."""


def drain(
    warehouse_path: str | Path,
    targets: dict[str, Target],
    ownership: Ownership | None = None,
    checkpoint: Checkpoint = carry_on,
) -> DrainReport:
    """Send every approved correction of each target system; return what happened. `checkpoint` is
    called with (point, system) at each of CHECKPOINTS: the crash tests pass one that dies there."""
    ownership = ownership or load_ownership()
    report, started = DrainReport(), time.monotonic()
    for target in targets.values():
        _drain_system(Path(warehouse_path), target, ownership, report, checkpoint)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _drain_system(
    warehouse: Path, target: Target, ownership: Ownership, report: DrainReport, checkpoint: Checkpoint
) -> None:
    limits = ownership.writeback
    batch_size = min(target.batch_size, limits.batch_size.get(target.system, target.batch_size))
    drain_started, processed, failures = now(), 0, 0
    with transaction(warehouse) as connection:  # written by a run that died before reading them back
        unverified = load_corrections(
            connection, "target_system = ? AND state = 'applied' AND verified_at IS NULL", [target.system]
        )
    _verify(warehouse, target, unverified, report)
    while batch := _claim(warehouse, target.system, batch_size, drain_started):
        checkpoint("after_sending", target.system)
        try:
            outcomes = _send(warehouse, target, ownership, batch, report, checkpoint)
        except SourceSystemError as exc:  # the vendor cannot even be read: try the batch again later
            _settle(
                warehouse,
                batch,
                [Outcome(c.correction_id, False, str(exc), retryable=True) for c in batch],
                SyncLog(),
                limits.max_attempts,
                report,
                target.system,
            )
            report.stopped[target.system] = f"unavailable: {exc}"
            return
        processed += len(batch)
        failures += sum(1 for o in outcomes if not o.ok and not o.superseded)
        if failures > limits.max_failures or (processed >= 4 and failures / processed > limits.max_failure_share):
            report.stopped[target.system] = f"{failures} of {processed} corrections failed: drain stopped"
            log.error("%s: %s", target.system, report.stopped[target.system])
            with transaction(warehouse) as connection:
                connection.execute(
                    "INSERT INTO corrections.audit_log VALUES (?, ?, 'stopped', '', ?)",
                    [now(), ACTOR, f"{target.system}: {report.stopped[target.system]}"],
                )
            return


def _claim(warehouse: Path, system: str, batch_size: int, drain_started) -> list[Correction]:
    """The next batch of this system's approved corrections (and any a crashed run left sending),
    moved to `sending` before anything is sent."""
    with transaction(warehouse) as connection:
        batch = load_corrections(
            connection,
            "target_system = ? AND state IN ('approved', 'sending') AND policy <> 'never' AND updated_at < ?",
            [system, drain_started],
            limit=batch_size,
        )
        transition(
            connection,
            [c.correction_id for c in batch],
            "sending",
            ACTOR,
            "claimed by the writeback",
            count_attempt=True,
        )
    return batch


def _send(
    warehouse: Path,
    target: Target,
    ownership: Ownership,
    batch: list[Correction],
    report: DrainReport,
    checkpoint: Checkpoint,
) -> list[Outcome]:
    outcomes, allowed = [], []
    for c in batch:
        try:
            ownership.check(canonical_field(c.rule), c.target_system)
            allowed.append(c)
        except OwnershipError as refused:
            outcomes.append(Outcome(c.correction_id, False, f"refused: {refused}"))
    current = target.current(allowed)
    done = [c for c in allowed if current[c.correction_id] == c.value_after]
    changed = [c for c in allowed if current[c.correction_id] not in (c.value_before, c.value_after)]
    to_send = [c for c in allowed if c not in done and c not in changed]
    outcomes += [Outcome(c.correction_id, True, "already at the new value: not written again") for c in done]
    outcomes += [
        Outcome(
            c.correction_id,
            False,
            f"changed since the finding: now {_shown(current[c.correction_id])}",
            superseded=True,
        )
        for c in changed
    ]
    sync = SyncLog()
    outcomes += target.write(to_send, sync) if to_send else []
    checkpoint("after_vendor_call", target.system)
    max_attempts = ownership.writeback.max_attempts
    _settle(warehouse, batch, outcomes, sync, max_attempts, report, target.system)
    checkpoint("after_applied", target.system)
    applied = [c for c in batch if any(o.correction_id == c.correction_id and o.ok for o in outcomes)]
    _verify(warehouse, target, applied, report)
    return outcomes


def _settle(
    warehouse: Path,
    batch: list[Correction],
    outcomes: list[Outcome],
    sync: SyncLog,
    max_attempts: int,
    report: DrainReport,
    system: str,
) -> None:
    """Record each outcome and the sync log in one transaction."""
    attempts = {c.correction_id: c.attempts + 1 for c in batch}
    with transaction(warehouse) as connection:
        if sync:
            connection.executemany(
                "INSERT INTO corrections.sync_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [entry.values() for entry in sync],
            )
        for o in outcomes:
            if o.ok:
                state = "applied"
                moved = transition(
                    connection, [o.correction_id], state, ACTOR, o.error or "written", applied_at=now(), last_error=None
                )
            elif o.superseded:
                state = "superseded"
                moved = transition(connection, [o.correction_id], state, ACTOR, o.error or "", last_error=o.error)
            else:
                state = "approved" if o.retryable and attempts[o.correction_id] < max_attempts else "failed"
                moved = transition(connection, [o.correction_id], state, ACTOR, o.error or "", last_error=o.error)
            report.count(system, "retry" if state == "approved" else state, len(moved))


def _verify(warehouse: Path, target: Target, applied: list[Correction], report: DrainReport) -> None:
    """Read the written records back: verified, or failed with what the target shows."""
    if not applied:
        return
    try:
        current = target.current(applied)
    except SourceSystemError as exc:
        log.warning("%s: read-back failed (%s); verification left for the next drain", target.system, exc)
        return
    with transaction(warehouse) as connection:
        for c in applied:
            if current[c.correction_id] == c.value_after:
                connection.execute(
                    "UPDATE corrections.outbox SET verified_at = ? WHERE correction_id = ?", [now(), c.correction_id]
                )
                connection.execute(
                    "INSERT INTO corrections.audit_log VALUES (?, ?, 'verified', ?, 'read back')",
                    [now(), ACTOR, c.correction_id],
                )
                report.count(target.system, "verified")
            else:
                error = f"read back {_shown(current[c.correction_id])}, not {c.value_after!r}"
                report.count(
                    target.system,
                    "unverified",
                    len(transition(connection, [c.correction_id], "failed", ACTOR, error, last_error=error)),
                )


def _shown(value: str | None) -> str:
    return "a deleted record" if value == MISSING else repr(value)


def preview(warehouse_path: str | Path, targets: dict[str, Target]) -> list[dict]:
    """A dry run of the next drain: each approved correction, what its target holds now and what the
    drain would do. Reads the vendors; writes nothing, anywhere."""
    with transaction(warehouse_path) as connection:
        pending = load_corrections(connection, "state IN ('approved', 'sending') AND policy <> 'never'")
    listed = []
    for system, group in grouped(pending, lambda c: c.target_system).items():
        current = targets[system].current(group)
        for c in group:
            now_value = current[c.correction_id]
            action = (
                "already applied"
                if now_value == c.value_after
                else "write"
                if now_value == c.value_before
                else "supersede (changed since the finding)"
            )
            listed.append(
                {
                    "correction_id": c.correction_id,
                    "code": c.code,
                    "target": f"{system} {c.target_object} {c.record_id}",
                    "field": c.field,
                    "before": c.value_before,
                    "now": None if now_value == MISSING else now_value,
                    "after": c.value_after,
                    "action": action,
                }
            )
    return listed
