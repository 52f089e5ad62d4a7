"""Loading an artifact's value for reading: one place that knows the flow-module fallback."""
from __future__ import annotations

from typing import Any, Callable

from ..flow import FlowError, load_flow
from ..flow.loader import module_name_for
from ..store import SerializationError, Store, TaskRecord


def import_flow_module_for(exc: BaseException, flow_file: str | None) -> bool:
    """Load the flow file an artifact's class lives in; True when that was what was missing.

    A class defined in a flow file pickles by reference to the module the runtime loaded the
    file as; outside a run that module exists only once the file is loaded again. When the
    file fails to import now, SerializationError says so and why (file:line).
    """
    cause = exc.__cause__
    missing = getattr(cause, "name", None) if isinstance(cause, ModuleNotFoundError) else None
    if not missing or not flow_file or missing != module_name_for(flow_file):
        return False
    try:
        load_flow(flow_file)
    except FlowError as err:  # say why, not "No module named '_workbench_flow_…'"
        raise SerializationError(
            f"its class is defined in the flow file, which fails to import now: {err}"
        ) from None
    return True


def load_blob(store: Store, key: str, flow_file: str | None) -> Any:
    """The value stored under ``key``; a class from ``flow_file`` is found by loading it."""
    try:
        return store.blobs.get(key)
    except SerializationError as exc:
        if not import_flow_module_for(exc, flow_file):
            raise
        return store.blobs.get(key)


def artifact_loader(store: Store, task: TaskRecord, flow_file: str | None = None
                    ) -> Callable[[str], Any]:
    """A ``name -> value`` loader over a task's artifact rows (for ``diff_artifacts``)."""
    keys = {a.name: a.key for a in store.catalog.list_artifacts(task.id)}
    if flow_file is None:
        run = store.catalog.get_run_by_id(task.run_id)
        flow_file = run.flow_file if run is not None else None
    return lambda name: load_blob(store, keys[name], flow_file)
