"""The sandbox is its own package: production code never imports it, and the embedded default reaches it
through the TIEOUT_EMBEDDED_SOURCES setting, with an error naming that setting when it cannot."""

import ast
import sys
import tomllib
from pathlib import Path

import dagster
import pytest

from pipelines.resources import build_resources
from resources.sandbox import EMBEDDED_SOURCES, SandboxResource, embedded_sources
from resources.settings.environment import SOURCE_CREDENTIALS

REPO = Path(__file__).resolve().parents[1]


def production_packages() -> list[str]:
    """What the production install ships: pyproject's package list."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    return [pattern.rstrip("*") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]


def sandbox_imports(path: Path) -> list[str]:
    """Every import of the sandbox in a module, at the top or inside a function, as `line: module`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {module}" for module in modules if module.split(".")[0] == "sandbox"]
    return found


def test_no_production_module_imports_the_sandbox():
    packages = production_packages()
    assert "sandbox" not in packages and {"pipelines", "resources", "corrections"} <= set(packages)
    modules = [path for package in packages for path in sorted((REPO / package).rglob("*.py"))]
    assert len(modules) > 50
    offenders = {str(path.relative_to(REPO)): found for path in modules if (found := sandbox_imports(path))}
    assert offenders == {}


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import os\n\ndef serve():\n    from sandbox.runtime import running_sandbox\n    import sandbox\n"
    )
    assert sandbox_imports(module) == ["4: sandbox.runtime", "5: sandbox"]


class StubSources:
    """Stands in for the sandbox's running emulators."""

    def __init__(self, directory: str, size: str):
        self.size = size

    def base_url(self, system: str) -> str:
        return f"http://{system}.stub.invalid"

    def credentials(self, system: str) -> dict:
        return {"access_token": f"{self.size}-token"}

    def legal_entities(self) -> list[dict]:
        return []


@pytest.fixture
def no_source_configured(monkeypatch, tmp_path):
    for url in SOURCE_CREDENTIALS:
        monkeypatch.delenv(url, raising=False)
    monkeypatch.setenv("TIEOUT_SANDBOX_DIR", str(tmp_path / "sandbox"))
    monkeypatch.setenv("TIEOUT_SANDBOX_SIZE", "small")


def configured_sandbox() -> SandboxResource:
    """The sandbox resource as the code location configures it, its settings read as in a run."""
    with dagster.build_resources({"sandbox": build_resources()["harvest"].sandbox}) as resources:
        return resources.sandbox


def test_the_embedded_default_is_the_sandbox_package_unless_the_setting_names_another(no_source_configured):
    from sandbox.runtime import running_sandbox

    assert configured_sandbox().embedded_sources == EMBEDDED_SOURCES
    assert embedded_sources(EMBEDDED_SOURCES) is running_sandbox


def test_a_source_without_url_is_served_by_what_the_setting_names(no_source_configured, monkeypatch):
    monkeypatch.setenv("TIEOUT_EMBEDDED_SOURCES", f"{__name__}:StubSources")
    sandbox = configured_sandbox()
    assert sandbox.resolve("harvest", "") == ("http://harvest.stub.invalid", {"access_token": "small-token"})
    configured = sandbox.resolve("harvest", "https://api.harvestapp.com", access_token="real")
    assert configured == ("https://api.harvestapp.com", {"access_token": "real"})


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("tieout_no_such_sandbox.runtime:running_sandbox", "No module named 'tieout_no_such_sandbox'"),
        ("sandbox.runtime:no_such_thing", "has no attribute 'no_such_thing'"),
        ("not a reference", "invalid format"),
    ],
)
def test_an_unloadable_setting_is_an_error_naming_it(reference, why):
    with pytest.raises(ValueError, match="TIEOUT_EMBEDDED_SOURCES") as error:
        SandboxResource(embedded_sources=reference).resolve("harvest", "")
    assert why in str(error.value)


def test_without_the_sandbox_installed_a_configured_source_still_works(monkeypatch):
    """As in the production image: the sandbox cannot be imported."""
    for module in [name for name in sys.modules if name == "sandbox" or name.startswith("sandbox.")]:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, "sandbox", None)
    sandbox = SandboxResource()
    assert (
        sandbox.resolve("harvest", "https://api.harvestapp.com", access_token="real")[0] == "https://api.harvestapp.com"
    )
    with pytest.raises(ValueError, match="TIEOUT_EMBEDDED_SOURCES='sandbox.runtime:running_sandbox' cannot be"):
        sandbox.resolve("harvest", "")
