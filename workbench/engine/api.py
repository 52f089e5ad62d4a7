"""Entry points of the engine used by the CLI, the Python API and the TUI's worker."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from ..flow import load_flow
from ..flow.parameters import resolve_parameters
from ..store import RunRecord, Store
from .events import EventSink, ignore_events
from .runtime import Runtime


def open_store(store: Store | str | os.PathLike | None) -> Store:
    """A Store from a Store, a directory, or the default (``WORKBENCH_STORE`` / ``.workbench``)."""
    if isinstance(store, Store):
        return store
    return Store.open(store)


def run_flow(flow_file: str | os.PathLike, params: Mapping[str, Any] | None = None, *,
             store: Store | str | os.PathLike | None = None, flow_name: str | None = None,
             max_workers: int | None = None, on_event: EventSink = ignore_events,
             tags: tuple[str, ...] = ()) -> RunRecord:
    """Load ``flow_file``, resolve ``params`` (CLI strings or values) and run the whole flow.

    Input errors (missing file, bad graph, unknown parameter...) raise before anything is
    written to the store.
    """
    loaded = load_flow(Path(flow_file), flow_name)
    values = resolve_parameters(loaded.flow_cls, dict(params or {}), loaded.file)
    the_store = open_store(store)
    runtime = Runtime(loaded, the_store, on_event=on_event, max_workers=max_workers)
    return runtime.run(values, tags=tags)
