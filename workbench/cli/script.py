"""Metaflow's command line for a flow file run as a script: ``python flow.py run --alpha 0.5``.

The commands map onto the same engine as ``workbench run``; parameters are options named after
them (``--alpha 0.5``; a bool also takes ``--flag`` / ``--no-flag``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..flow import flow_parameters, parse_graph
from ..flow.errors import FlowError
from ..store.errors import StoreError
from .console import error_line

EXIT_USAGE = 2


def _parser(flow_cls: type, prog: str) -> argparse.ArgumentParser:
    from .app import _Parser

    parser = _Parser(prog=prog, description=(flow_cls.__doc__ or "").strip() or None)
    parser.add_argument("--store", metavar="DIR",
                        help="store directory (default: $WORKBENCH_STORE or ./.workbench)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = sub.add_parser("run", help="run the flow",
                         description="Run the flow locally; parameters are options.")
    for param in flow_parameters(flow_cls):
        option = "--" + param.name.replace("_", "-")
        names = [option] if option == "--" + param.name else [option, "--" + param.name]
        help_text = (param.help or "") + (f" (default: {param.default!r})"
                                           if param.default is not None and not callable(param.default) else "")
        dest = f"param__{param.attr_name}"
        if param.type is bool:
            run.add_argument(*names, dest=dest, nargs="?", const="true", default=None,
                             metavar="BOOL", help=help_text.strip())
            run.add_argument("--no-" + param.name.replace("_", "-"), dest=dest,
                             action="store_const", const="false", help=argparse.SUPPRESS)
        else:
            run.add_argument(*names, dest=dest, default=None, metavar="VALUE",
                             required=False, help=help_text.strip())
    run.add_argument("--max-workers", type=int, default=None, metavar="N",
                     help="how many tasks run at once (default: CPU count)")
    run.add_argument("--tag", action="append", default=[], help="tag the run (repeatable)")
    run.add_argument("--quiet", "-q", action="store_true", help="do not print task log lines")
    sub.add_parser("show", help="print the steps of the flow and their transitions")
    sub.add_parser("check", help="validate the flow's graph")
    return parser


def show_text(graph: Any) -> str:
    """The flow's steps and transitions, as ``python flow.py show`` prints them."""
    lines: list[str] = []
    if graph.doc:
        lines += [graph.doc.strip(), ""]
    for node in graph.sorted_nodes():
        lines.append(f"Step {node.name}")
        if node.doc:
            lines += [f"    {line}".rstrip() for line in node.doc.strip().splitlines()]
        if node.type == "foreach":
            lines.append(f"    => {', '.join(node.out_funcs)} (foreach over {node.foreach_param})")
        elif node.type == "switch":
            cases = ", ".join(f"{k!r}: {v}" for k, v in node.switch_cases.items())
            lines.append(f"    => switch on {node.condition}: {cases}")
        elif node.out_funcs:
            lines.append(f"    => {', '.join(node.out_funcs)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def run_script(flow_cls: type, argv: list[str]) -> int:
    """Entry of ``python flow.py ...``; returns the exit code."""
    script = Path(argv[0]) if argv else Path(sys.modules[flow_cls.__module__].__file__ or "")
    parser = _parser(flow_cls, script.name)
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command in ("show", "check"):
            graph = parse_graph(script, flow_cls.__name__)
            if args.command == "show":
                print(show_text(graph), end="")
            else:
                print(f"Validating your flow...\n    The graph of {graph.name} looks good!")
            return 0
        from .commands import cmd_run

        params = {k[len("param__"):]: v for k, v in vars(args).items()
                  if k.startswith("param__") and v is not None}
        ns = argparse.Namespace(flow=str(script), param=[f"{k}={v}" for k, v in params.items()],
                                max_workers=args.max_workers, flow_name=flow_cls.__name__,
                                quiet=args.quiet, store=args.store, json=False,
                                tags=tuple(args.tag))
        return cmd_run(ns)
    except (FlowError, StoreError) as exc:
        error_line(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
