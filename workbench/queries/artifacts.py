"""Loading an artifact's value for reading: one place that knows the flow-module fallback."""
from __future__ import annotations

from typing import Any, Callable

from ..flow import FlowError, load_flow
from ..flow.loader import module_name_for
from ..store import ArtifactRecord, SerializationError, Store, TaskRecord
from ..store.remote import is_pointer


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


def comparable_artifacts(store: Store, task_a: TaskRecord, task_b: TaskRecord
                         ) -> tuple[list[ArtifactRecord], list[ArtifactRecord]]:
    """Both tasks' artifact rows, ready for "unchanged is equal keys": an imported artifact
    still in Metaflow's datastore (a pointer key) is fetched first when the other side holds
    a different key, so a value fetched from Metaflow and the same value computed here read
    as unchanged. Equal keys (the same pointer on both sides included) fetch nothing."""
    rows_a = store.catalog.list_artifacts(task_a.id)
    rows_b = store.catalog.list_artifacts(task_b.id)
    by_b = {r.name: r for r in rows_b}
    pending = {r.name for r in rows_a if r.name in by_b and r.key != by_b[r.name].key
               and (is_pointer(r.key) or is_pointer(by_b[r.name].key))}
    if not pending:
        return rows_a, rows_b
    remote = store.blobs.remote
    for name in sorted(pending):
        for row in (next(r for r in rows_a if r.name == name), by_b[name]):
            if is_pointer(row.key):
                remote.resolve_key(row.key)
    return (store.catalog.list_artifacts(task_a.id), store.catalog.list_artifacts(task_b.id))
