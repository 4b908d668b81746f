"""The layout is the architecture: these tests keep each layer to what it may import.

- only workflows/ imports SpiffWorkflow (the rest of regflow sees regflow's own small objects);
- store/, handlers/ and workflows/ never import the CLI or the services above them;
- handlers/ (what information systems answer) never touch the database.

Imports are read from each module's syntax tree, function-level imports included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE_DIRS = ("services", "store", "handlers", "workflows", "i18n")


def _modules() -> list[Path]:
    found = sorted(ROOT.glob("*.py"))  # cli.py, errors.py, clock.py, settings.py, __init__.py
    for folder in PACKAGE_DIRS:
        found += sorted((ROOT / folder).rglob("*.py"))
    return [p for p in found if "migrations" not in p.parts]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer(path: Path) -> str:
    relative = path.relative_to(ROOT)
    return relative.parts[0] if len(relative.parts) > 1 else relative.name


MODULES = _modules()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_what_its_layer_may(path: Path) -> None:
    layer = _layer(path)
    imported = _imports(path)
    spiff = sorted(n for n in imported if n.split(".")[0] == "SpiffWorkflow")
    if layer != "workflows":
        assert not spiff, f"{layer} imports SpiffWorkflow ({spiff}): only workflows/ may"
    if layer in ("store", "handlers", "workflows"):
        upward = sorted(
            n for n in imported if n == "regflow.cli" or n.startswith("regflow.services")
        )
        assert not upward, f"{layer} imports {upward}: lower layers never import those above"
    if layer == "handlers":
        database = sorted(n for n in imported if n.startswith(("regflow.store", "sqlalchemy")))
        assert not database, f"handlers import {database}: a handler never touches the store"


def test_the_layering_check_sees_every_package_module() -> None:
    # a module the check misses is a module the rules do not hold for
    assert {p.name for p in MODULES} >= {"engine.py", "records.py", "registry.py", "cli.py"}
    assert len(MODULES) > 60
