"""The code location loads as `dagster dev` and the production image load it, and defines what the
project says it does. The expectations come from elsewhere than the definitions: the source contracts
(raw and valid assets), the canonical contracts (canonical assets), and the README (the reconciliation,
correction and report assets, the jobs, schedules and sensors), so a stage lost from the definitions
or missing from the README fails here."""

import importlib
import re
import tomllib

import pytest
import yaml
from dagster import AssetKey, Definitions

from checks import CONTRACTS
from checks.canonical import MODELS
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
# README, Contracts and quarantine: the three checks of each valid asset.
VALIDATION_CHECKS = ("quarantine_share", "contract", "schema_drift")
IMPLICIT_ASSET_JOB = "__ASSET_JOB"  # Dagster's own job over every asset, not one of the project's


def code_location_module() -> str:
    """The module named by workspace.yaml (`dagster dev`) and by pyproject.toml (`dagster`, the image)."""
    (target,) = yaml.safe_load((REPO / "workspace.yaml").read_text())["load_from"]
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["dagster"]
    assert target["python_module"] == {
        "module_name": project["module_name"],
        "location_name": project["code_location_name"],
    }
    return project["module_name"]


def documented(kind: str) -> set[str]:
    """The names the README's Dagster UI section lists after `Jobs:`, `Schedules:` or `Sensors:`."""
    (sentence,) = re.findall(rf"\b{kind}: ([^.]*)\.", README)
    return set(re.findall(r"`([a-z_]+)`", sentence))


def source_key(stage: str, system: str, object_name: str) -> AssetKey:
    """`raw/<system>/<object>` and `valid/<system>/<object>`, the object named in lower case like its table."""
    return AssetKey([stage, system, object_name.lower()])


def documented_assets(stage: str) -> set[AssetKey]:
    return {AssetKey([stage, name]) for name in re.findall(rf"`{stage}/([a-z_]+)`", README)}


@pytest.fixture(scope="module")
def defs() -> Definitions:
    module = importlib.import_module(code_location_module())
    (found,) = [value for value in vars(module).values() if isinstance(value, Definitions)]
    Definitions.validate_loadable(found)
    return found


def test_every_stage_has_its_assets(defs):
    expected = {
        *(source_key(stage, *source) for source in CONTRACTS for stage in ("raw", "valid")),
        *(AssetKey(["canonical", name]) for name in MODELS),
        *documented_assets("recon"),
        *documented_assets("corrections"),
        *documented_assets("reports"),
        *documented_assets("warehouse"),
    }
    stages = ("recon", "corrections", "reports", "warehouse")
    assert all(documented_assets(stage) for stage in stages)
    assert set(defs.resolve_all_asset_keys()) == expected


def test_every_contract_is_checked_beside_its_asset(defs):
    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key, key.name) for key in graph.asset_check_keys}
    expected = {
        *((source_key("valid", *source), name) for source in CONTRACTS for name in VALIDATION_CHECKS),
        *((AssetKey(["canonical", name]), "contract_holds") for name in MODELS),
        (AssetKey(["recon", "entity_coverage"]), "every_entity_reconciled"),  # README, Extraction
    }
    assert expected <= checks
    assert {asset_key for asset_key, _ in checks} <= set(graph.get_all_asset_keys()), "a check guards no asset"


def test_every_documented_job_schedule_and_sensor_resolves(defs):
    jobs = {job.name for job in defs.resolve_all_job_defs()} - {IMPLICIT_ASSET_JOB}
    assert jobs == documented("Jobs")
    assert {schedule.name for schedule in defs.schedules or []} == documented("Schedules")
    assert {sensor.name for sensor in defs.sensors or []} == documented("Sensors")
    for name in documented("Schedules"):
        assert defs.resolve_schedule_def(name).job_name in jobs
    for name in documented("Sensors"):
        defs.resolve_sensor_def(name)
