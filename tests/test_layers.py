"""The import order of the ``aura`` package, walked from its source.

Layers, from the top: cli → app → api → resolvers → realtime → schema → engine → db →
auth → ai → config (DESIGN.md, Layout). A module may import its own layer and the layers
below it, never one above, and no chain of imports may lead back to where it started:
a file that needs something from a higher layer is in the wrong layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aura"

# Each module of the package, by its dotted name's first part below ``aura``.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("app", "ide", "middleware", "observe"),
    ("api", "domains"),
    ("resolvers",),
    ("realtime",),
    ("schema",),
    ("engine",),
    ("db",),
    ("auth",),
    ("ai",),
    (
        "config",
        "errors",
        "inflection",
        "runtime",
        "metrics",
        "logging_setup",
        "tracing",
        "__init__",
    ),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _module_name(path: Path) -> str:
    parts = ("aura", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """The ``aura`` modules a file imports, wherever in the file (functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "aura")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "aura":
                continue
            for alias in node.names:
                # ``from aura.db import session`` imports the module aura.db.session.
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {m for m in found if m != name}


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: _imports(path, name) for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else "__init__"
    if part not in RANK:
        raise AssertionError(f"{module} is in no layer: add its folder to LAYERS")
    return RANK[part]


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_imports_point_down() -> None:
    upward = sorted(
        f"{module} imports {target} ({LAYERS[layer_of(target)][0]} is above "
        f"{LAYERS[layer_of(module)][0]})"
        for module, targets in GRAPH.items()
        for target in targets
        if target in MODULES and layer_of(target) < layer_of(module)
    )
    assert not upward, "\n".join(upward)


def _cycle() -> list[str] | None:
    """One import cycle among the package's modules, if there is any."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH.get(module, ())):
            if target not in MODULES:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(MODULES):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycles() -> None:
    cycle = _cycle()
    assert cycle is None, " → ".join(cycle or [])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from aura.api import build_schema", False),
        ("from aura.config import Settings", True),
    ],
)
def test_the_check_sees_an_upward_import(source: str, expected: bool, tmp_path: Path) -> None:
    """A db module importing the api would be reported (the check itself can fail)."""
    file = tmp_path / "probe.py"
    file.write_text(source)
    targets = _imports(file, "aura.db.probe")
    assert all(layer_of(t) >= layer_of("aura.db.probe") for t in targets) is expected
