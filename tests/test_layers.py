"""The layer contract of DESIGN.md: imports point down only; only the TUI imports textual.

Static imports and late-bound ones (``importlib.import_module("workbench...")`` and module
names kept in strings for it) are both checked. An upward edge is allowed only late-bound and
only when declared once in LATE_BOUND with its reason.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"

# layer -> the workbench layers it may import. The bottom modules (``errors``: the error
# base; ``settings``: environment variables and the current user; ``display``: the sanitiser
# and value formatting) import nothing of ours, and anyone may import them.
BOTTOM = {"errors", "settings", "display", "png"}
ALLOWED = {
    "errors": set(),
    "settings": set(),
    "display": set(),
    "png": set(),  # a small PNG reader for drawing a card's images in a terminal
    "notebook": set(),  # notebook reprs: reads objects by attribute, imports display only
    "cardpage": set(),  # a card's document as HTML and terminal facts; imports display only
    "flow": set(),
    "store": set(),
    "compare": {"store"},
    "queries": {"store", "flow", "compare", "notebook"},
    "engine": {"queries", "flow", "store", "compare"},
    "client": {"queries", "store", "flow", "notebook", "cardpage"},
    "compat": {"client", "queries", "flow", "store", "cardpage"},
    "api": {"flow", "store", "compare", "engine", "client", "queries", "notebook"},
    "cli": {"flow", "store", "compare", "engine", "client", "queries", "display", "compat",
            "cardpage"},
    "tui": {"flow", "store", "compare", "engine", "client", "queries", "display", "compat",
            "cardpage"},
    "magics": {"api", "flow", "notebook"},
}
for _layer_name in ALLOWED:
    if _layer_name not in BOTTOM:
        ALLOWED[_layer_name] |= BOTTOM

# (from layer, to layer): why this upward edge exists. Late-bound only, each declared once.
LATE_BOUND = {
    ("flow", "cli"): "FlowSpec() in a script run as `python flow.py ...` hands the command "
                     "line to workbench's CLI (flow/spec.py)",
    ("flow", "compat"): "`from metaflow import Flow` inside a task resolves to Metaflow's "
                        "client over our store (flow/metaflow_api.py, metaflow_exception.py)",
    ("flow", "client"): "`current.run` and `current.task` are client objects (flow/current.py)",
    ("store", "compat"): "an artifact imported from Metaflow is fetched through Metaflow's "
                         "datastore classes on its first load (store/remote.py FETCHERS)",
    ("engine", "cli"): "a warm worker runs a `workbench spin` handed to it over its socket "
                       "with the CLI's own handler, so the output is the CLI's "
                       "(engine/worker.py, engine/handoff.py)",
    ("cli", "tui"): "`workbench FLOW.py` opens the app; no other command imports textual "
                    "(cli/app.py)",
}
_MODULE_STRING = re.compile(r"workbench(\.[a-z_]+)+")


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


def _late_bound(path: Path) -> set[str]:
    """Module names in string constants: what ``importlib.import_module`` gets handed."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = {node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and _MODULE_STRING.fullmatch(node.value)}
    # "workbench.tcss" is a file name, not a module: keep names of our packages/modules only
    return {m for m in found if (PACKAGE / m.split(".")[1]).is_dir()
            or (PACKAGE / f"{m.split('.')[1]}.py").is_file()}


def _files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _edges(modules: set[str], layer: str) -> set[str]:
    out = set()
    for module in modules:
        parts = module.split(".")
        if parts[0] != "workbench" or len(parts) < 2:
            continue
        target = parts[1]
        if target in ("__init__", "__version__") or target == layer:
            continue
        out.add(target)
    return out


def test_imports_point_down_only():
    problems, used = [], set()
    for path in _files():
        layer = _layer(path)
        if layer in ("", "__main__"):
            continue
        where = f"{path.relative_to(PACKAGE.parent)} ({layer})"
        for target in _edges(_imports(path), layer):
            if target not in ALLOWED[layer]:
                problems.append(f"{where} imports workbench.{target}")
        for target in _edges(_late_bound(path), layer):
            if target in ALLOWED[layer]:
                continue
            if (layer, target) in LATE_BOUND:
                used.add((layer, target))
            else:
                problems.append(f"{where} late-binds workbench.{target} (undeclared)")
    problems += [f"declared late-bound edge {edge} is not used: remove it"
                 for edge in set(LATE_BOUND) - used]
    assert not problems, "\n".join(problems)


def test_the_store_imports_nothing_else_of_workbench():
    code = ("import sys, workbench.store; print(sorted(m for m in sys.modules "
            "if m.startswith('workbench.') and not m.startswith('workbench.store')"
            " and m not in ('workbench.errors', 'workbench.settings')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", out


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
    assert "workbench.tui" in _late_bound(PACKAGE / "cli" / "app.py")
    assert any(m.startswith("textual") for p in (PACKAGE / "tui").rglob("*.py")
               for m in _imports(p))


def test_every_error_derives_from_the_one_base():
    from workbench.cli.app import UsageError
    from workbench.client import MetaflowNotFound
    from workbench.engine.errors import EngineInputError
    from workbench.errors import WorkbenchError
    from workbench.flow.errors import FlowError, GraphError, MetaflowException, ParameterError
    from workbench.queries.comparison import ComparisonError
    from workbench.store.errors import CorruptStoreError, StoreError

    for cls in (UsageError, MetaflowNotFound, EngineInputError, FlowError, GraphError,
                MetaflowException, ParameterError, ComparisonError, CorruptStoreError,
                StoreError):
        assert issubclass(cls, WorkbenchError), cls
        assert cls("x").exit_code == 2
    err = GraphError("no start step", "f.py", 3)
    assert (err.where, err.message, str(err)) == ("f.py:3", "no start step", "f.py:3: no start step")


def test_every_setting_is_read_in_one_module_and_listed_in_the_readme():
    import re as regex

    from workbench import settings

    readme = (PACKAGE.parent / "README.md").read_text()
    named = set()
    for path in _files():
        text = path.read_text()
        named |= set(regex.findall(r"WORKBENCH_[A-Z_]+[A-Z]", text))
        if path.name != "settings.py":  # nothing else reads the environment for them
            assert not regex.search(r"environ(\.get)?\(?\[?\s*[\"']WORKBENCH_", text), path
    assert named == set(settings.SETTINGS), named ^ set(settings.SETTINGS)
    for name in settings.SETTINGS:
        assert f"| `{name}` |" in readme, name
