"""The portal's configuration, as the portal uses it: users with roles and argon2 password hashes,
roles with their queues, where the reports, warehouse and audit log are. The file is
config/portal.yaml, validated by resources/settings/portal.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from resources.settings.environment import WarehouseSettings
from resources.settings.portal import PortalSettings

ALL = "all"


@dataclass(frozen=True)
class Role:
    name: str
    queues: frozenset[str]
    approve: bool = False
    sign_off: bool = False


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
    sessions: Path
    host: str = "127.0.0.1"
    port: int = 8765
    session_minutes: float = 30
    secure_cookies: bool = False
    allowed_origins: frozenset[str] = frozenset()
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    login_window_minutes: float = 15
    password_checks_at_once: int = 2


def load_config(path: str | Path | None = None) -> PortalConfig:
    """The configuration at `path`, else $TIEOUT_PORTAL_CONFIG, else config/portal.yaml; its empty
    paths are the defaults under $TIEOUT_HOME (the warehouse: $TIEOUT_WAREHOUSE's)."""
    settings, warehouse = PortalSettings.load(path), WarehouseSettings.load()
    audit_log = Path(settings.audit_log or warehouse.root / "portal" / "audit.jsonl")
    roles = {
        name: Role(name, frozenset(spec.queues), spec.approve, spec.sign_off) for name, spec in settings.roles.items()
    }
    return PortalConfig(
        users={
            name: User(name, roles[spec.role], spec.password_hash.get_secret_value())
            for name, spec in settings.users.items()
        },
        reports_dir=Path(settings.reports_dir or warehouse.root / "reports"),
        warehouse=Path(settings.warehouse or warehouse.database),
        audit_log=audit_log,
        sessions=Path(settings.sessions) if settings.sessions else audit_log.with_name("sessions.sqlite3"),
        host=settings.host,
        port=settings.port,
        session_minutes=settings.session_minutes,
        secure_cookies=settings.secure_cookies,
        allowed_origins=frozenset(settings.allowed_origins),
        login_failures_per_user=settings.login_failures_per_user,
        login_failures_per_address=settings.login_failures_per_address,
        login_window_minutes=settings.login_window_minutes,
        password_checks_at_once=settings.password_checks_at_once,
    )
