"""Layer rule and lazy imports: compare imports nothing of ours but the store, never
textual, and pandas/numpy only once one of their objects is diffed."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import workbench.compare

PKG = Path(workbench.compare.__file__).parent
EAGER_OK = {"arrays.py", "frames.py"}  # imported only after a numpy/pandas object was seen


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level) for every import in a file."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, id(node) in top))
    return out


def test_imports_follow_the_layer_rule():
    for path in PKG.glob("*.py"):
        for module, at_top in _imports(path):
            root = module.split(".")[0]
            assert root != "textual", path
            if root == "workbench":
                assert module.startswith(("workbench.compare", "workbench.store")), (path, module)
            if root in ("pandas", "numpy") and at_top:
                assert path.name in EAGER_OK, (path, module)


def test_plain_diffs_do_not_import_pandas_or_numpy():
    code = (
        "import sys\n"
        "sys.modules['pandas'] = None\n"  # any import of them would now fail
        "sys.modules['numpy'] = None\n"
        "from workbench.compare import diff_values, diff_artifacts, ArtifactRef\n"
        "for a, b in [(1, 2), ('a', 'b'), ([1], [2]), ({1}, {2}), ({'a': 1}, {'a': 2}), (None, 1), (object(), object())]:\n"
        "    diff_values(a, b).to_json()\n"
        "diff_artifacts([ArtifactRef('x', 'k1')], [ArtifactRef('x', 'k2')], lambda n: 1, lambda n: 2)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
