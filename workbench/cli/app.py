"""Argument parsing and dispatch for ``workbench``; input errors become one line and exit 2."""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .. import __version__
from ..errors import WorkbenchError
from .lines import error_line
from .parser import _Parser, build_parser  # noqa: F401 - re-exported for script.py and tests

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(WorkbenchError):
    """Bad command-line input detected after parsing (exit 2)."""


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the Textual app (imported here, so other commands never import textual)."""
    from pathlib import Path

    if not Path(args.flow).is_file():
        raise UsageError(f"{args.flow}: no such flow file")
    # The one upward edge of the layers, by design: the CLI is the app's entry point. Loaded
    # by name at call time, so no other command ever imports textual.
    import importlib

    run_tui = importlib.import_module("workbench.tui").run_tui
    return run_tui(args.flow, store=args.store, run=args.run, flow_name=args.flow_name,
                   watch=args.watch)


def resolve_handler(handler: str | Callable[[argparse.Namespace], int]
                    ) -> Callable[[argparse.Namespace], int]:
    """A ``"module:function"`` handler of the parser, imported now."""
    if callable(handler):
        return handler
    import importlib

    module, _, name = handler.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def _dispatch(handler: str | Callable[[argparse.Namespace], int],
              args: argparse.Namespace) -> int:
    try:
        return resolve_handler(handler)(args)
    except WorkbenchError as exc:
        error_line(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point of ``workbench``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if args_list and args_list[0].endswith(".py") and not args_list[0].startswith("-"):
        from .script import SCRIPT_COMMANDS, run_file

        rest = args_list[1:]
        if any(w in SCRIPT_COMMANDS for w in rest) and (not rest or rest[0] in SCRIPT_COMMANDS
                                                        or rest[0].startswith("--")):
            # ``workbench FLOW.py [--metadata=local ...] run --alpha 0.5``: ``python FLOW.py
            # run ...`` under workbench, for a flow that imports metaflow where Metaflow is
            # not installed
            return run_file(args_list[0], args_list[1:])
        args_list.insert(0, "tui")  # ``workbench FLOW.py`` opens the app
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    return _dispatch(args.handler, args)


def run_handed_off(argv: list[str]) -> int:
    """A handed-off command, in the warm worker: parsed and run as ``main`` would, never
    handed off again; argparse's own exits become exit codes."""
    global _warm_parser
    if _warm_parser is None:  # built once per worker: it takes longer than a warm spin
        _warm_parser = build_parser()
    try:
        args = _warm_parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return _dispatch(args.handler, args)


_warm_parser: argparse.ArgumentParser | None = None


def script_main(flow_cls: type, argv: Sequence[str]) -> None:
    """``python flow.py run --alpha 0.5``: Metaflow's style of command line for a flow file."""
    from .script import run_script

    raise SystemExit(run_script(flow_cls, list(argv)))


