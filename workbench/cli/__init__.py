"""The ``workbench`` command line: run flows and read the store headlessly.

Every command prints rich tables for people or JSON with ``--json``. Exit codes: 0 ok, 1 a step
failed, 2 bad usage or bad input (one line on stderr, no traceback). ``main`` is the entry
point (``cli.entry``); each command's code is imported when that command runs.
"""
from __future__ import annotations

from typing import Any

from .entry import main


def script_main(flow_cls: type, argv: Any) -> None:
    """``python flow.py run --alpha 0.5``: Metaflow's style of command line for a flow file."""
    from .app import script_main as run_script

    run_script(flow_cls, argv)


__all__ = ["main", "script_main"]
