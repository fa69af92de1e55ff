"""The embedded default at run time: the sandbox firm's state plus its emulators (Salesforce, Harvest,
QuickBooks and Xero, which serves the legal entities a mixed firm puts on Xero; HubSpot when a business
unit keeps its customers there), started once per process and directory, on free loopback ports. A firm
with a legal entity on the on-premises ledger also has its database (`ledger.db`): no emulator, the
runtime hands out its SQLAlchemy URL."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from sandbox import ledger
from sandbox.emulators.base import Faults, RunningEmulator
from sandbox.store import SandboxStore

log = logging.getLogger("tieout.sandbox")

_running: dict[Path, SandboxRuntime] = {}
_lock = threading.Lock()


@dataclass
class SandboxRuntime:
    directory: Path
    store: SandboxStore
    emulators: dict[str, RunningEmulator]

    def base_url(self, system: str) -> str:
        """The emulator's address; for the ledger the `sqlite:///` URL of the firm's ledger database (a
        KeyError, as for an emulator the firm does not run, when no legal entity is on the ledger)."""
        if system == ledger.SYSTEM:
            return ledger.url(self._ledger_directory())
        return self.emulators[system].base_url

    def has_ledger(self) -> bool:
        """A legal entity of the firm keeps its books in the ledger (and its database is there)."""
        on_ledger = any(e.get("erp") == ledger.SYSTEM for e in self.legal_entities())
        return on_ledger and (self.directory / ledger.DATABASE).exists()

    def _ledger_directory(self) -> Path:
        if not self.has_ledger():
            raise KeyError(ledger.SYSTEM)
        return self.directory

    def credentials(self, system: str) -> dict:
        """What a deployment's settings would hold for the system: its long-lived token, its OAuth app
        with the refresh token it was connected with, the address of the emulated token endpoint and the
        token store for the refresh tokens issued since: in this directory, beside the state it belongs
        to, so that a copy of a sandbox is whole. The ledger needs none (a database file): `{}`."""
        if system == ledger.SYSTEM:
            self._ledger_directory()
            return {}
        running, stored = self.emulators[system], dict(self.store.meta("credentials")[system])
        connected_with, oauth = stored.pop("connected_with", None), running.emulator.oauth
        if oauth is None or connected_with is None:
            return stored
        return {
            **stored,
            "refresh_token": connected_with,
            "token_url": running.base_url + oauth.token_path,
            "token_store": str(self.directory / "tokens.json"),
        }

    def legal_entities(self) -> list[dict]:
        return self.store.meta("legal_entities")

    def faults(self, system: str) -> Faults:
        return self.emulators[system].emulator.faults


def ensure_sandbox(directory: str | Path, size: str = "demo") -> Path:
    """Build the sandbox firm in `directory` unless it is already there; return the state file."""
    from sandbox.firm import build_sandbox

    directory = Path(directory).resolve()
    state = directory / "state.db"
    if not state.exists():
        log.warning("no sandbox firm in %s: generating the %s firm (one-off)", directory, size)
        build_sandbox(directory, size=size)
    return state


def running_sandbox(directory: str | Path, size: str = "demo", ports: dict[str, int] | None = None) -> SandboxRuntime:
    """The sandbox's emulators for `directory`, started on first use and kept for the process, each on
    its port in `ports` (a free one when not given)."""
    from sandbox.emulators.harvest import HarvestEmulator
    from sandbox.emulators.hubspot import HubSpotEmulator
    from sandbox.emulators.quickbooks import QuickBooksEmulator
    from sandbox.emulators.salesforce import SalesforceEmulator
    from sandbox.emulators.xero import XeroEmulator

    directory = Path(directory).resolve()
    with _lock:
        if directory not in _running:
            store = SandboxStore(ensure_sandbox(directory, size))
            faults = os.environ.get("TIEOUT_SANDBOX_FAULTS")
            emulators = {
                cls.system: cls(store, faults=Faults.from_json(faults)).serve(port=(ports or {}).get(cls.system, 0))
                for cls in (SalesforceEmulator, HarvestEmulator, QuickBooksEmulator, XeroEmulator)
            }
            hubspot = store.meta("credentials").get("hubspot")  # a firm with a business unit on HubSpot
            if hubspot:
                emulators["hubspot"] = HubSpotEmulator(
                    store, hubspot["portal_id"], hubspot["access_token"], faults=Faults.from_json(faults)
                ).serve(port=(ports or {}).get("hubspot", 0))
            log.warning(
                "using the sandbox firm in %s: %s",
                directory,
                ", ".join(f"{name} at {e.base_url}" for name, e in emulators.items()),
            )
            _running[directory] = SandboxRuntime(directory, store, emulators)
        return _running[directory]


def stop_sandbox(directory: str | Path) -> None:
    runtime = _running.pop(Path(directory).resolve(), None)
    if runtime is not None:
        for emulator in runtime.emulators.values():
            emulator.close()
