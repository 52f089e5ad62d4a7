"""The layer contract of DESIGN.md: imports point down only; only the TUI imports textual."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"

# layer -> the workbench layers it may import
ALLOWED = {
    "flow": set(),
    "store": set(),
    "compare": {"store"},
    "engine": {"flow", "store", "compare"},
    "client": {"store", "flow"},
    "compat": {"client", "flow", "store"},
    "api": {"flow", "store", "compare", "engine", "client"},
    "cli": {"flow", "store", "compare", "engine", "client"},
    "tui": {"flow", "store", "compare", "engine", "client", "cli"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.stem != "__init__" else ""


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(("workbench",) + path.relative_to(PACKAGE).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    found.update(f"{module}.{alias.name}" for alias in node.names)
                else:
                    found.add(module)
            else:
                found.add(node.module or "")
    return found


def _files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def test_imports_point_down_only():
    problems = []
    for path in _files():
        layer = _layer(path)
        if layer in ("", "__main__"):
            continue
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] != "workbench" or len(parts) < 2:
                continue
            target = parts[1]
            if target in ("__init__", "__version__") or target == layer:
                continue
            if target not in ALLOWED[layer]:
                problems.append(f"{path.relative_to(PACKAGE.parent)} ({layer}) imports {module}")
    assert not problems, "\n".join(problems)


def test_only_the_tui_imports_textual():
    offenders = [
        str(path.relative_to(PACKAGE.parent)) for path in _files()
        if _layer(path) != "tui" and any(m.split(".")[0] == "textual" for m in _imports(path))
    ]
    assert not offenders, offenders


def test_the_import_scan_sees_relative_and_absolute_imports():
    """Guards the two tests above against a scanner that finds nothing."""
    engine_api = _imports(PACKAGE / "engine" / "api.py")
    assert {"workbench.flow", "workbench.store"} <= engine_api
    assert any(m.startswith("textual") for p in (PACKAGE / "tui").rglob("*.py")
               for m in _imports(p))
