"""The loop inside IPython and Jupyter: ``%load_ext workbench``, then

    %wb_flow FLOW.py                 the flow the other magics act on (default: the only flow
                                     file in the working directory)
    %wb_run [--param NAME=VALUE]...  run it
    %wb_spin STEP [--index N] [--set NAME=VALUE]... [--against N]
    %wb_resume STEP [--run N]

Each runs in the flow's warm engine worker (``workbench.run``/``spin``/``resume``) and returns
the result, which Jupyter shows as HTML (a spin: its typed diff, details folded) and a terminal
IPython as text.
"""
from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from . import api
from .flow import FlowError, parse_graph


class MagicError(Exception):
    """A magic's bad input: shown as one line, no traceback."""


def _flow_files(where: Path) -> list[Path]:
    """The ``.py`` files of ``where`` that define a flow."""
    found = []
    for path in sorted(where.glob("*.py")):
        try:
            parse_graph(path)
        except (FlowError, SyntaxError, OSError, UnicodeDecodeError):
            continue
        found.append(path)
    return found


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # no SystemExit inside a kernel
        raise MagicError(f"{self.prog}: {message}")


def _parser(prog: str) -> _Parser:
    return _Parser(prog=prog, add_help=False)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise MagicError(f"{what} {item!r}: expected NAME=VALUE")
        out[name] = value
    return out


class WorkbenchMagics:
    """The magics' state (the current flow) and their bodies; registered by
    :func:`load_ipython_extension`."""

    def __init__(self, shell: Any = None) -> None:
        self.shell = shell
        self.flow: Path | None = None

    def current_flow(self) -> Path:
        if self.flow is not None:
            return self.flow
        found = _flow_files(Path.cwd())
        if len(found) != 1:
            where = ", ".join(p.name for p in found) or "none"
            raise MagicError(f"%wb_flow FLOW.py: say which flow (flow files here: {where})")
        self.flow = found[0].resolve()
        return self.flow

    def wb_flow(self, line: str) -> str:
        words = shlex.split(line)
        if not words:
            return str(self.current_flow())
        path = Path(words[0]).expanduser().resolve()
        if not path.is_file():
            raise MagicError(f"{words[0]}: no such flow file")
        parse_graph(path)  # a file that is not a valid flow: its one line
        self.flow = path
        return str(path)

    def wb_run(self, line: str) -> Any:
        parser = _parser("%wb_run")
        parser.add_argument("--param", action="append", default=[])
        args = parser.parse_args(shlex.split(line))
        return api.run(self.current_flow(), _pairs(args.param, "--param"))

    def wb_spin(self, line: str) -> Any:
        parser = _parser("%wb_spin")
        parser.add_argument("step")
        parser.add_argument("--index", type=int, default=None)
        parser.add_argument("--run", type=int, default=None)
        parser.add_argument("--set", dest="values", action="append", default=[])
        parser.add_argument("--against", type=int, default=None)
        args = parser.parse_args(shlex.split(line))
        return api.spin(self.current_flow(), args.step, run=args.run, index=args.index,
                        set_values=_pairs(args.values, "--set"), against=args.against)

    def wb_resume(self, line: str) -> Any:
        parser = _parser("%wb_resume")
        parser.add_argument("step")
        parser.add_argument("--run", type=int, default=None)
        args = parser.parse_args(shlex.split(line))
        return api.resume(self.current_flow(), args.step, run=args.run)


MAGICS = ("wb_flow", "wb_run", "wb_spin", "wb_resume")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext workbench``: register the ``%wb_*`` line magics on ``ipython``."""
    from .errors import WorkbenchError

    state = WorkbenchMagics(ipython)

    def magic(name: str) -> Any:
        body = getattr(state, name)

        def run(line: str) -> Any:
            try:
                return body(line)
            except (MagicError, WorkbenchError) as exc:
                # one line where the user is looking, as the CLI would print it
                from .display import safe

                print(f"workbench: error: {safe(str(exc)).splitlines()[0]}")
                return None

        run.__name__ = name
        run.__doc__ = body.__doc__ or __doc__
        return run

    for name in MAGICS:
        ipython.register_magic_function(magic(name), magic_kind="line", magic_name=name)
