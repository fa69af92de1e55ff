"""A writeback killed (SIGKILL) at several points and run again applies every correction exactly
once at the target, loses none, and leaves the outbox and the audit log consistent."""

import os
import signal
import subprocess
import sys

import pytest

from corrections.warehouse import rows, transaction
from corrections.writeback import CHECKPOINTS, drain
from tests.conftest import REPO
from tests.corrections.conftest import outbox, plan_and_record, writes


def mentions(request, c) -> bool:
    """Whether a logged write request carries this correction's record."""
    if c.target_system == "harvest":
        return f"/{c.record_id}" in request.path
    if c.target_system == "quickbooks":
        return f'"bId": "{c.target_object}:{c.record_id}"' in (request.body or "")
    return f'"Id": "{c.record_id}"' in (request.body or "")


def killed_writeback(firm, tmp_path, point: str, system: str) -> subprocess.CompletedProcess:
    """The system's writeback in a process of its own that SIGKILLs itself at `point`."""
    env = {
        **os.environ,
        "TIEOUT_SANDBOX_DIR": str(firm.directory),
        "TIEOUT_SANDBOX_SIZE": "small",
        "TIEOUT_WAREHOUSE": str(firm.warehouse),
        "TIEOUT_HOME": str(tmp_path / "home"),
    }
    return subprocess.run(
        [sys.executable, "-m", "tests.corrections.killed_writeback", str(firm.warehouse), system, point],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_each_applied_exactly_once(firm, planned, start) -> None:
    """One successful write per correction at its target; every row applied, verified, audited once."""
    sent = [r for r in writes(firm.store, start) if r.status < 300]
    for c in planned:
        assert sum(1 for r in sent if mentions(r, c)) == 1, c.target
    rows_now = outbox(firm.warehouse)
    assert {r["state"] for r in rows_now.values()} == {"applied"}
    assert all(r["verified_at"] is not None for r in rows_now.values())
    with transaction(firm.warehouse) as connection:
        audited = rows(
            connection,
            "SELECT correction_id, count(*) AS n FROM corrections.audit_log "
            "WHERE action = 'applied' GROUP BY correction_id",
        )
    assert {r["correction_id"]: r["n"] for r in audited} == dict.fromkeys(rows_now, 1)


@pytest.mark.parametrize("point, system", [("after_vendor_call", "harvest"), ("after_sending", "quickbooks")])
def test_a_writeback_killed_by_sigkill_and_run_again_writes_each_correction_once(firm, tmp_path, point, system):
    planned = plan_and_record(firm)
    start = firm.store.last_request_n()
    crashed = killed_writeback(firm, tmp_path, point, system)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    assert len(writes(firm.store, start)) == (3 if point == "after_vendor_call" else 0)
    assert drain(firm.warehouse, firm.targets.by_system()).stopped == {}
    assert_each_applied_exactly_once(firm, planned, start)


class Killed(BaseException):
    """Stands in for SIGKILL in-process: nothing after the checkpoint runs."""


def test_a_writeback_dying_at_every_checkpoint_in_turn_still_writes_each_correction_once(firm):
    """Each run dies at the first point (of a system) where no run died yet, until one completes."""
    planned = plan_and_record(firm)
    start, died_at = firm.store.last_request_n(), []

    def checkpoint(name: str, system: str) -> None:
        if (name, system) not in died_at:
            died_at.append((name, system))
            raise Killed(name)

    for _ in range(20):
        try:
            drain(firm.warehouse, firm.targets.by_system(), checkpoint=checkpoint)
            break
        except Killed:
            continue
    assert sorted(died_at) == sorted((p, s) for p in CHECKPOINTS for s in ("salesforce", "quickbooks", "harvest"))
    assert_each_applied_exactly_once(firm, planned, start)
