"""The portal's configuration (config/portal.yaml): users with roles and argon2 password hashes,
roles with their queues, where the reports, warehouse and audit log are."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from resources.settings import home

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "config" / "portal.yaml"
ALL = "all"
QUEUES = ("finance", "pmo", "sales_ops")


@dataclass(frozen=True)
class Role:
    name: str
    queues: frozenset[str]
    approve: bool = False


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str = field(repr=False)


@dataclass(frozen=True)
class PortalConfig:
    users: dict[str, User]
    reports_dir: Path
    warehouse: Path
    audit_log: Path
    host: str = "127.0.0.1"
    port: int = 8765
    session_minutes: float = 30
    secure_cookies: bool = False


def load_config(path: str | Path | None = None) -> PortalConfig:
    """The configuration at `path`, else $TIEOUT_PORTAL_CONFIG, else config/portal.yaml."""
    path = Path(path or os.environ.get("TIEOUT_PORTAL_CONFIG") or DEFAULT_FILE)
    values = yaml.safe_load(path.read_text()) or {}
    known = {
        "host",
        "port",
        "session_minutes",
        "secure_cookies",
        "reports_dir",
        "warehouse",
        "audit_log",
        "roles",
        "users",
    }
    if set(values) - known:
        raise ValueError(f"{path}: unknown portal settings {sorted(set(values) - known)}")
    roles = {}
    for name, spec in (values.get("roles") or {}).items():
        unknown = set(spec.get("queues", [])) - {ALL, *QUEUES}
        if unknown:
            raise ValueError(f"{path}: role {name} names unknown queues {sorted(unknown)}")
        roles[name] = Role(name, frozenset(spec.get("queues", [])), bool(spec.get("approve", False)))
    users = {}
    for name, spec in (values.get("users") or {}).items():
        if spec.get("role") not in roles:
            raise ValueError(f"{path}: user {name} has unknown role {spec.get('role')!r}")
        if not str(spec.get("password_hash", "")).startswith("$argon2"):
            raise ValueError(f"{path}: user {name} needs an argon2 password_hash (tieout portal hash-password)")
        users[name] = User(name, roles[spec["role"]], spec["password_hash"])
    warehouse = values.get("warehouse") or os.environ.get("TIEOUT_WAREHOUSE") or home() / "warehouse.duckdb"
    return PortalConfig(
        users=users,
        reports_dir=Path(values.get("reports_dir") or home() / "reports"),
        warehouse=Path(warehouse),
        audit_log=Path(values.get("audit_log") or home() / "portal" / "audit.jsonl"),
        host=str(values.get("host", "127.0.0.1")),
        port=int(values.get("port", 8765)),
        session_minutes=float(values.get("session_minutes", 30)),
        secure_cookies=bool(values.get("secure_cookies", False)),
    )
