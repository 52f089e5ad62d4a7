"""What the panes show, computed from the store: plain data, no textual.

Every function here reads the catalog (through the client's store) and returns small
records the widgets only paint, so the logic is testable without a terminal. Nothing here
loads an artifact except ``spin_diffs`` (which diffs changed artifacts, bounded).
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ..display import format_params, format_seconds, format_size, safe
from ..queries import (PLAIN_KINDS, before_task, list_runs, run_label, step_state,
                       tasks_by_step)
from ..queries.status import MODIFIED, STALE, step_status
from ..store import ArtifactRecord, RunRecord, Store, TaskRecord
from .dag_layout import StepState

__all__ = [
    "ArtifactRow", "RUNS_WINDOW", "RunRow", "artifact_rows", "clock", "format_started",
    "run_rows",
    "short_path", "step_states", "task_facts",
]

# Snapshot tests replace this to freeze "now".
clock: Callable[[], float] = time.time

# Held while artifacts are unpickled or diffed in a thread. Unpickling may import numpy or
# pandas, and the diff engine looks them up in sys.modules: a second thread could see a
# half-imported module. One loader at a time keeps that from ever happening.
LOAD_LOCK = threading.RLock()

RUN_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "running": "yellow",
    "pending": "dim",
    "cancelled": "magenta",
    "crashed": "red",
    "cloned": "cyan",
    "reused": "magenta",
    "not_run": "dim",
}
# How the Runs pane marks where a run came from: ours plain, Metaflow's in its own colour.
KIND_STYLE = {"run": "", "metaflow": "bold magenta"}
RUN_GLYPH = {
    "succeeded": "✔", "failed": "✘", "running": "▶", "pending": "…", "cancelled": "■",
    "crashed": "☠", "cloned": "≡", "reused": "↺", "not_run": "·",
}


@dataclass(frozen=True)
class RunRow:
    """One line of the Runs pane."""

    number: int
    kind: str
    label: str         # "run", "spin train <- 5", "resume clean <- 3"
    status: str
    started: str
    duration: str
    params: str
    origin: int | None
    spun_step: str | None


def format_started(epoch: float | None, now: float | None = None) -> str:
    """``13:02:52`` today, ``11-25 13:02`` this year, else ``2025-11-25``."""
    if not epoch:
        return "-"
    when = datetime.fromtimestamp(epoch)
    today = datetime.fromtimestamp(clock() if now is None else now)
    if when.date() == today.date():
        return when.strftime("%H:%M:%S")
    if when.year == today.year:
        return when.strftime("%m-%d %H:%M")
    return when.strftime("%Y-%m-%d")


RUNS_WINDOW = 100  # runs the Runs pane lists at first (and adds per "older runs")


def run_rows(store: Store, flow: str, limit: int | None = None,
             down_to: int | None = None) -> list[RunRow]:
    """The flow's runs, newest first: at most ``limit``, or every run down to number
    ``down_to`` (a run asked for by number is always listed)."""
    now = clock()
    rows = []
    for rec in store.catalog.list_runs(flow, limit=limit, down_to=down_to):
        duration = rec.duration if rec.finished_at or rec.status == "running" else None
        rows.append(RunRow(
            number=rec.number, kind=rec.kind, label=safe(run_label(rec)), status=rec.status,
            started=format_started(rec.started_at, now),
            duration=format_seconds(duration) if duration is not None else "-",
            params=format_params(rec.parameters, limit=400), origin=rec.origin_run,
            spun_step=rec.spun_step))
    return rows


def step_states(graph: Any, store: Store, run: RunRecord | None, *,
                markers: bool = True) -> dict[str, StepState]:
    """Per step of ``graph``: its status in ``run`` (and task count), plus modified/stale
    against that run (the flow file's current source vs the source the run ran)."""
    if run is None:
        return {n: StepState() for n in graph.nodes}
    by_step = tasks_by_step(store.catalog, run)
    modified: set[str] = set()
    stale: set[str] = set()
    if markers:
        try:
            report = step_status(graph, store, run)
            modified = set(report.by_status(MODIFIED))
            stale = set(report.by_status(STALE))
        except Exception:  # a status problem must never hide the DAG
            pass
    out = {}
    for name in graph.nodes:
        tasks = by_step.get(name, [])
        out[name] = StepState(status=step_state(tasks, run), tasks=len(tasks) or None,
                              modified=name in modified, stale=name in stale)
    return out


@dataclass(frozen=True)
class ArtifactRow:
    """One line of the Artifacts pane. ``change``: "" (not a spin/resume), "unchanged",
    "changed" or "added" against the reference run's task."""

    name: str
    type_name: str
    size: str
    summary: str
    change: str = ""
    nbytes: int = 0
    key: str = ""  # the artifact's real name (``name`` is its sanitised display form)


def artifact_rows(store: Store, task: TaskRecord, reference: TaskRecord | None = None
                  ) -> list[ArtifactRow]:
    """The task's artifacts (no blob is opened); changes by key against ``reference`` (the
    task's before, ``queries.before_task``) when given."""
    before: dict[str, ArtifactRecord] = {}
    if reference is not None:
        before = {a.name: a for a in store.catalog.list_artifacts(reference.id)}
    rows = []
    for art in sorted(store.catalog.list_artifacts(task.id), key=lambda a: a.name):
        change = ""
        if reference is not None:
            old = before.get(art.name)
            change = "added" if old is None else ("unchanged" if old.key == art.key
                                                  else "changed")
        rows.append(ArtifactRow(safe(art.name), safe(art.type_name), format_size(art.size),
                                safe(art.summary), change, art.size, art.name))
    return rows


def before_of(store: Store, run: RunRecord, task: TaskRecord) -> TaskRecord | None:
    """The task a re-executed ``task`` is compared with (None for clones and plain runs)."""
    if run.kind in PLAIN_KINDS or task.cloned_from is not None:
        return None
    return before_task(store, run, task)


def task_facts(task: TaskRecord) -> list[tuple[str, str]]:
    """Label/value pairs for the Task tab."""
    split = "-" if task.split_index is None else str(task.split_index)
    if task.foreach_stack:
        split = " / ".join(f"{frame[1] if len(frame) > 1 else '?'}[{frame[2]}]"
                           if len(frame) > 2 else str(frame) for frame in task.foreach_stack)
    facts = [
        ("task", task.pathspec),
        ("status", task.status),
        ("attempt", str(task.attempt)),
        ("split", split),
        ("started", format_started(task.started_at)),
        ("duration", format_seconds(task.duration)),
        ("inputs", ", ".join(str(t) for t in task.input_task_ids) or "-"),
        ("reused from", f"task {task.reused_from} (same code and inputs)")
        if task.reused_from is not None else
        ("cloned from", str(task.cloned_from) if task.cloned_from is not None else "-"),
        ("logs", f"stdout {format_size(task.stdout_bytes)}, stderr "
                 f"{format_size(task.stderr_bytes)}"
                 + (" (truncated)" if task.log_truncated else "")),
    ]
    return facts


def short_path(path: str | os.PathLike[str] | None) -> str:
    """``path`` relative to the working directory when inside it, ``~/...`` under home."""
    if path is None:
        return "-"
    p = Path(path).expanduser()
    try:
        p = p.resolve()
    except OSError:
        pass
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            rel = p.relative_to(base.resolve())
        except (ValueError, OSError):
            continue
        return prefix + str(rel) if str(rel) != "." else (prefix.rstrip("/") or ".")
    return str(p)
