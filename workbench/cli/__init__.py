"""The ``workbench`` command line: run flows and read the store headlessly.

Every command prints rich tables for people or JSON with ``--json``. Exit codes: 0 ok, 1 a step
failed, 2 bad usage or bad input (one line on stderr, no traceback).
"""
from __future__ import annotations

from .app import main, script_main

__all__ = ["main", "script_main"]
