"""Writing a run another system executed (Metaflow) into the store, idempotently.

The importer (``workbench.compat.metaflow_import``) reads the other system and hands over an
``ImportedRun``: plain rows, artifact values as pointer keys (``store/remote.py``). Writing it
again updates the same workbench run: tasks are matched by their external pathspec, a task
whose attempt or status changed gets its new rows, the rest are left as they are (their
fetched artifacts stay fetched).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from .catalog import RunRecord, _dumps, storable
from .remote import rekey_fetched

_LOG_STREAMS = ("stdout", "stderr")


@dataclass
class ImportedTask:
    """One task as the other system recorded it (its latest finished attempt)."""

    external_id: str  # Flow/run/step/task there
    step: str
    status: str
    attempt: int
    foreach_stack: list  # our frames: [split step, var, index, num_splits]
    parents: list[str]  # external ids of its input tasks, in split order for a join
    started_at: float | None
    finished_at: float | None
    transition: dict | None = None
    exception: str | None = None
    traceback: str | None = None
    artifacts: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""


@dataclass
class ImportedRun:
    """A run of another system: what our ``runs`` row needs, its tasks and its pointers."""

    flow: str
    external_id: str  # e.g. metaflow:Flow/1796185356802609
    external: dict  # how to reach it again: datastore, root, pathspec
    flow_file: str
    status: str
    parameters: dict
    user: str | None
    started_at: float
    finished_at: float | None
    tasks: list[ImportedTask]
    pointers: dict[str, tuple[str, dict, dict]]  # key -> (system, location, info)
    tags: list[str] = field(default_factory=list)
    system_tags: list[str] = field(default_factory=list)
    message: str | None = None
    source_text: str | None = None


def find_imported(catalog: Any, flow: str, external_id: str) -> RunRecord | None:
    """The workbench run an earlier import of ``external_id`` made, or None."""
    row = catalog._one("SELECT id FROM runs WHERE flow = ? AND external_id = ?",
                       (flow, external_id))
    return catalog.get_run_by_id(row[0]) if row else None


def write_imported(store: Any, run: ImportedRun) -> tuple[RunRecord, bool]:
    """Create or update the workbench run of ``run``; returns it and whether it is new."""
    catalog = store.catalog
    written: list[tuple[int, ImportedTask]] = []
    with catalog._write() as conn:
        row = conn.execute("SELECT id FROM runs WHERE flow = ? AND external_id = ?",
                           (run.flow, run.external_id)).fetchone()
        source_key = None
        if run.source_text is not None:
            import blake3
            source_key = blake3.blake3(run.source_text.encode("utf-8")).hexdigest()
            conn.execute("INSERT OR IGNORE INTO sources (key, text) VALUES (?, ?)",
                         (source_key, run.source_text))
        fields = (run.status, run.flow_file, _dumps(run.parameters), _dumps(run.tags),
                  run.user, run.started_at, run.finished_at, run.finished_at or run.started_at,
                  run.message, source_key, _dumps(run.system_tags), _dumps(run.external))
        if row is None:
            number = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM runs WHERE flow = ?",
                                  (run.flow,)).fetchone()[0]
            run_id = conn.execute(
                "INSERT INTO runs (flow, number, kind, status, flow_file, parameters, tags,"
                " user, started_at, finished_at, heartbeat_at, message, source_key,"
                " system_tags, external, external_id, host)"
                " VALUES (?, ?, 'metaflow', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run.flow, number, *fields, run.external_id, None)).lastrowid
            created = True
        else:
            run_id = row[0]
            conn.execute(
                "UPDATE runs SET status = ?, flow_file = ?, parameters = ?, tags = ?, user = ?,"
                " started_at = ?, finished_at = ?, heartbeat_at = ?, message = ?,"
                " source_key = COALESCE(?, source_key), system_tags = ?, external = ?"
                " WHERE id = ?", (*fields, run_id))
            created = False
        conn.executemany(
            "INSERT OR IGNORE INTO remote_blobs (key, system, location, info) VALUES (?, ?, ?, ?)",
            [(key, system, json.dumps(loc, sort_keys=True), json.dumps(info, sort_keys=True))
             for key, (system, loc, info) in run.pointers.items()])
        existing = {ext: (tid, attempt, status) for tid, ext, attempt, status in conn.execute(
            "SELECT id, external_id, attempt, status FROM tasks WHERE run_id = ?", (run_id,))}
        ids: dict[str, int] = {ext: tid for ext, (tid, _, _) in existing.items()}
        for task in run.tasks:  # parents come first: the importer orders them so
            inputs = [ids[p] for p in task.parents if p in ids]
            values = (task.step, task.status, task.attempt,
                      task.foreach_stack[-1][2] if task.foreach_stack else None,
                      _dumps(task.foreach_stack), _dumps(inputs), task.started_at,
                      task.finished_at, storable(task.exception), storable(task.traceback),
                      _dumps(task.transition), len(task.stdout), len(task.stderr))
            seen = existing.get(task.external_id)
            if seen is not None:
                tid = seen[0]
                conn.execute(
                    "UPDATE tasks SET step = ?, status = ?, attempt = ?, split_index = ?,"
                    " foreach_stack = ?, input_task_ids = ?, started_at = ?, finished_at = ?,"
                    " exception = ?, traceback = ?, transition = ?, stdout_bytes = ?,"
                    " stderr_bytes = ? WHERE id = ?", (*values, tid))
                if seen[1:] == (task.attempt, task.status):
                    continue  # the same attempt: its facts again, its artifacts kept
                conn.execute("DELETE FROM artifacts WHERE task_id = ?", (tid,))
            else:
                tid = conn.execute(
                    "INSERT INTO tasks (run_id, step, status, attempt, split_index,"
                    " foreach_stack, input_task_ids, started_at, finished_at, exception,"
                    " traceback, transition, stdout_bytes, stderr_bytes, external_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run_id, *values, task.external_id)).lastrowid
                ids[task.external_id] = tid
            conn.executemany(
                "INSERT INTO artifacts (task_id, name, key, type_name, size, summary)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(tid, storable(n), k, storable(t), int(s), storable(m))
                 for n, k, t, s, m in task.artifacts])
            written.append((tid, task))
        # a pointer fetched earlier: rows written now take the fetched blob at once
        rekey_fetched(conn, "task_id IN (SELECT id FROM tasks WHERE run_id = ?)", (run_id,))
    for tid, task in written:
        _write_logs(store, tid, task)
    record = catalog.get_run_by_id(run_id)
    assert record is not None
    return record, created


def _write_logs(store: Any, task_id: int, task: ImportedTask) -> None:
    """A task's two streams as log files (none for an empty stream), replaced whole."""
    for stream in _LOG_STREAMS:
        data: bytes = getattr(task, stream)
        path = store.log_path(task_id, stream)
        if not data:
            path.unlink(missing_ok=True)
            continue
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    store.log_path(task_id, "order").unlink(missing_ok=True)


__all__ = ["ImportedRun", "ImportedTask", "find_imported", "write_imported"]
