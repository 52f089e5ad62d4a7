"""Argument parsing and dispatch for ``workbench``; input errors become one line and exit 2."""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .. import __version__
from ..engine.errors import EngineInputError
from ..flow.errors import FlowError
from ..store.errors import StoreError
from .console import error_line

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input detected after parsing (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every input error
        self.print_usage(sys.stderr)
        error_line(message)
        raise SystemExit(EXIT_USAGE)


def _common(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    parser.add_argument("--store", metavar="DIR",
                        help="store directory (default: $WORKBENCH_STORE or ./.workbench)")
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def build_parser() -> argparse.ArgumentParser:
    from . import commands, compare_commands, read_commands, spin_commands

    parser = _Parser(
        prog="workbench",
        description="A fast development loop for Metaflow-style flows: run, inspect, spin.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("run", help="run a flow and persist every task's artifacts",
                       description="Run FLOW (a .py file) locally; every task's artifacts, logs "
                                   "and status go to the store.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py)")
    p.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="set a parameter (repeatable); VALUE is coerced to the parameter's type")
    p.add_argument("--max-workers", type=int, default=None, metavar="N",
                   help="how many tasks run at once (default: CPU count)")
    p.add_argument("--flow", dest="flow_name", metavar="NAME",
                   help="which FlowSpec class, when the file defines several")
    p.add_argument("--quiet", "-q", action="store_true", help="do not print task log lines")
    _common(p)
    p.set_defaults(handler=commands.cmd_run)

    spin_commands.register(sub, _common)
    compare_commands.register(sub, _common)

    p = sub.add_parser("runs", help="list a flow's runs, newest first",
                       description="List the runs of FLOW (a flow file or a flow name).")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py) or flow name")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="show at most N runs")
    p.add_argument("--flow", dest="flow_name", metavar="NAME",
                   help="which FlowSpec class, when the file defines several")
    _common(p)
    p.set_defaults(handler=read_commands.cmd_runs)

    p = sub.add_parser("show", help="show a run (its steps) or a task (its artifacts)",
                       description="PATHSPEC is Flow/run, Flow/run/step or Flow/run/step/task.")
    p.add_argument("pathspec", metavar="PATHSPEC")
    _common(p)
    p.set_defaults(handler=read_commands.cmd_show)

    p = sub.add_parser("logs", help="print a task's stdout and stderr",
                       description="PATHSPEC is Flow/run/step/task, or Flow/run/step for a "
                                   "step with one task.")
    p.add_argument("pathspec", metavar="PATHSPEC")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--stdout", action="store_true", help="only stdout")
    group.add_argument("--stderr", action="store_true", help="only stderr")
    _common(p, json_flag=False)
    p.set_defaults(handler=read_commands.cmd_logs)

    p = sub.add_parser("tui", help="open the terminal app on a flow (also: workbench FLOW.py)",
                       description="The terminal app: runs, the flow DAG and artifacts side by "
                                   "side; run, spin, diff and compare from the keyboard.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py)")
    p.add_argument("--run", type=int, default=None, metavar="N", help="select run N at start")
    p.add_argument("--watch", action="store_true",
                   help="watch mode: saving the flow file spins each modified step")
    p.add_argument("--flow", dest="flow_name", metavar="NAME",
                   help="which FlowSpec class, when the file defines several")
    _common(p, json_flag=False)
    p.set_defaults(handler=_cmd_tui)
    return parser


def _cmd_tui(args: argparse.Namespace) -> int:
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


def _dispatch(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except (FlowError, StoreError, UsageError, EngineInputError) as exc:
        error_line(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point of ``workbench``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if args_list and args_list[0].endswith(".py") and not args_list[0].startswith("-"):
        from .script import SCRIPT_COMMANDS, run_file

        if len(args_list) > 1 and args_list[1] in SCRIPT_COMMANDS:
            # ``workbench FLOW.py run --alpha 0.5``: ``python FLOW.py run ...`` under workbench,
            # for a flow that imports metaflow where Metaflow is not installed
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


def script_main(flow_cls: type, argv: Sequence[str]) -> None:
    """``python flow.py run --alpha 0.5``: Metaflow's style of command line for a flow file."""
    from .script import run_script

    raise SystemExit(run_script(flow_cls, list(argv)))


