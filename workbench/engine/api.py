"""Entry points of the engine used by the CLI, the Python API and the TUI's worker."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

from ..flow import load_flow
from ..flow.parameters import resolve_parameters
from ..store import RunRecord, Store, resolve_store_dir
from .events import EventSink, ignore_events
from .replay import Replayer, SpinOutcome
from .runtime import Runtime


def open_store(store: Store | str | os.PathLike | None) -> Store:
    """A Store from a Store, a directory, or the default (``WORKBENCH_STORE`` / ``.workbench``)."""
    if isinstance(store, Store):
        return store
    return Store.open(store)


def run_flow(flow_file: str | os.PathLike, params: Mapping[str, Any] | None = None, *,
             store: Store | str | os.PathLike | None = None, flow_name: str | None = None,
             max_workers: int | None = None, on_event: EventSink = ignore_events,
             tags: tuple[str, ...] = (), **run_options: Any) -> RunRecord:
    """Load ``flow_file``, resolve ``params`` (CLI strings or values) and run the whole flow.
    ``run_options`` are Metaflow's (``max_num_splits``, ``max_log_size_mb``, ``branch``,
    ``production``; see ``Runtime``).

    Input errors (missing file, bad graph, unknown parameter...) raise before anything is
    written to the store.
    """
    loaded = load_flow(Path(flow_file), flow_name)
    values = resolve_parameters(loaded.flow_cls, dict(params or {}), loaded.file)
    the_store = open_store(store)
    runtime = Runtime(loaded, the_store, on_event=on_event, max_workers=max_workers,
                      **run_options)
    return runtime.run(values, tags=tags)


# Set by a warm worker while it runs a handed-off command (``engine.handoff``): given the flow
# file, store root, flow name and event sink, its own loaded runtime, or None.
_warm: Callable[[Path, Path, str | None, EventSink], Runtime | None] | None = None


def use_warm_runtime(provider: Callable[[Path, Path, str | None, EventSink],
                                        Runtime | None] | None) -> None:
    """Let ``spin_step`` (and the rest) use a warm worker's runtime; None: stop."""
    global _warm
    _warm = provider


def _runtime(flow_file: str | os.PathLike, store: Store | str | os.PathLike | None,
             flow_name: str | None, max_workers: int | None, on_event: EventSink,
             **run_options: Any) -> Runtime:
    if _warm is not None and max_workers is None and not run_options:
        root = store.root if isinstance(store, Store) else resolve_store_dir(store)
        warm = _warm(Path(flow_file), root, flow_name, on_event)
        if warm is not None:
            return warm
    loaded = load_flow(Path(flow_file), flow_name)
    return Runtime(loaded, open_store(store), on_event=on_event, max_workers=max_workers,
                   **run_options)


def spin_step(flow_file: str | os.PathLike, step: str, *, run: int | None = None,
              index: int | None = None, all_splits: bool = False,
              overrides: Mapping[str, Any] | None = None,
              set_values: Mapping[str, str] | None = None, artifacts_file: str | None = None,
              against: int | None = None,
              store: Store | str | os.PathLike | None = None, flow_name: str | None = None,
              max_workers: int | None = None, on_event: EventSink = ignore_events,
              warn: Any = None) -> SpinOutcome:
    """Spin ``step`` of ``flow_file`` on a reference run's stored inputs (see DESIGN "Spin").

    ``overrides`` are values, ``set_values`` ``--set`` text; ``against`` picks the run the
    diff compares with.
    """
    runtime = _runtime(flow_file, store, flow_name, max_workers, on_event)
    return Replayer(runtime).spin(step, run_number=run, index=index, all_splits=all_splits,
                                  overrides=dict(overrides or {}),
                                  set_values=dict(set_values or {}),
                                  artifacts_file=artifacts_file, against=against, warn=warn)


def step_inputs(flow_file: str | os.PathLike, step: str, *, run: int | None = None,
                index: int | None = None, store: Store | str | os.PathLike | None = None,
                flow_name: str | None = None) -> Any:
    """``step``'s ``self`` at its start on stored inputs (see ``Replayer.inputs``), in this
    process: the flow module is imported here."""
    runtime = _runtime(flow_file, store, flow_name, None, ignore_events)
    return Replayer(runtime).inputs(step, run_number=run, index=index)


def resume_step(flow_file: str | os.PathLike, step: str, *, run: int | None = None,
                store: Store | str | os.PathLike | None = None, flow_name: str | None = None,
                max_workers: int | None = None,
                on_event: EventSink = ignore_events, **run_options: Any) -> RunRecord:
    """Re-run ``step`` and everything after it on a reference run's stored inputs
    (``run_options`` as ``run_flow``'s, ``tags`` included)."""
    runtime = _runtime(flow_file, store, flow_name, max_workers, on_event, **run_options)
    return Replayer(runtime).resume(step, run_number=run)
