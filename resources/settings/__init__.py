"""Every setting of tieout, one pydantic-settings model per concern (README, Settings): environment
variables for the warehouse, sources, schedules and alerts; YAML files for quality, reconciliation,
ownership and the portal. `validate_settings` refuses a bad one at start, naming it."""

from __future__ import annotations

from pathlib import Path

from resources.settings.base import ConfigFiles, SettingsError
from resources.settings.environment import AlertSettings, ScheduleSettings, SourcesSettings, WarehouseSettings
from resources.settings.ownership import OwnershipSettings
from resources.settings.portal import PortalSettings
from resources.settings.quality import QualitySettings
from resources.settings.reconciliation import ReconciliationSettings

CONCERNS = (
    WarehouseSettings,
    SourcesSettings,
    ScheduleSettings,
    AlertSettings,
    ConfigFiles,
    QualitySettings,
    ReconciliationSettings,
    OwnershipSettings,
    PortalSettings,
)

__all__ = ["SettingsError", "home", "validate_settings"]


def validate_settings() -> None:
    """Load every concern; any bad setting raises one `SettingsError` naming each."""
    problems = []
    for concern in CONCERNS:
        try:
            concern.load()
        except SettingsError as problem:
            problems.append(str(problem))
    if problems:
        raise SettingsError("\n".join(problems))


def home() -> Path:
    """Where the embedded default keeps its warehouse, sandbox and Dagster storage."""
    return WarehouseSettings.load().root
