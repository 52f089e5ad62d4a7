"""The Textual app (``workbench FLOW.py``). Only this package imports textual."""
from __future__ import annotations

import os
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError

__all__ = ["AppCrashed", "run_tui"]


class AppCrashed(WorkbenchError):
    """The app stopped on a bug: one line naming the file that holds the traceback."""

    exit_code = 1


def _check_store(store: str | None) -> None:
    """A store that is there must be readable before the app opens on it: a damaged or
    newer catalog is bad input (one line, exit 2), not a full-screen traceback."""
    from ..store import Store, resolve_store_dir

    root = resolve_store_dir(store)
    if root.is_dir():
        opened = Store(root, create=False)  # refuses a catalog lost next to blobs or logs
        if (root / "catalog.sqlite").exists():
            opened.catalog.schema_version()


def _crash_report(error: BaseException) -> Path:
    """Write ``error``'s traceback to a file of its own and return the file."""
    fd, name = tempfile.mkstemp(prefix=f"workbench-crash-{time.strftime('%Y%m%d-%H%M%S')}-",
                                suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
        out.write("".join(traceback.format_exception(error)))
    return Path(name)


def run_tui(flow_file: str | os.PathLike[str], *, store: str | None = None,
            run: int | None = None, flow_name: str | None = None, watch: bool = False,
            headless: bool = False, **options: Any) -> int:
    """Open the app on ``flow_file``; returns its exit code.

    Bad input raises a ``WorkbenchError`` (exit 2); a bug in the app raises ``AppCrashed``
    (exit 1) naming the file its traceback was written to.
    """
    from .app import WorkbenchApp

    _check_store(store)
    app = WorkbenchApp(flow_file, store=store, run=run, flow_name=flow_name, watch=watch,
                       **options)
    result = app.run(headless=headless)
    error = app.crash
    if error is not None:
        if isinstance(error, WorkbenchError):  # bad input found while running
            raise error
        path = _crash_report(error)
        first = (str(error).strip().splitlines() or [""])[0]
        raise AppCrashed(f"the app stopped on an error: {type(error).__name__}: {first} "
                         f"(traceback in {path})")
    return int(app.return_code or result or 0)
