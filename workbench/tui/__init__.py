"""The Textual app (``workbench FLOW.py``). Only this package imports textual."""
from __future__ import annotations

import os
from typing import Any

__all__ = ["run_tui"]


def run_tui(flow_file: str | os.PathLike[str], *, store: str | None = None,
            run: int | None = None, flow_name: str | None = None, watch: bool = False,
            **options: Any) -> int:
    """Open the app on ``flow_file``; returns its exit code."""
    from .app import WorkbenchApp

    app = WorkbenchApp(flow_file, store=store, run=run, flow_name=flow_name, watch=watch,
                       **options)
    result = app.run()
    return int(result or 0)
