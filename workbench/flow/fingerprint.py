"""A step's code fingerprint: its own code and all the code of the user's that it can reach.

Read statically from the flow file's AST, like the graph:

- the step function (decorators included), normalised: no docstring, no comments, no
  positions, so reformatting or editing a comment changes nothing;
- every module-level function, class and constant of the flow file the step refers to by
  name, and what those refer to in turn (transitively), normalised the same way;
- every method of the flow class the step calls on ``self`` that is not a step;
- a content hash of each of the user's own modules the flow file imports from beside it
  (``helpers.py`` or a ``helpers/`` package next to the flow file), never site-packages.

Editing a helper function therefore changes the fingerprint of exactly the steps that call
it; editing a comment changes none.
"""
from __future__ import annotations

import ast
import copy
import hashlib
from pathlib import Path
from typing import Iterable

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _normalised(node: ast.AST) -> str:
    """The node's AST without positions or docstrings (of it and anything nested)."""
    node = copy.deepcopy(node)
    for sub in ast.walk(node):
        body = getattr(sub, "body", None)
        if isinstance(sub, _DEFS) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            sub.body = body[1:] or [ast.Pass()]
    return ast.dump(node, include_attributes=False)


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _self_attributes(node: ast.AST) -> set[str]:
    """``x`` for every ``self.x`` in ``node``."""
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"}


class _Module:
    """The flow file's module-level names: definitions, constants and imports."""

    def __init__(self, tree: ast.Module, directory: Path) -> None:
        self.directory = directory
        self.defs: dict[str, ast.AST] = {}
        self.imports: dict[str, str] = {}  # local name -> module it comes from
        for stmt in tree.body:
            if isinstance(stmt, _DEFS):
                self.defs[stmt.name] = stmt
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for name in _names_used(target):
                        self.defs[name] = stmt
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.imports[local] = alias.name if alias.asname else local
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                for alias in stmt.names:
                    self.imports[alias.asname or alias.name] = stmt.module
        self._module_hashes: dict[str, str | None] = {}

    def local_module_hash(self, module: str) -> str | None:
        """A content hash of ``module`` when it is the user's own (a file or package beside
        the flow file); None for anything else (the standard library, site-packages)."""
        if module not in self._module_hashes:
            self._module_hashes[module] = _hash_local(self.directory, module)
        return self._module_hashes[module]


def _hash_local(directory: Path, module: str) -> str | None:
    top = module.split(".")[0]
    file = directory / f"{top}.py"
    package = directory / top
    if file.is_file():
        files = [file]
    elif (package / "__init__.py").is_file():
        files = sorted(package.rglob("*.py"))
    else:
        return None
    digest = hashlib.sha256()
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def fingerprints(tree: ast.Module, flow_class: ast.ClassDef, methods: dict[str, ast.AST],
                 steps: Iterable[str], file: Path) -> dict[str, str]:
    """Each step's fingerprint (``methods``: the flow class's members, base classes' too)."""
    module = _Module(tree, file.resolve().parent)
    step_names = set(steps)
    out = {}
    for step in step_names:
        parts: set[str] = set()
        seen: set[str] = set()
        frontier: list[ast.AST] = [methods[step]]
        own = _normalised(methods[step])
        while frontier:
            node = frontier.pop()
            for attr in _self_attributes(node):
                helper = methods.get(attr)
                key = f"self.{attr}"
                if helper is not None and attr not in step_names and key not in seen \
                        and isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    seen.add(key)
                    parts.add(f"{key}={_normalised(helper)}")
                    frontier.append(helper)
            for name in _names_used(node):
                if name in seen:
                    continue
                seen.add(name)
                if name in module.defs and module.defs[name] is not flow_class:
                    definition = module.defs[name]
                    parts.add(f"{name}={_normalised(definition)}")
                    frontier.append(definition)
                elif name in module.imports:
                    digest = module.local_module_hash(module.imports[name])
                    if digest is not None:
                        parts.add(f"module {module.imports[name]}={digest}")
        digest = hashlib.sha256(own.encode("utf-8"))
        for part in sorted(parts):
            digest.update(b"\0" + part.encode("utf-8"))
        out[step] = digest.hexdigest()
    return out
