"""Import runs Metaflow executed (local or S3 datastore) as workbench runs of kind ``metaflow``.

Read through Metaflow's own classes (``metaflow_fetch``): the task datastores of a run in one
listing, the small system artifacts that say what a task was (``_task_ok``, ``_foreach_stack``,
``_transition``, ``_exception``...) in one batched load, the run's parameters, and the logs
of every task in one batched read, merged by Metaflow's ``mflog``. Every other artifact
becomes a pointer (``store/remote.py``): nothing of its data is copied until first used.

A task is its latest finished attempt (a retried task: the attempt that succeeded); one whose
only attempt never finished reads ``crashed``. Input tasks are rebuilt from the graph Metaflow
stored (``_graph_info``) and the tasks' foreach stacks: joins get theirs in split order.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from ..store import RunRecord, Store
from ..store.imported import ImportedRun, ImportedTask, write_imported
from ..store.remote import POINTER_PREFIX, RemoteFetchError
from .metaflow_fetch import (DictBlobCache, default_root, flow_datastore, real_metaflow,
                             root_from_option)

SYSTEM = "metaflow"
# Artifacts Metaflow writes for itself: read here to build the task, never listed as data.
_SYSTEM_NAMES = ("_task_ok", "_foreach_stack", "_transition", "_foreach_num_splits",
                 "_exception", "_graph_info")
UNFETCHED = "in Metaflow's datastore, fetched on first use"
_RUN_ID = re.compile(r"[A-Za-z0-9_.:-]+")


class ImportError_(RemoteFetchError):
    """A run cannot be imported (one line: what and where)."""


@dataclass
class Imported:
    """One imported run: the workbench record and whether this import created it."""

    run: RunRecord
    created: bool
    external_id: str


def import_metaflow(store: Store, target: str, *, all_runs: bool = False,
                    root: str | None = None) -> list[Imported]:
    """Import ``Flow`` (its latest run, or every run with ``all_runs``) or ``Flow/RUN_ID``."""
    flow, _, run_id = target.partition("/")
    if not flow or not flow.isidentifier() or (run_id and not _RUN_ID.fullmatch(run_id)):
        raise ImportError_(f"bad run {target!r}: expected FLOW or FLOW/RUN_ID")
    if run_id and all_runs:
        raise ImportError_("--all imports every run of a flow: give FLOW, not FLOW/RUN_ID")
    with real_metaflow():
        datastore, ds_root = root_from_option(root) if root else default_root()
        flow_ds = flow_datastore(datastore, ds_root, flow)
        ids = [run_id] if run_id else _run_ids(flow_ds, flow, ds_root, latest=not all_runs)
        done = []
        for rid in ids:
            run = read_run(flow_ds, datastore, ds_root, flow, rid)
            record, created = write_imported(store, run)
            done.append(Imported(record, created, f"{flow}/{rid}"))
    return done


def _run_ids(flow_ds: Any, flow: str, ds_root: str, latest: bool) -> list[str]:
    """Run ids of ``flow`` in the datastore, oldest first (only the newest when ``latest``)."""
    storage = flow_ds._storage_impl
    entries = storage.list_content([flow])
    ids = [storage.path_split(e.path.rstrip("/"))[-1] for e in entries if not e.is_file]
    ids = [i for i in ids if i != "data"]
    if not ids:
        raise ImportError_(f"no runs of {flow} in the Metaflow datastore {ds_root}")
    ids.sort(key=lambda i: (0, int(i), "") if i.isdigit() else (1, 0, i))
    if latest:
        pointer = storage.path_join(flow, "latest_run")
        with storage.load_bytes([pointer]) as loaded:
            for _, path, _ in loaded:
                if path is not None:
                    with open(path, encoding="utf-8") as fh:
                        text = fh.read().strip()
                    if text in ids:
                        return [text]
        return ids[-1:]
    return ids


def read_run(flow_ds: Any, datastore: str, ds_root: str, flow: str, run_id: str
             ) -> ImportedRun:
    """Everything workbench keeps of one Metaflow run, with artifacts as pointers."""
    from metaflow.datastore.task_datastore import TaskDataStore  # noqa: PLC0415

    picked = _pick_attempts(flow_ds, run_id)
    if not picked:
        raise ImportError_(f"run {flow}/{run_id} not found in the Metaflow datastore {ds_root}")
    chosen = {(ds.step_name, ds.task_id): ds for ds in _task_datastores(flow_ds, picked)}
    location = {"datastore": datastore, "root": ds_root, "flow": flow}
    params_ds = next((ds for ds in chosen.values() if ds.step_name == "_parameters"), None)
    tasks_ds = [ds for ds in chosen.values() if not ds.step_name.startswith("_")]

    wanted: dict[str, list[str]] = {}
    for ds in tasks_ds:
        wanted[ds.pathspec] = [n for n in _SYSTEM_NAMES if n in ds._objects]
    system = _load_system(flow_ds, tasks_ds, wanted)
    graph = next((v["_graph_info"] for v in system.values() if "_graph_info" in v), None) or {}
    param_names = [p["name"] for p in graph.get("parameters", [])]
    parameters: dict[str, Any] = {}
    if params_ds is not None and params_ds._objects:
        names = [n for n in param_names if n in params_ds._objects]
        parameters = {k: _jsonable(v) for k, v in params_ds.load_artifacts(names)}
    logs, attempt_times = _load_logs(flow_ds, tasks_ds, TaskDataStore)

    steps = graph.get("steps", {})
    split_of = {child: name for name, node in steps.items()
                if node.get("type") == "split-foreach" for child in node.get("next", [])}
    pointers: dict[str, tuple[str, dict, dict]] = {}
    tasks: list[ImportedTask] = []
    for ds in tasks_ds:
        values = system.get(ds.pathspec, {})
        frames = [[split_of.get(f.step, f.step), f.var, int(f.index), int(f.num_splits)]
                  for f in (values.get("_foreach_stack") or [])]
        artifacts = []
        for name, sha in ds._objects.items():
            if name.startswith("_") or name == "name":
                continue
            info = ds._info.get(name, {})
            key = POINTER_PREFIX + sha
            pointers.setdefault(key, (SYSTEM, location, info))
            artifacts.append((name, key, _type_name(info.get("type", "")),
                              int(info.get("size", 0) or 0), UNFETCHED))
        out, err, started, finished = logs.get(ds.pathspec, (b"", b"", None, None))
        began, ended = _local_times(ds, flow_ds)
        started = began or attempt_times.get(ds.pathspec) or started
        finished = ended or finished or started
        status, exception, tb = _status(ds, values)
        tasks.append(ImportedTask(
            external_id=f"{flow}/{ds.pathspec}", step=ds.step_name, status=status,
            attempt=int(ds.attempt or 0), foreach_stack=frames, parents=[],
            started_at=started, finished_at=finished if status != "running" else None,
            transition=_transition(values, steps.get(ds.step_name, {})),
            exception=exception, traceback=tb, artifacts=artifacts, stdout=out, stderr=err))
    _link_parents(tasks, steps, graph)
    tasks = _parents_first(tasks)
    started = min((t.started_at for t in tasks if t.started_at), default=time.time())
    ends = [t.finished_at for t in tasks if t.finished_at]
    status, message = _run_status(tasks, graph.get("end_step", "end"))
    return ImportedRun(
        flow=flow, external_id=f"{SYSTEM}:{flow}/{run_id}",
        external={"system": SYSTEM, "pathspec": f"{flow}/{run_id}", "datastore": datastore,
                  "root": ds_root},
        flow_file=graph.get("file") or f"{flow}.py", status=status, parameters=parameters,
        user=None,  # Metaflow keeps who ran it in its metadata service, not the datastore
        started_at=started, finished_at=max(ends) if ends and status != "running"
        else None, tasks=tasks, pointers=pointers, message=message,
        system_tags=[f"metaflow_run:{run_id}"])


def _pick_attempts(flow_ds: Any, run_id: str) -> list[tuple[str, str, str, int, bool]]:
    """``(run, step, task, attempt, finished)`` of each task's latest finished attempt (its done marker is
    there), else its latest started one, from one listing of the tasks' files: asking for
    every possible attempt instead costs a request per missing file on S3."""
    from metaflow.datastore.task_datastore import TaskDataStore  # noqa: PLC0415

    storage = flow_ds._storage_impl
    run_prefix = storage.path_join(flow_ds.flow_name, run_id)
    steps = [e.path for e in storage.list_content([run_prefix]) if not e.is_file]
    tasks = [e.path for e in storage.list_content(steps) if not e.is_file] if steps else []
    started: dict[str, set[int]] = {}
    done: dict[str, set[int]] = {}
    for entry in storage.list_content(tasks) if tasks else []:
        if not entry.is_file:
            continue
        parts = storage.path_split(entry.path.rstrip("/"))
        if len(parts) < 5:
            continue
        task = "/".join(parts[1:4])
        attempt, _, name = parts[4].partition(".")
        if not attempt.isdigit():
            continue
        if name == TaskDataStore.METADATA_ATTEMPT_SUFFIX:
            started.setdefault(task, set()).add(int(attempt))
        elif name == TaskDataStore.METADATA_DONE_SUFFIX:
            done.setdefault(task, set()).add(int(attempt))
    picked = []
    for task, attempts in sorted(started.items()):
        finished = done.get(task, set()) & attempts
        run, step, task_id = task.split("/")
        picked.append((run, step, task_id, max(finished or attempts), bool(finished)))
    return picked


def _task_datastores(flow_ds: Any, picked: list[tuple[str, str, str, int, bool]]
                     ) -> list[Any]:
    """Metaflow's TaskDataStore of each picked attempt, its ``data.json`` read for all of
    them in one batch (an attempt that never finished has no data: an empty store)."""
    from metaflow.datastore.task_datastore import TaskDataStore  # noqa: PLC0415

    storage = flow_ds._storage_impl
    paths = {storage.path_join(flow_ds.flow_name, run, step, task,
                               TaskDataStore.metadata_name_for_attempt(
                                   TaskDataStore.METADATA_DATA_SUFFIX, attempt)):
             (run, step, task) for run, step, task, attempt, done in picked if done}
    data: dict[tuple[str, str, str], dict] = {}
    with storage.load_bytes(list(paths)) as loaded:
        for key, path, _ in loaded:
            if path is not None:
                with open(path, encoding="utf-8") as fh:
                    data[paths[key]] = json.load(fh)
    return [flow_ds.get_task_datastore(run, step, task, attempt=attempt, allow_not_done=True,
                                       data_metadata=data.get((run, step, task))
                                       or {"objects": {}, "info": {}})
            for run, step, task, attempt, _ in picked]


def _load_system(flow_ds: Any, tasks_ds: list[Any], wanted: dict[str, list[str]]
                 ) -> dict[str, dict[str, Any]]:
    """The system artifacts of every task, read in one batch through Metaflow's CAS."""
    keys = {ds._objects[n] for ds in tasks_ds for n in wanted[ds.pathspec]}
    cache = DictBlobCache()
    flow_ds.ca_store.set_blob_cache(cache)
    try:
        for _ in flow_ds.ca_store.load_blobs(list(keys)):
            pass  # loading fills the cache (store_key), decompressed
        return {ds.pathspec: dict(ds.load_artifacts(wanted[ds.pathspec])) for ds in tasks_ds}
    finally:
        flow_ds.ca_store.set_blob_cache(None)


