"""What a re-executed task is compared with ("before"), and the diff: one rule, every face.

A spin or resume re-executes tasks on a reference run's inputs. The "before" of such a task
is the same step at the same foreach path in the nearest run of its lineage (the reference
run, then the run that one came from, and so on) that ran that step (a failed task counts: a
fix then reads as its artifacts added): spin ``features`` on run 1 (run 4), then spin ``train`` on run 4 (run 5): run 5's
``train`` is compared with run 1's, since run 4 never ran ``train``; spin ``train`` again on
run 5 and the new task is compared with run 5's ``train``: what did my latest edit change?
A spin made with ``--against N`` starts that search at run N instead.

The CLI, the Python API, the engine worker and the app all ask :func:`before_task` and
:func:`task_diffs`; nothing else decides it.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any, Callable

from ..compare import ArtifactDiff, diff_artifacts
from ..store import ArtifactRecord, RunRecord, Store, StoreError, TaskRecord
from .artifacts import artifact_loader, comparable_artifacts
from .runs import lineage, run_label
from .steps import split_path, step_tasks, task_label

MAX_DIFFED_TASKS = 20  # splits diffed per spin of every split (the rest: listed, not diffed)

Loader = Callable[[ArtifactRecord], Any]


@dataclass
class TaskDiff:
    """One re-executed task (``task``) against its before (``before``), diffed."""

    run: RunRecord
    step: str
    task: TaskRecord
    before: TaskRecord | None
    diffs: list[ArtifactDiff]
    error: str | None = None  # why there is no diff (no before, or loading failed)

    @property
    def header(self) -> str:
        """``train[2]  Flow/6/train/40 vs Flow/5/train/33`` (names both tasks)."""
        before = self.before.pathspec if self.before is not None else "nothing"
        return f"{task_label(self.task)}  {self.task.pathspec} vs {before}"

    def changed(self) -> list[ArtifactDiff]:
        """The entries that are not ``unchanged``."""
        return [d for d in self.diffs if d.change != "unchanged"]

    def _repr_html_(self) -> str:
        from ..notebook import task_diff_html

        return task_diff_html(self)

    def __rich__(self) -> Any:
        from ..notebook import diffs_rich

        return diffs_rich(self.header, self.diffs, self.error)

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task.pathspec, "step": self.step,
                "split": list(split_path(self.task)),
                "before": self.before.pathspec if self.before is not None else None,
                "error": self.error, "diff": [d.to_json() for d in self.diffs]}


def diff_start(store: Store, run: RunRecord, against: int | None = None) -> RunRecord | None:
    """The run where the search for a before starts: ``against`` (or the run's recorded
    ``--against``), else the run's origin; None for a plain run."""
    number = against if against is not None else run.against_run
    if number is None:
        number = run.origin_run
    if number is None:
        return None
    found = store.catalog.get_run(run.flow, number)
    if found is None:
        raise StoreError(f"run {run.flow}/{number} not found in {store.root}")
    return found


def before_task(store: Store, run: RunRecord, task: TaskRecord,
                against: int | None = None) -> TaskRecord | None:
    """The task ``task`` (of ``run``) is compared with; None when its lineage never ran it."""
    start = diff_start(store, run, against)
    if start is None:
        return None
    path = split_path(task)
    # A step a recursive switch loops over runs several times at one path: the k-th time
    # is compared with the k-th time.
    nth = _iteration(step_tasks(store.catalog, run, task.step), task)
    for candidate in chain((start,), lineage(store.catalog, start)):  # lazily: nearest first
        same = [t for t in step_tasks(store.catalog, candidate, task.step)
                if t.finished and split_path(t) == path]
        if same:
            return same[min(nth, len(same) - 1)]
    return None


def _iteration(tasks: list[TaskRecord], task: TaskRecord) -> int:
    """How many tasks of the same step and path came before ``task`` in its run."""
    path = split_path(task)
    return sum(1 for t in tasks if split_path(t) == path and t.id < task.id)


def reexecuted(store: Store, run: RunRecord, step: str) -> list[TaskRecord]:
    """The tasks of ``step`` that ``run`` executed itself (clones left out), by split."""
    return [t for t in step_tasks(store.catalog, run, step) if t.cloned_from is None]


def diff_task(store: Store, run: RunRecord, task: TaskRecord, *, against: int | None = None,
              load: Loader | None = None) -> TaskDiff:
    """``task`` against its before; unchanged artifacts (equal keys) are never loaded."""
    try:
        before = before_task(store, run, task, against)
    except StoreError as exc:
        return TaskDiff(run, task.step, task, None, [], str(exc))
    if before is None:
        where = diff_start(store, run, against)
        return TaskDiff(run, task.step, task, None, [],
                        f"no earlier {task_label(task)} to compare with"
                        + (f" in the lineage of {where.pathspec}" if where else ""))
    if task.status != "succeeded":
        return TaskDiff(run, task.step, task, before, [], f"{task.pathspec} {task.status}")
    try:
        before_refs, after_refs = comparable_artifacts(store, before, task)
    except StoreError as exc:  # an imported artifact that cannot be fetched now
        return TaskDiff(run, task.step, task, before, [], str(exc))
    if load is None:
        load_before = artifact_loader(store, before)
        load_after = artifact_loader(store, task, run.flow_file)
    else:
        by_before = {a.name: a for a in before_refs}
        by_after = {a.name: a for a in after_refs}
        load_before = lambda name: load(by_before[name])  # noqa: E731
        load_after = lambda name: load(by_after[name])  # noqa: E731
    try:
        diffs = diff_artifacts(before_refs, after_refs, load_before, load_after)
    except Exception as exc:  # noqa: BLE001 - a diff failure is shown, never raised
        return TaskDiff(run, task.step, task, before, [], f"{type(exc).__name__}: {exc}")
    return TaskDiff(run, task.step, task, before, diffs)


def task_diffs(store: Store, run: RunRecord, step: str | None = None, *,
               against: int | None = None, load: Loader | None = None,
               limit: int = MAX_DIFFED_TASKS) -> list[TaskDiff]:
    """Every task of ``step`` (default: the spun step) that ``run`` re-executed, each against
    its before, by split; at most ``limit`` of them. Empty for a plain run."""
    step = step or run.spun_step
    if run.kind == "run" or step is None:
        return []
    return [diff_task(store, run, task, against=against, load=load)
            for task in reexecuted(store, run, step)[:limit]]


def diff_title(run: RunRecord, diffs: list[TaskDiff]) -> str:
    """``run 6: spin train[2] <- 5 · train[2] Flow/6/train/40 vs Flow/5/train/33``."""
    head = f"run {run.number}: {run_label(run)}"
    if len(diffs) == 1:
        return f"{head} · {diffs[0].header}"
    return head
