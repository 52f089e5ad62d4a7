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

from ..cli.console import format_params, format_seconds, format_size, safe
from ..compare import ArtifactDiff
from ..engine.comparison import diff_tasks
from ..engine.status import MODIFIED, STALE, step_status
from ..store import ArtifactRecord, RunRecord, Store, TaskRecord
from .dag_layout import StepState

__all__ = [
    "ArtifactRow", "RunRow", "SpinDiff", "artifact_rows", "clock", "format_started",
    "kind_label", "reference_task", "run_rows", "short_path", "spin_diffs", "step_states",
    "step_tasks", "task_facts",
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
    "not_run": "dim",
}
RUN_GLYPH = {
    "succeeded": "✔", "failed": "✘", "running": "▶", "pending": "…", "cancelled": "■",
    "crashed": "☠", "cloned": "≡", "not_run": "·",
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


def kind_label(rec: RunRecord) -> str:
    """``run``; ``spin train <- 5``; ``resume clean <- 3``."""
    if rec.kind == "run":
        return "run"
    step = f" {rec.spun_step}" if rec.spun_step else ""
    origin = f" <- {rec.origin_run}" if rec.origin_run is not None else ""
    return f"{rec.kind}{step}{origin}"


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


def run_rows(store: Store, flow: str) -> list[RunRow]:
    """The flow's runs, newest first."""
    now = clock()
    rows = []
    for rec in store.catalog.list_runs(flow):
        duration = rec.duration if rec.finished_at or rec.status == "running" else None
        rows.append(RunRow(
            number=rec.number, kind=rec.kind, label=safe(kind_label(rec)), status=rec.status,
            started=format_started(rec.started_at, now),
            duration=format_seconds(duration) if duration is not None else "-",
            params=format_params(rec.parameters, limit=80), origin=rec.origin_run,
            spun_step=rec.spun_step))
    return rows


def step_tasks(store: Store, run: RunRecord, step: str) -> list[TaskRecord]:
    """The step's tasks in the run, by split index."""
    tasks = store.catalog.list_tasks(run.id, step)
    return sorted(tasks, key=lambda t: (t.split_index is not None, t.split_index or 0, t.id))


def _aggregate(tasks: list[TaskRecord], run: RunRecord) -> str:
    if not tasks:
        return "not_run"
    statuses = {t.status for t in tasks}
    for status in ("failed", "crashed", "running", "cancelled", "pending"):
        if status in statuses:
            return status
    if run.kind != "run" and all(t.cloned_from is not None for t in tasks):
        return "cloned"
    return "succeeded"


def step_states(graph: Any, store: Store, run: RunRecord | None, *,
                markers: bool = True) -> dict[str, StepState]:
    """Per step of ``graph``: its status in ``run`` (and task count), plus modified/stale
    against that run (the flow file's current source vs the source the run ran)."""
    if run is None:
        return {n: StepState() for n in graph.nodes}
    by_step: dict[str, list[TaskRecord]] = {}
    for task in store.catalog.list_tasks(run.id):
        by_step.setdefault(task.step, []).append(task)
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
        out[name] = StepState(status=_aggregate(tasks, run), tasks=len(tasks) or None,
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


def reference_task(store: Store, run: RunRecord, task: TaskRecord) -> TaskRecord | None:
    """For a task of a spin or resume run: the same step and split in its origin run."""
    if run.kind == "run" or run.origin_run is None:
        return None
    origin = store.catalog.get_run(run.flow, run.origin_run)
    if origin is None:
        return None
    for other in store.catalog.list_tasks(origin.id, task.step):
        if other.split_index == task.split_index and other.foreach_stack == task.foreach_stack:
            return other
    return None


def artifact_rows(store: Store, task: TaskRecord, reference: TaskRecord | None = None
                  ) -> list[ArtifactRow]:
    """The task's artifacts (no blob is opened); changes by key when a reference is given."""
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
        rows.append(ArtifactRow(art.name, art.type_name, format_size(art.size),
                                safe(art.summary), change, art.size))
    return rows


@dataclass
class SpinDiff:
    """The spun task of a spin (one per split), its reference task and the diff."""

    run: RunRecord
    reference: RunRecord | None
    step: str
    task: TaskRecord
    before: TaskRecord | None
    diffs: list[ArtifactDiff]
    error: str | None = None


def spin_diffs(store: Store, run: RunRecord) -> list[SpinDiff]:
    """For a spin or resume: each re-executed task of the spun step against the same task of
    the origin run (artifacts with equal keys are never loaded)."""
    if run.kind == "run" or not run.spun_step:
        return []
    origin = store.catalog.get_run(run.flow, run.origin_run) if run.origin_run else None
    out = []
    for task in step_tasks(store, run, run.spun_step):
        if task.cloned_from is not None:
            continue
        before = reference_task(store, run, task)
        if before is None:
            out.append(SpinDiff(run, origin, run.spun_step, task, None, [],
                                "no task of this step in the reference run"))
            continue
        try:
            with LOAD_LOCK:
                diffs = diff_tasks(store, before, task)
            out.append(SpinDiff(run, origin, run.spun_step, task, before, diffs))
        except Exception as exc:  # noqa: BLE001 - shown, never raised into the UI
            out.append(SpinDiff(run, origin, run.spun_step, task, before, [],
                                f"{type(exc).__name__}: {exc}"))
    return out


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