def _load_logs(flow_ds: Any, tasks_ds: list[Any], task_ds_cls: Any
               ) -> tuple[dict[str, tuple[bytes, bytes, float | None, float | None]],
                          dict[str, float]]:
    """Each task's stdout and stderr (Metaflow's runtime and task logs merged, its prefixes
    removed) with the first and last line's time, and when each attempt began (its attempt
    file), read in one batch."""
    from metaflow.mflog import LOG_SOURCES  # noqa: PLC0415
    from metaflow.mflog.mflog import merge_logs  # noqa: PLC0415

    storage = flow_ds._storage_impl
    paths: dict[str, tuple[str, str]] = {}
    for ds in tasks_ds:
        for stream in ("stdout", "stderr"):
            for source in LOG_SOURCES:
                name = task_ds_cls.metadata_name_for_attempt(f"{source}_{stream}.log",
                                                             ds.attempt)
                paths[storage.path_join(flow_ds.flow_name, ds.pathspec, name)] = (
                    ds.pathspec, stream)
        name = task_ds_cls.metadata_name_for_attempt(task_ds_cls.METADATA_ATTEMPT_SUFFIX,
                                                     ds.attempt)
        paths[storage.path_join(flow_ds.flow_name, ds.pathspec, name)] = (ds.pathspec,
                                                                           "attempt")
    blobs: dict[tuple[str, str], list[bytes]] = {}
    began: dict[str, float] = {}
    with storage.load_bytes(list(paths)) as loaded:
        for key, path, _ in loaded:
            if path is None:
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            pathspec, stream = paths[key]
            if stream == "attempt":
                try:
                    began[pathspec] = float(json.loads(data)["time"])
                except (ValueError, KeyError, TypeError):
                    pass
                continue
            blobs.setdefault((pathspec, stream), []).append(data)
    out: dict[str, tuple[bytes, bytes, float | None, float | None]] = {}
    for ds in tasks_ds:
        texts, times = {}, []
        for stream in ("stdout", "stderr"):
            lines = []
            for line in merge_logs(blobs.get((ds.pathspec, stream), [])):
                lines.append(line.msg + b"\n")
                if line.utc_tstamp is not None and line.utc_tstamp.year > 1970 \
                        and line.utc_tstamp.year < 9000:
                    times.append(line.utc_tstamp.timestamp())
            texts[stream] = b"".join(lines)
        out[ds.pathspec] = (texts["stdout"], texts["stderr"], min(times, default=None),
                            max(times, default=None))
    return out, began


