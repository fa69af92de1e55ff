"""tieout's packages are layers that import downward only, so a lower layer can be read, tested and
changed without the ones above it: SQL and resources, then checks, then corrections and reports, then
the assets, the portal, and at the top the code location (Definitions, CLI, schedules, sensors).
Every import counts, those inside functions too: a lazy import hides a cycle, it does not remove it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Bottom to top; a package may import from its own layer and the ones below it.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"sql", "resources"}),
    frozenset({"checks"}),
    frozenset({"corrections", "reports"}),
    frozenset({"assets"}),
    frozenset({"portal"}),
    frozenset({"pipelines"}),
)
LAYER_OF = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
# This repository's top-level packages that are not production code. (The sandbox is a package of its
# own, packages/tieout-sandbox, which tests/test_sandbox_package.py keeps out of production code.)
NOT_PRODUCTION = {"tests", "benchmarks"}


def production_packages() -> set[str]:
    return {init.parent.name for init in REPO.glob("*/__init__.py")} - NOT_PRODUCTION


def production_modules() -> list[tuple[str, Path]]:
    modules = []
    for package in sorted(production_packages()):
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            modules.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return modules


def imported_modules(module: str, is_package: bool, tree: ast.AST) -> list[tuple[int, str]]:
    """Every module `tree` imports, anywhere in it, as (line, absolute dotted name)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package, up `level - 1` more
                base = module.split(".")[: len(module.split(".")) - node.level + is_package]
                found.append((node.lineno, ".".join([*base, *([node.module] if node.module else [])])))
            else:
                found.append((node.lineno, node.module or ""))
    return found


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """The imports of `module` that reach a higher layer or a package outside production, and any
    module-level `__getattr__` (the lazy attribute that hides an import cycle)."""
    tree = ast.parse(source)
    own = LAYER_OF[module.split(".")[0]]
    found = []
    for line, name in imported_modules(module, is_package, tree):
        package = name.split(".")[0]
        if package in LAYER_OF and LAYER_OF[package] > own:
            found.append(f"{module}:{line} imports {name} from a higher layer")
        elif package in NOT_PRODUCTION:
            found.append(f"{module}:{line} imports {name}, which is not production code")
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            found.append(f"{module}:{node.lineno} defines a module-level __getattr__")
    return found


def test_every_production_package_has_a_layer():
    assert production_packages() - set(LAYER_OF) == set(), "place the new package in LAYERS"
    assert set(LAYER_OF) <= production_packages(), "a layer names a package that is not there"


def test_no_module_imports_from_a_higher_layer():
    found = [
        violation
        for module, path in production_modules()
        for violation in violations(module, path.read_text(), is_package=path.name == "__init__.py")
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("checks.planted", "from assets.canonical import canonical_key\n"),
        ("corrections.planted", "def run():\n    from pipelines.resources import build_resources\n"),
        ("sql.planted", "import portal.app\n"),
        ("reports.planted", "from tests.conftest import REPO\n"),
        ("checks.canonical", "from ..assets import nightly\n"),
        ("assets.canonical", "def __getattr__(name):\n    raise AttributeError(name)\n"),
    ],
)
def test_a_planted_violation_is_caught(module, source):
    assert len(violations(module, source, is_package=module == "assets.canonical")) == 1


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("pipelines.cli", "from assets.extraction import extraction_assets\nimport sql\n"),
        ("checks.frame", "def typed():\n    from sql.tables import raw_table\n"),
        ("corrections.plan", "from reports import csv_files\n"),  # the same layer
        ("assets.canonical.checks", "from . import factory\nfrom .. import nightly\n"),
    ],
)
def test_a_downward_import_passes(module, source):
    assert violations(module, source) == []
