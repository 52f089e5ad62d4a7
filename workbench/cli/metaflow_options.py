"""Metaflow's own command-line options on a flow script (``python flow.py --metadata=local
... run --run-id-file F --tag T``), as its test runner, the Runner API, IDEs and CI scripts
pass them.

Honoured, as they mean something locally: ``--quiet``, ``--branch``/``--production``
(``@project``), ``--metadata local``, ``--datastore local``, and on ``run``/``resume``
``--tag``, ``--max-workers``, ``--max-num-splits``, ``--max-log-size``, ``--run-id-file``.
The rest are accepted and ignored with one note on stderr naming them. As under Metaflow
(click's ``auto_envvar_prefix``), ``METAFLOW_RUN_<NAME>`` (``METAFLOW_RESUME_<NAME>``) gives
a parameter or option its value when the command line does not.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

# top-level option -> (choices or None, default); flags are (None, False)
TOP_LEVEL = {
    "--metadata": (("local", "service", "spin"), "local"),
    "--datastore": (("local", "s3", "azure", "gs", "spin"), "local"),
    "--environment": (("local", "conda", "uv", "pypi"), "local"),
    "--event-logger": (("nullSidecarLogger", "debugLogger"), "nullSidecarLogger"),
    "--monitor": (("nullSidecarMonitor", "debugMonitor"), "nullSidecarMonitor"),
    "--datastore-root": (None, None),
    "--package-suffixes": (None, None),
    "--mode": (("spin",), None),
}
HONOURED_LOCAL = {"metadata": "local", "datastore": "local"}


def add_top_level(parser: argparse.ArgumentParser) -> None:
    """Metaflow's options before the command."""
    for option, (choices, default) in TOP_LEVEL.items():
        parser.add_argument(option, choices=choices, default=default, help=argparse.SUPPRESS)
    parser.add_argument("--quiet", dest="top_quiet", action="store_true",
                        help="print no task log lines")
    parser.add_argument("--not-quiet", dest="top_quiet", action="store_false",
                        help=argparse.SUPPRESS)
    parser.add_argument("--pylint", dest="pylint", action="store_true", default=None,
                        help=argparse.SUPPRESS)
    parser.add_argument("--no-pylint", dest="pylint", action="store_false",
                        help=argparse.SUPPRESS)
    parser.add_argument("--with", dest="top_with", action="append", default=[],
                        metavar="DECORATOR", help=argparse.SUPPRESS)
    parser.add_argument("--config", dest="configs", nargs=2, action="append", default=[],
                        metavar=("NAME", "FILE"), help="a Config's value from FILE")
    parser.add_argument("--config-value", dest="config_values", nargs=2, action="append",
                        default=[], metavar=("NAME", "JSON"), help="a Config's value")
    parser.add_argument("--branch", default=None, metavar="NAME",
                        help="@project branch (default: user.<you>)")
    parser.add_argument("--production", action="store_true", default=None,
                        help="@project's production branch")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Metaflow's options of ``run`` and ``resume``."""
    parser.add_argument("--tag", action="append", default=[], help="tag the run (repeatable)")
    parser.add_argument("--max-num-splits", type=int, default=None, metavar="N",
                        help="fail a foreach that yields more than N splits")
    parser.add_argument("--max-log-size", type=int, default=None, metavar="MB",
                        help="bytes of stdout and stderr kept per task, in MB")
    parser.add_argument("--run-id-file", default=None, metavar="FILE",
                        help="write the run's id to FILE when it starts")
    parser.add_argument("--with", dest="run_with", action="append", default=[],
                        metavar="DECORATOR", help=argparse.SUPPRESS)
    parser.add_argument("--runner-attribute-file", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--namespace", default=None, help=argparse.SUPPRESS)


def config_choices(args: argparse.Namespace) -> dict[str, tuple[str, str]]:
    """``--config NAME FILE`` / ``--config-value NAME JSON`` as parameter values
    (``Config.resolve`` reads them)."""
    out: dict[str, tuple[str, str]] = {}
    for name, path in getattr(args, "configs", []) or []:
        out[name] = ("file", path)
    for name, text in getattr(args, "config_values", []) or []:
        out[name] = ("value", text)
    return out


def ignored(args: argparse.Namespace) -> list[str]:
    """The options given that workbench accepts but does not act on."""
    out = []
    for option, (_, default) in TOP_LEVEL.items():
        dest = option[2:].replace("-", "_")
        value = getattr(args, dest, default)
        if value != default and HONOURED_LOCAL.get(dest) != value:
            out.append(f"{option}={value}")
    if getattr(args, "pylint", None) is not None:
        out.append("--pylint" if args.pylint else "--no-pylint")
    for spec in [*getattr(args, "top_with", []), *getattr(args, "run_with", [])]:
        out.append(f"--with {spec}")
    for name in ("runner_attribute_file", "namespace"):
        if getattr(args, name, None):
            out.append(f"--{name.replace('_', '-')}")
    return out


def note_ignored(args: argparse.Namespace) -> None:
    """One line on stderr naming the Metaflow options that do nothing here."""
    names = ignored(args)
    if names:
        print(f"workbench: ignored (Metaflow options that mean nothing in a local run): "
              f"{', '.join(names)}", file=sys.stderr)


def from_environment(parser: argparse.ArgumentParser, argv: list[str], command: str,
                     environ: Any = None) -> list[str]:
    """``argv`` plus ``--OPTION VALUE`` for each ``METAFLOW_<COMMAND>_<OPTION>`` variable
    naming an option of ``command`` that ``argv`` does not give (click's envvar rule:
    upper case, dashes as underscores)."""
    environ = os.environ if environ is None else environ
    sub = _subparser(parser, command)
    if sub is None:
        return argv
    given = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
    extra: list[str] = []
    for action in sub._actions:
        options = [o for o in action.option_strings if o.startswith("--")]
        if not options or action.dest in ("help",) or any(o in given for o in options):
            continue
        var = f"METAFLOW_{command.upper()}_{options[0][2:].replace('-', '_').upper()}"
        if var in environ and action.nargs != 0:
            extra += [options[0], environ[var]]
    return argv + extra


def _subparser(parser: argparse.ArgumentParser, command: str) -> Any:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(command)
    return None


__all__ = ["add_run_options", "add_top_level", "config_choices", "from_environment", "ignored",
           "note_ignored"]