def _local_times(ds: Any, flow_ds: Any) -> tuple[float | None, float | None]:
    """When the attempt began and wrote its done marker, from its files' times in a local
    datastore (the datastore API keeps no times; elsewhere the attempt file's start time
    and the last log line's time stand in)."""
    storage = flow_ds._storage_impl
    if getattr(storage, "TYPE", "") != "local":
        return None, None
    times = []
    for suffix in ("task_begin", ds.METADATA_DONE_SUFFIX):
        name = ds.metadata_name_for_attempt(suffix, ds.attempt)
        try:
            times.append(os.path.getmtime(storage.full_uri(storage.path_join(
                flow_ds.flow_name, ds.pathspec, name))))
        except OSError:
            times.append(None)
    return times[0], times[1]


def _status(ds: Any, values: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """``(status, exception line, traceback)`` of the chosen attempt."""
    if not ds._objects:
        return "crashed", "the task never finished (no data was written)", None
    if values.get("_task_ok"):
        return "succeeded", None, None
    exc = values.get("_exception")
    if exc is None:
        return "failed", "the task failed", None
    kind = getattr(exc, "type", None) or type(exc).__name__
    message = str(getattr(exc, "exception", None) or getattr(exc, "message", "")
                  or exc).strip().splitlines()
    line = f"{kind.rpartition('.')[2]}: {message[0]}" if message else kind
    return "failed", line, getattr(exc, "stacktrace", None)


def _transition(values: dict[str, Any], node: dict) -> dict | None:
    """Our transition document from Metaflow's ``_transition`` (and the graph's switch)."""
    raw = values.get("_transition")
    if not raw:
        return None
    steps, foreach = list(raw[0] or []), raw[1] if len(raw) > 1 else None
    doc: dict[str, Any] = {"steps": steps}
    if foreach:
        doc["foreach"] = foreach
        doc["num_splits"] = values.get("_foreach_num_splits")
    if node.get("type") == "split-switch":
        cases = node.get("switch_cases") or {}
        doc["condition"] = node.get("condition")
        doc["condition_value"] = next((k for k, v in cases.items() if v in steps), None)
    return doc


def _link_parents(tasks: list[ImportedTask], steps: dict, graph: dict) -> None:
    """Each task's input tasks: same foreach path for a linear edge, the path less its last
    index into a foreach, every deeper path (in split order) for a foreach join, one task
    per branch (in the split's order) for a branch join."""
    by_step: dict[str, list[ImportedTask]] = {}
    for task in tasks:
        by_step.setdefault(task.step, []).append(task)
    parents_of: dict[str, list[str]] = {}
    for name, node in steps.items():
        for child in node.get("next", []):
            parents_of.setdefault(child, []).append(name)
    for task in tasks:
        path = tuple(f[2] for f in task.foreach_stack)
        ordered = _branch_order(task.step, parents_of.get(task.step, []), steps)
        found: list[str] = []
        for parent in ordered:
            matches = []
            for cand in by_step.get(parent, []):
                q = tuple(f[2] for f in cand.foreach_stack)
                if q == path or (len(q) == len(path) - 1 and q == path[:-1]) or \
                        (len(q) == len(path) + 1 and q[:-1] == path):
                    matches.append((q, cand.external_id))
            found += [ext for _, ext in sorted(matches)]
        task.parents = found


def _branch_order(step: str, parents: list[str], steps: dict) -> list[str]:
    """A join's parent steps in the order of its split's branches (else as listed)."""
    split = next((n for n, node in steps.items() if node.get("matching_join") == step
                  and node.get("type") == "split-static"), None)
    if split is None or len(parents) < 2:
        return parents
    heads = steps[split].get("next", [])

    def branch(parent: str) -> int:
        seen, frontier = {parent}, [parent]
        while frontier:
            current = frontier.pop()
            if current in heads:
                return heads.index(current)
            for name, node in steps.items():
                if current in node.get("next", []) and name not in seen and name != split:
                    seen.add(name)
                    frontier.append(name)
        return len(heads)

    return sorted(parents, key=branch)


def _parents_first(tasks: list[ImportedTask]) -> list[ImportedTask]:
    by_id = {t.external_id: t for t in tasks}
    out: list[ImportedTask] = []
    placed: set[str] = set()

    def place(task: ImportedTask, trail: frozenset) -> None:
        if task.external_id in placed or task.external_id in trail:
            return
        for parent in task.parents:
            if parent in by_id:
                place(by_id[parent], trail | {task.external_id})
        placed.add(task.external_id)
        out.append(task)

    for task in sorted(tasks, key=lambda t: (t.started_at or 0, t.external_id)):
        place(task, frozenset())
    return out


def _run_status(tasks: list[ImportedTask], end: str) -> tuple[str, str | None]:
    if any(t.step == end and t.status == "succeeded" for t in tasks):
        return "succeeded", None
    failed = next((t for t in tasks if t.status == "failed"), None)
    if failed is not None:
        return "failed", None
    if any(t.status == "crashed" for t in tasks):
        return "crashed", "a task never finished in Metaflow (import again once it has)"
    return "failed", "the Metaflow run has not reached its end step (import again to update)"


def _type_name(text: str) -> str:
    """``<class 'pandas.core.frame.DataFrame'>`` -> ``pandas.core.frame.DataFrame``."""
    m = re.fullmatch(r"<class '([^']+)'>", text or "")
    name = m.group(1) if m else (text or "object")
    return name.removeprefix("builtins.")


def _jsonable(value: Any) -> Any:
    import json  # noqa: PLC0415

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)
