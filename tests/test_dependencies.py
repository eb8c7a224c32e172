"""The package declares what it imports (issue 15): every third-party module imported
anywhere in src/storytrace is a dependency in pyproject.toml, core or an extra."""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "storytrace"

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")


def _normal(name: str) -> str:
    """PEP 503 normal form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normal(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1))


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {_requirement_name(r) for r in project["dependencies"]}
    extras = {name: {_requirement_name(r) for r in reqs}
              for name, reqs in project.get("optional-dependencies", {}).items()}
    return core, extras


def _imports() -> dict[str, set[tuple[str, bool]]]:
    """Top-level third-party module -> {(file, imported at module level)}."""
    found: dict[str, set[tuple[str, bool]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "storytrace":
                    continue
                found.setdefault(top, set()).add((path.relative_to(PACKAGE).as_posix(), id(node) in top_level))
    return found


def _distributions(module: str) -> set[str]:
    """Distributions that provide `module` (installed ones know; else the import name)."""
    known = packages_distributions().get(module)
    return {_normal(d) for d in known} if known else {_normal(module)}


def test_every_imported_package_is_declared():
    core, extras = _declared()
    declared = core.union(*extras.values())
    imports = _imports()
    assert {"numpy", "scipy", "lxml"} <= set(imports)        # the walk does see the package's imports
    missing = {module: sorted(f for f, _ in files) for module, files in imports.items()
               if not _distributions(module) & declared}
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_packages_of_extras_are_imported_only_where_that_extra_is_used():
    """A core install must import: modules only an extra provides (PySpark, pandas,
    sentence-transformers) are imported inside functions, or at module level only in the
    Spark engine's own modules, which only `--engine spark` loads."""
    core, extras = _declared()
    optional = set().union(*extras.values()) - core
    wrong = sorted((module, f) for module, files in _imports().items()
                   if _distributions(module) <= optional
                   for f, module_level in files if module_level and not f.startswith("engines/spark"))
    assert not wrong, f"extra-only packages imported at module level outside the Spark engine: {wrong}"


def test_declared_names_are_real_requirements():
    core, extras = _declared()
    assert "scipy" in core and "lxml" in core
    assert "pyspark" in extras["spark"] and "sentence-transformers" in extras["sentence-transformers"]
