"""The ``workbench`` command line's arguments: every subcommand and its options.

Handlers are named ``"module:function"`` and imported only when that command runs, so a
command pays the start-up cost of what it uses and no more (``workbench spin`` never imports
the comparison code, ``workbench run`` never imports textual).
"""
from __future__ import annotations

import argparse
import sys

from .. import __version__
from .lines import error_line

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every input error
        self.print_usage(sys.stderr)
        error_line(message)
        raise SystemExit(EXIT_USAGE)


RUNS_SHOWN = 50  # rows `workbench runs` prints by default
TASKS_SHOWN = 50  # tasks `workbench show Flow/run/step` lists by default


def parse_assignments(pairs: list[str], option: str = "--param") -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; a pair without ``=`` is a usage error."""
    from .app import UsageError  # noqa: PLC0415 - app imports this module

    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{option} {pair!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values


def _flow_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flow", dest="flow_name", metavar="NAME",
                        help="which FlowSpec class, when the file defines several")


def _common(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    parser.add_argument("--store", metavar="DIR",
                        help="store directory (default: $WORKBENCH_STORE or ./.workbench)")
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def build_parser() -> argparse.ArgumentParser:
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
    p.add_argument("--tag", dest="tags", action="append", default=[], metavar="TAG",
                   help="tag the run (repeatable; current.tags in its tasks)")
    _flow_option(p)
    p.add_argument("--quiet", "-q", action="store_true", help="do not print task log lines")
    p.add_argument("--reuse", action="store_true",
                   help="re-run only what changed: a task whose step code (and the code it "
                        "calls) and inputs equal an earlier succeeded task's is cloned from it")
    p.add_argument("--reuse-except", metavar="STEP[,STEP]", default="",
                   help="with --reuse: steps that always run")
    p.add_argument("--metaflow", action="store_true",
                   help="run it under Metaflow (its Runner API) instead, then import the run")
    p.add_argument("--with", dest="with_specs", action="append", default=[],
                   metavar="DECO[:ARGS]",
                   help="with --metaflow: Metaflow's --with, passed through (repeatable), "
                        "e.g. kubernetes or retry:times=2")
    p.add_argument("--datastore", metavar="TYPE",
                   help="with --metaflow: Metaflow's datastore (local, s3...)")
    _common(p)
    p.set_defaults(handler="commands:cmd_run")

    p = sub.add_parser(
        "spin", help="re-run one step on a past run's stored inputs and diff the result",
        description="Re-execute STEP with the flow file's current code on the parent tasks of "
                    "a reference run (default: the newest run whose parents of STEP succeeded), "
                    "as a new run of kind spin. Prints the diff of the step's artifacts.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py)")
    p.add_argument("step", metavar="STEP_OR_PATHSPEC",
                   help="train, 5/train, Flow/5/train or Flow/5/train/12")
    p.add_argument("--run", type=int, default=None, metavar="N", help="reference run number")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--index", type=int, default=None, metavar="I",
                       help="which foreach split to spin (default 0)")
    group.add_argument("--all-splits", action="store_true", help="spin every split, in parallel")
    p.add_argument("--against", type=int, default=None, metavar="N",
                   help="diff against run N's task of the step (default: the nearest run of "
                        "the reference run's lineage that ran the step)")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="NAME=VALUE",
                   help="override an input artifact (or a parameter of start, coerced to its "
                        "type); VALUE is a Python literal, or text when it does not start like "
                        "one (quote it to force a string)")
    p.add_argument("--artifacts", metavar="FILE.py",
                   help="a module defining ARTIFACTS = {...} (for joins keyed by parent step "
                        "or task pathspec)")
    p.add_argument("--all", action="store_true", help="also list unchanged artifacts")
    _flow_option(p)
    p.add_argument("--quiet", "-q", action="store_true", help="do not print task log lines")
    _common(p)
    p.set_defaults(handler="spin_commands:cmd_spin")

    p = sub.add_parser(
        "resume", help="re-run a step and everything after it on a past run's inputs",
        description="Clone the reference run's tasks before STEP, then run STEP and every step "
                    "after it as a new run of kind resume.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py)")
    p.add_argument("step", metavar="STEP", help="the step to resume from")
    p.add_argument("--run", type=int, default=None, metavar="N", help="reference run number")
    p.add_argument("--max-workers", type=int, default=None, metavar="N",
                   help="how many tasks run at once (default: CPU count)")
    _flow_option(p)
    p.add_argument("--quiet", "-q", action="store_true", help="do not print task log lines")
    _common(p)
    p.set_defaults(handler="spin_commands:cmd_resume")

    p = sub.add_parser(
        "compare", help="compare two runs: parameters, per-step status, time, code, artifacts",
        description="Compare RUN_A (before) with RUN_B (after) of FLOW (a flow file or name). "
                    "A run is a number or Flow/number.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py) or flow name")
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    p.add_argument("--all", action="store_true", help="also list unchanged artifacts")
    _flow_option(p)
    _common(p)
    p.set_defaults(handler="compare_commands:cmd_compare")

    p = sub.add_parser(
        "diff", help="diff the artifacts of two tasks",
        description="PATHSPEC is Flow/run/step/task, or Flow/run/step for a step with one task.")
    p.add_argument("pathspec_a", metavar="PATHSPEC_A")
    p.add_argument("pathspec_b", metavar="PATHSPEC_B")
    p.add_argument("--all", action="store_true", help="also list unchanged artifacts")
    _common(p)
    p.set_defaults(handler="compare_commands:cmd_diff")

    p = sub.add_parser(
        "status", help="which steps changed since a run: modified, stale, up to date",
        description="Compare each step of the flow file with the code that ran in a run "
                    "(default: the newest). Comments, blank lines and docstrings don't count.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py)")
    p.add_argument("--run", type=int, default=None, metavar="N",
                   help="reference run number (default: the newest run)")
    p.add_argument("--diff", action="store_true",
                   help="show each modified step's code as it ran against the file now")
    _flow_option(p)
    _common(p)
    p.set_defaults(handler="compare_commands:cmd_status")

    p = sub.add_parser(
        "gc", help="remove old spin runs and the blobs nothing references",
        description="Remove FLOW's spin runs beyond the newest N (and not used by a kept run), "
                    "then blob files no run references, orphan logs and stale temp files.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py) or flow name")
    p.add_argument("--keep-spins", type=int, default=None, metavar="N",
                   help="spin runs to keep (default: 5)")
    p.add_argument("--dry-run", action="store_true", help="say what would go; remove nothing")
    _flow_option(p)
    _common(p)
    p.set_defaults(handler="compare_commands:cmd_gc")

    p = sub.add_parser(
        "serve", help="keep a flow warm for `workbench spin` (the editor's save-and-spin)",
        description="Keep FLOW imported with its artifacts cached, listening on a socket only "
                    "you can open. While it runs, `workbench spin FLOW ...` (same flow file and "
                    "store) is handed to it and answers in tens of milliseconds. The app does "
                    "the same while it is open. Stop with ctrl+c.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py)")
    _flow_option(p)
    _common(p, json_flag=False)
    p.set_defaults(handler="serve_command:cmd_serve")

    p = sub.add_parser("runs", help="list a flow's runs, newest first",
                       description="List the runs of FLOW (a flow file or a flow name): the "
                                   f"newest {RUNS_SHOWN} as a table (a last line says how many "
                                   "more there are), every run with --json.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py) or flow name")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--limit", type=int, default=None, metavar="N",
                       help=f"show at most N runs (default: {RUNS_SHOWN}; --json: all)")
    shown.add_argument("--all", action="store_true", help="show every run")
    _flow_option(p)
    _common(p)
    p.set_defaults(handler="read_commands:cmd_runs")

    p = sub.add_parser("show", help="show a run (its steps) or a task (its artifacts)",
                       description="PATHSPEC is Flow/run, Flow/run/step or Flow/run/step/task.")
    p.add_argument("pathspec", metavar="PATHSPEC")
    p.add_argument("--diff", action="store_true",
                   help="for Flow/run/step of a spin or resume: what it changed in the step, "
                        "against the same step in the nearest run of its lineage")
    p.add_argument("--all", action="store_true",
                   help=f"for Flow/run/step: list every task (default: {TASKS_SHOWN}, the "
                        "ones that did not succeed first)")
    _common(p)
    p.set_defaults(handler="read_commands:cmd_show")

    p = sub.add_parser("logs", help="print a task's stdout and stderr in the order they were written",
                       description="PATHSPEC is Flow/run/step/task, or Flow/run/step for a "
                                   "step with one task.")
    p.add_argument("pathspec", metavar="PATHSPEC")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--stdout", action="store_true", help="only stdout")
    group.add_argument("--stderr", action="store_true", help="only stderr")
    _common(p, json_flag=False)
    p.set_defaults(handler="read_commands:cmd_logs")

    p = sub.add_parser("card", help="write a task's card (@card) as a standalone HTML file",
                       description="PATHSPEC is Flow/run/step/task, or Flow/run/step for a step "
                                   "with one task. The page needs no network to be viewed; its "
                                   "path is printed.")
    p.add_argument("pathspec", metavar="PATHSPEC")
    p.add_argument("--id", metavar="ID", help="the card with this id (@card(id=...))")
    p.add_argument("--type", metavar="TYPE", help="the card of this type (default, blank)")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="where to write it (default: the store's cards/html/ folder)")
    p.add_argument("--open", action="store_true", help="open it in the web browser")
    _common(p)
    p.set_defaults(handler="card_command:cmd_card")

    p = sub.add_parser(
        "import-metaflow", help="import runs Metaflow executed (local or S3 datastore)",
        description="Make each Metaflow run of FLOW (its latest, every run with --all, or "
                    "FLOW/RUN_ID) a workbench run of kind metaflow. Artifacts are fetched from "
                    "Metaflow's datastore when first used; importing again updates the same "
                    "run. The datastore is Metaflow's configured one unless --root says.")
    p.add_argument("target", metavar="FLOW[/RUN_ID]")
    p.add_argument("--all", action="store_true", help="import every run of FLOW")
    p.add_argument("--root", metavar="DIR|s3://BUCKET/PREFIX",
                   help="the datastore: a local .metaflow folder (or the folder holding it), "
                        "or an S3 root (default: Metaflow's configuration)")
    _common(p)
    p.set_defaults(handler="metaflow_commands:cmd_import_metaflow")

    p = sub.add_parser("tui", help="open the terminal app on a flow (also: workbench FLOW.py)",
                       description="The terminal app: runs, the flow DAG and artifacts side by "
                                   "side; run, spin, diff and compare from the keyboard.")
    p.add_argument("flow", metavar="FLOW", help="flow file (.py)")
    p.add_argument("--run", type=int, default=None, metavar="N", help="select run N at start")
    p.add_argument("--watch", action="store_true",
                   help="watch mode: saving the flow file spins each modified step")
    _flow_option(p)
    _common(p, json_flag=False)
    p.set_defaults(handler="app:cmd_tui")
    return parser
