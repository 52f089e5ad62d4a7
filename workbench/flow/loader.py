"""Load a flow file: static graph first, then execute it as a fresh module.

The module is registered in ``sys.modules`` under a name derived from the file's
absolute path (``_workbench_flow_<sha1[:12]>``): classes defined in the flow file
then pickle by reference, keep their identity across forked tasks, and resolve to
the current code of the same file in a later process once it is loaded again.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from . import metaflow_api
from .errors import FlowError, FlowLoadError, UnsupportedMetaflowName
from .graph import FlowGraph, parse_graph

def _alias_modules() -> dict[str, ModuleType]:
    """``metaflow`` and the submodules workbench provides, as sys.modules entries."""
    from importlib import import_module

    modules = {"metaflow": metaflow_api}
    for sub, target in metaflow_api.SUBMODULES.items():
        modules[f"metaflow.{sub}"] = import_module(target)
    return modules


class MetaflowAlias:
    """Keeps ``sys.modules["metaflow"]`` pointing at workbench's authoring API.

    Installed on creation, with ``metaflow.exception`` and ``metaflow.client``; any other
    ``metaflow.*`` module already imported (a real Metaflow installed next to workbench) is
    hidden meanwhile, so a flow never mixes the two. ``restore()`` (or leaving the ``with``
    block) puts back whatever was there before, a real metaflow included.
    """

    def __init__(self) -> None:
        self._saved = {name: module for name, module in sys.modules.items()
                       if name == "metaflow" or name.startswith("metaflow.")}
        for name in self._saved:
            del sys.modules[name]
        self._installed = _alias_modules()
        sys.modules.update(self._installed)
        self._active = True

    def restore(self) -> None:
        if not self._active:
            return
        self._active = False
        for name, module in self._installed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        for name, module in self._saved.items():
            sys.modules.setdefault(name, module)

    def __enter__(self) -> "MetaflowAlias":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.restore()


def install_metaflow_alias() -> MetaflowAlias:
    """Point ``import metaflow`` at workbench's API now.

    Use as ``with install_metaflow_alias(): ...`` or keep the returned object and
    call ``.restore()``; a runtime may simply call it once and never restore.
    """
    return MetaflowAlias()


@dataclass
class LoadedFlow:
    """A flow file loaded and executed."""

    graph: FlowGraph
    module: ModuleType
    flow_cls: type
    file: Path          # absolute
    name: str           # flow class name
    source: str = ""    # the file's text as it was loaded


def module_name_for(path: str | Path) -> str:
    """The ``sys.modules`` name a flow file is loaded under."""
    resolved = str(Path(path).resolve())
    return "_workbench_flow_" + hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:12]


def _line_in_file(exc: BaseException, filename: str) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    if line is None and isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    return line


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _put_on_sys_path(directory: str) -> None:
    if sys.path and sys.path[0] == directory:
        return
    while directory in sys.path:
        sys.path.remove(directory)
    sys.path.insert(0, directory)


def load_flow(path: str | Path, flow_name: str | None = None) -> LoadedFlow:
    """Parse, validate and execute the flow file ``path``.

    Every failure is a ``FlowLoadError`` (or ``GraphError``) with one line naming
    the file and, when known, the line.
    """
    display = str(path)
    path = Path(path)
    if not path.exists():
        raise FlowLoadError("no such file", display)
    if path.is_dir():
        raise FlowLoadError("is a directory, not a flow file", display)
    if path.suffix != ".py":
        raise FlowLoadError("not a Python file (a flow is a .py file)", display)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowLoadError(f"cannot read the file: {exc}", display) from None

    graph = parse_graph(path, flow_name, source=source)
    resolved = path.resolve()
    filename = str(resolved)
    name = module_name_for(resolved)
    code = compile(source, filename, "exec", dont_inherit=True)

    spec = importlib.util.spec_from_file_location(name, filename)
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    _put_on_sys_path(str(resolved.parent))

    def fail(message: str, exc: BaseException, cls: type = FlowLoadError) -> FlowError:
        if previous is not None:
            sys.modules[name] = previous
        else:
            sys.modules.pop(name, None)
        return cls(message, display, _line_in_file(exc, filename))

    with install_metaflow_alias():
        try:
            exec(code, module.__dict__)
        except UnsupportedMetaflowName as exc:
            raise fail(exc.message, exc, UnsupportedMetaflowName) from None
        except SystemExit as exc:
            raise fail(f"the flow module called sys.exit({exc.code!r}) while being imported",
                       exc) from None
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("metaflow."):
                raise fail(f"metaflow module '{exc.name}' is not provided by workbench",
                           exc) from None
            raise fail(f"error while importing the flow: {_one_line(exc)}", exc) from None
        except Exception as exc:
            raise fail(f"error while importing the flow: {_one_line(exc)}", exc) from None

    flow_cls = module.__dict__.get(graph.name)
    if not isinstance(flow_cls, type):
        sys.modules.pop(name, None)
        raise FlowLoadError(f"flow class '{graph.name}' not found after importing the file",
                            display, graph.lineno)
    from .spec import FlowSpec
    if not issubclass(flow_cls, FlowSpec):
        sys.modules.pop(name, None)
        raise FlowLoadError(f"class '{graph.name}' is not a FlowSpec subclass after import "
                            "(FlowSpec must come from metaflow or workbench)",
                            display, graph.lineno)
    for node in graph:
        if not getattr(getattr(flow_cls, node.name, None), "is_step", False):
            sys.modules.pop(name, None)
            raise FlowLoadError(f"step '{node.name}' is not a @step method after import",
                                display, node.lineno)
    return LoadedFlow(graph=graph, module=module, flow_cls=flow_cls, file=resolved,
                      name=graph.name, source=source)


SHIM = '''"""Written by workbench: lets a fresh interpreter (a multiprocessing worker started with
spawn or forkserver inside a step) import the flow file under the module name it was
loaded as, so functions and classes of the flow unpickle there."""
from workbench.flow.loader import exec_flow_into

exec_flow_into(globals(), {path!r})
'''


def exec_flow_into(namespace: dict[str, Any], path: str) -> None:
    """Execute the flow file ``path`` in ``namespace`` (a shim module's globals), with
    ``import metaflow`` resolved to workbench and the file's folder on ``sys.path``."""
    resolved = Path(path)
    _put_on_sys_path(str(resolved.parent))
    namespace["__file__"] = str(resolved)
    code = compile(resolved.read_text(encoding="utf-8"), str(resolved), "exec",
                   dont_inherit=True)
    install_metaflow_alias()  # this interpreter only ever runs the flow's code
    exec(code, namespace)


def write_import_shim(directory: str | Path, flow_file: str | Path) -> Path:
    """Write ``<directory>/<module name>.py`` that imports ``flow_file`` under the name
    ``load_flow`` gives it; put ``directory`` on ``PYTHONPATH`` for child interpreters."""
    resolved = Path(flow_file).resolve()
    target = Path(directory) / f"{module_name_for(resolved)}.py"
    text = SHIM.format(path=str(resolved))
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        Path(directory).mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    return target


__all__ = ["load_flow", "LoadedFlow", "install_metaflow_alias", "MetaflowAlias",
           "module_name_for", "exec_flow_into", "write_import_shim"]
