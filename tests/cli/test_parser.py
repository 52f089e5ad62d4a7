"""The CLI's argument tree: every handler resolves, and start-up imports stay lean."""
from __future__ import annotations

import subprocess
import sys

from workbench.cli.app import resolve_handler
from workbench.cli.parser import build_parser
from workbench.store.gc import KEEP_SPINS


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def test_every_handler_resolves_to_a_function():
    for name, sub in _subparsers().items():
        handler = sub.get_default("handler")
        assert callable(resolve_handler(handler)), name


def test_gc_help_states_the_real_default():
    assert f"default: {KEEP_SPINS}" in _subparsers()["gc"].format_help()


def test_building_the_parser_imports_no_command_code():
    code = ("import sys; from workbench.cli.app import build_parser; build_parser();"
            "print(sorted(m for m in sys.modules if m.startswith(('workbench.cli.',"
            " 'workbench.queries.comparison', 'workbench.client', 'textual'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = eval(out)
    assert not [m for m in loaded if m.endswith(("_commands", "comparison", "client"))
                or m.startswith("textual")], loaded
