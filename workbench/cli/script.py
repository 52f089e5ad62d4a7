"""Metaflow's command line for a flow file run as a script: ``python flow.py run --alpha 0.5``.

The commands map onto the same engine as ``workbench run``/``resume``/``spin``: ``run`` takes
parameters as options named after them (``--alpha 0.5``; a bool also takes ``--flag`` /
``--no-flag``) and ``--max-workers N``; ``resume [STEP] [--origin-run-id N]`` (without STEP:
from the step that failed in the origin run, as Metaflow does); ``spin STEP_OR_PATHSPEC
[--artifacts-module FILE]``; ``show`` and ``check`` print what Metaflow prints.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..flow import flow_parameters, parse_graph
from ..flow.errors import FlowError
from ..flow.parameters import JSONType
from ..store.errors import StoreError
from .console import error_line
from .metaflow_options import (add_run_options, add_top_level, config_choices, from_environment,
                               note_ignored)

EXIT_OK, EXIT_USAGE = 0, 2

# Metaflow's commands for its remote backends and datastore: named in a one-line refusal.
METAFLOW_ONLY_COMMANDS = ("argo-workflows", "step-functions", "airflow", "batch", "kubernetes",
                          "card", "logs", "dump", "tag", "package", "environment")
SCRIPT_COMMANDS = ("run", "resume", "spin", "show", "check", *METAFLOW_ONLY_COMMANDS)

_TYPE_NAMES = {int: "INTEGER", float: "FLOAT", bool: "BOOLEAN", str: "TEXT"}


def _type_name(param: Any) -> str:
    if getattr(param, "IS_INCLUDE_FILE", False):
        return "FILEPATH"
    if param.type is JSONType:
        return "JSON"
    return _TYPE_NAMES.get(param.type, getattr(param.type, "__name__", "VALUE").upper())


def _param_help(param: Any) -> str:
    default = param.default
    shown = ("" if default is None or callable(default) or param.show_default is False
             else f"[default: {default}]")
    if param.required:
        shown = "[required]"
    return " ".join(part for part in ((param.help or "").strip(), shown) if part)


def _parameters_epilog(flow_cls: type) -> str | None:
    params = [p for p in flow_parameters(flow_cls) if not getattr(p, "IS_CONFIG", False)]
    if not params:
        return None
    lines = ["parameters (python FLOW.py run --NAME VALUE):"]
    for param in params:
        lines.append(f"  --{param.name} {_type_name(param)}  {_param_help(param)}".rstrip())
    return "\n".join(lines)


def _parser(flow_cls: type, prog: str) -> argparse.ArgumentParser:
    from .parser import _Parser

    # no abbreviations (click has none): ``--n 5`` is the parameter n, not ``--no-pylint``
    parser = _Parser(prog=prog, description=(flow_cls.__doc__ or "").strip() or None,
                     epilog=_parameters_epilog(flow_cls), allow_abbrev=False,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", metavar="DIR",
                        help="store directory (default: $WORKBENCH_STORE or ./.workbench)")
    add_top_level(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    run = sub.add_parser("run", help="run the flow", allow_abbrev=False,
                         description="Run the flow locally; parameters are options.")
    for param in flow_parameters(flow_cls):
        if getattr(param, "IS_CONFIG", False):  # --config NAME FILE, before the command
            continue
        option = "--" + param.name.replace("_", "-")
        names = [option] if option == "--" + param.name else [option, "--" + param.name]
        dest = f"param__{param.attr_name}"
        if param.type is bool:
            run.add_argument(*names, dest=dest, nargs="?", const="true", default=None,
                             metavar="BOOLEAN", help=_param_help(param))
            run.add_argument("--no-" + param.name.replace("_", "-"), dest=dest,
                             action="store_const", const="false", help=argparse.SUPPRESS)
        else:
            run.add_argument(*names, dest=dest, default=None, metavar=_type_name(param),
                             required=False, help=_param_help(param))
    _run_options(run)
    add_run_options(run)

    resume = sub.add_parser(
        "resume", allow_abbrev=False, help="re-run a past run from a step on (default: the step that failed)",
        description="Resume the origin run (default: the newest run) from STEP: its tasks "
                    "before STEP are reused, STEP and everything after it run again. Without "
                    "STEP, from the step that failed, as Metaflow does.")
    resume.add_argument("step", metavar="STEP", nargs="?", default=None,
                        help="the step to re-run from (default: the failed one)")
    resume.add_argument("--origin-run-id", type=int, default=None, metavar="N",
                        help="the run to resume (default: the newest run)")
    _run_options(resume)
    add_run_options(resume)

    spin = sub.add_parser(
        "spin", help="re-run one step on a past run's stored inputs and diff the result",
        description="Re-execute one step with the flow file's current code on the inputs it "
                    "had in a past run (default: the newest run where its parents succeeded).")
    spin.add_argument("step", metavar="STEP_OR_PATHSPEC",
                      help="train, 5/train, Flow/5/train or Flow/5/train/12")
    spin.add_argument("--artifacts-module", metavar="FILE.py", default=None,
                      help="a module defining ARTIFACTS = {...} to override input artifacts")
    spin.add_argument("--quiet", "-q", action="store_true", help="do not print task log lines")

    sub.add_parser("show", help="print the steps of the flow and their transitions")
    sub.add_parser("check", help="validate the flow's graph")
    for command in (run, resume, spin):  # --store also after the command
        command.add_argument("--store", metavar="DIR", default=argparse.SUPPRESS,
                             help="store directory (default: $WORKBENCH_STORE or ./.workbench)")
    return parser


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-workers", type=int, default=None, metavar="N",
                        help="how many tasks run at once (default: CPU count)")
    parser.add_argument("--quiet", "-q", action="store_true", help="do not print task log lines")


# ----------------------------------------------------------------------------- show, check


def metaflow_order(graph: Any) -> list[Any]:
    """Steps in the order Metaflow's ``show`` lists them (depth first from start, a step
    placed after the last path that reaches it)."""
    order: list[str] = []

    def visit(name: str, seen: list[str]) -> None:
        if name in order:
            order.remove(name)
        order.append(name)
        for child in graph[name].out_funcs:
            if child not in seen and child in graph.nodes:
                visit(child, seen + [child])

    if "start" in graph.nodes:
        visit("start", [])
    return [graph[name] for name in order]


def _blocks(graph: Any) -> list[str]:
    """Per step, what Metaflow's ``show`` prints on stdout: its decorators (innermost first),
    ``Step name``, the docstring (or ``?``) and the transition, indented."""
    blocks: list[str] = []
    for node in metaflow_order(graph):
        lines = [f"@{deco.name}" for deco in reversed(node.decorators) if deco.name != "step"]
        lines.append(f"Step {node.name}")
        doc = node.doc.strip() if node.doc else "?"
        lines += [f"    {line}".rstrip() for line in doc.splitlines()]
        if node.type != "end":
            lines.append(f"    => {', '.join(node.out_funcs)}")
        blocks.append("\n".join(lines) + "\n")
    return blocks


def show_text(graph: Any) -> str:
    """The steps and transitions as ``python flow.py show`` prints them on stdout."""
    return "".join(_blocks(graph))


def _show(graph: Any) -> None:
    # As Metaflow does: the flow's docstring and the blank separators go to stderr.
    err, out = sys.stderr, sys.stdout
    err.write(f"\n{graph.doc.strip() if graph.doc else ''}\n")
    for block in _blocks(graph):
        err.write("\n")
        err.flush()
        out.write(block)
        out.flush()
    err.write("\n")


def _check(graph: Any, script: str) -> None:
    err = sys.stderr
    err.write("Validating your flow...\n    The graph looks good!\n\n")
    err.write(f"'{script} show' shows a description of this flow.\n"
              f"'{script} run' runs the flow locally.\n"
              f"'{script} --help' shows all available commands and options.\n")


# ----------------------------------------------------------------------------- resume


def failed_step(store_arg: str | None, graph: Any, origin: int | None) -> tuple[str | None, int]:
    """(the step to resume from, the origin run's number) for ``resume`` without STEP.

    The origin is ``origin`` or, as Metaflow's, the newest finished run started by ``run`` (a
    resume is never the default origin of the next). The step is the deepest
    one from which every failed task's step is reachable: the failed step itself when one
    failed, the split above them when several branches failed. None when nothing failed.
    """
    from ..engine.api import open_store
    from ..engine.errors import EngineInputError
    from ..queries.runs import latest_started_by_run

    catalog = open_store(store_arg).catalog
    if origin is not None:
        run = catalog.get_run(graph.name, origin)
        if run is None:
            raise EngineInputError(f"flow {graph.name} has no run {origin}")
    else:
        run = latest_started_by_run(catalog, graph.name)
        if run is None:
            raise EngineInputError(f"no previous run of {graph.name} was found; run the flow "
                                   "first, or pass --origin-run-id N")
    failed = {t.step for t in catalog.list_tasks(run.id)
              if t.status != "succeeded" and t.step in graph.nodes}
    if not failed:
        return ("start" if run.status != "succeeded" else None), run.number

    def reach(step: str) -> set[str]:
        seen, todo = {step}, [step]
        while todo:
            for child in graph[todo.pop()].out_funcs:
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    order = [node.name for node in graph.sorted_nodes()]
    covering = [step for step in order if failed <= reach(step)]
    return covering[-1], run.number


def latest_run_number(store_arg: str | None, flow: str) -> int | None:
    """The newest run of ``flow`` started by ``run`` (Metaflow's "latest run id")."""
    from ..engine.api import open_store
    from ..queries.runs import latest_started_by_run

    run = latest_started_by_run(open_store(store_arg).catalog, flow)
    return run.number if run is not None else None


# ----------------------------------------------------------------------------- entry


def run_file(path: str, argv: list[str]) -> int:
    """``workbench FLOW.py COMMAND ...``: the script command line of a flow file, loaded with
    ``metaflow`` resolved to workbench (so it works where Metaflow is not installed)."""
    from ..flow import load_flow

    try:
        loaded = load_flow(path)
    except FlowError as exc:
        error_line(str(exc))
        return EXIT_USAGE
    return run_script(loaded.flow_cls, [path, *argv], launcher="workbench ")


def run_script(flow_cls: type, argv: list[str], launcher: str = "") -> int:
    """Entry of ``python flow.py ...``; returns the exit code."""
    script = Path(argv[0]) if argv else Path(sys.modules[flow_cls.__module__].__file__ or "")
    parser = _parser(flow_cls, f"{launcher}{script.name}")
    if len(argv) > 1 and argv[1] in METAFLOW_ONLY_COMMANDS:
        hint = ("; workbench's own: workbench card FLOW/RUN/STEP[/TASK]" if argv[1] == "card"
                else "")
        error_line(f"'{argv[1]}' is a Metaflow command that workbench does not provide; with "
                   f"Metaflow installed, the same file runs it: python {script.name} "
                   f"{' '.join(argv[1:])}{hint}")
        return EXIT_USAGE
    words = argv[1:]
    command_word = next((w for w in words if w in ("run", "resume")), None)
    if command_word is not None:  # METAFLOW_RUN_<NAME>: values the command line lacks
        words = from_environment(parser, words, command_word)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:
        return int(exc.code or 0)
    note_ignored(args)
    try:
        graph = parse_graph(script, flow_cls.__name__)
        command = args.command or "check"  # Metaflow checks the flow when given no command
        if command == "show":
            _show(graph)
            return EXIT_OK
        if command == "check":
            _check(graph, f"{launcher}{script}")
            return EXIT_OK
        common = dict(flow=str(script), flow_name=flow_cls.__name__, store=args.store,
                      quiet=args.quiet or bool(args.top_quiet), json=False)
        options = dict(max_num_splits=getattr(args, "max_num_splits", None),
                       max_log_size=getattr(args, "max_log_size", None),
                       run_id_file=getattr(args, "run_id_file", None),
                       branch=args.branch, production=args.production,
                       tags=tuple(getattr(args, "tag", ()) or ()))
        if command == "run":
            from .commands import cmd_run

            params = {k[len("param__"):]: v for k, v in vars(args).items()
                      if k.startswith("param__") and v is not None}
            return cmd_run(argparse.Namespace(
                param=[f"{k}={v}" for k, v in params.items()], max_workers=args.max_workers,
                config_choices=config_choices(args), **options, **common))
        if command == "resume":
            from .spin_commands import cmd_resume

            step, origin = args.step, args.origin_run_id
            if step is None:
                step, origin = failed_step(args.store, graph, origin)
                if step is None:
                    print(f"{graph.name}/{origin} succeeded: nothing to resume (name a step "
                          f"to re-run it and what follows: {launcher}{script} resume STEP)")
                    return EXIT_OK
            elif origin is None:  # Metaflow's default origin: the newest `run`
                origin = latest_run_number(args.store, graph.name)
            return cmd_resume(argparse.Namespace(step=step, run=origin,
                                                 max_workers=args.max_workers, **options,
                                                 **common))
        from .spin_commands import cmd_spin

        return cmd_spin(argparse.Namespace(
            step=args.step, run=None, index=None, all_splits=False, overrides=[], against=None,
            artifacts=args.artifacts_module, all=False, **common))
    except (FlowError, StoreError) as exc:
        error_line(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    except Exception as exc:  # engine input errors and usage errors: one line, exit 2
        from ..engine.errors import EngineInputError
        from .app import UsageError

        if isinstance(exc, (EngineInputError, UsageError)):
            error_line(str(exc))
            return EXIT_USAGE
        raise
