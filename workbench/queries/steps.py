"""A step's status from its tasks, and a task's place inside foreaches: one rule each."""
from __future__ import annotations

from typing import Iterable, Sequence

from ..store import Catalog, RunRecord, TaskRecord

# When a step's tasks disagree, the first of these that any task has is the step's status;
# a step whose tasks all succeeded succeeded.
STATUS_PRIORITY = ("failed", "crashed", "cancelled", "running", "pending")
NOT_RUN, CLONED, REUSED = "not_run", "cloned", "reused"


def step_status(tasks: Iterable[TaskRecord]) -> str | None:
    """The status of a step from its tasks; None when it has no task."""
    statuses = {t.status for t in tasks}
    if not statuses:
        return None
    return next((s for s in STATUS_PRIORITY if s in statuses), "succeeded")


def step_state(tasks: Sequence[TaskRecord], run: RunRecord) -> str:
    """What a step is in ``run`` for display: its status, ``not_run`` without tasks, or
    ``cloned`` when a spin or resume reused every task of it from an earlier run, ``reused``
    when ``run --reuse`` cloned every task of it instead of executing (same code, same
    inputs)."""
    status = step_status(tasks)
    if status is None:
        return NOT_RUN
    if status == "succeeded" and all(t.reused_from is not None for t in tasks):
        return REUSED
    if status == "succeeded" and run.kind != "run" and all(t.cloned_from is not None
                                                            for t in tasks):
        return CLONED
    return status


def split_path(task: TaskRecord) -> tuple[int, ...]:
    """The task's split index in each enclosing foreach, outermost first (``()`` outside)."""
    return tuple(int(frame[2]) for frame in task.foreach_stack)


def split_label(path: Sequence[int] | str | None) -> str:
    """``[2]``, ``[1][0]``, ``[*]`` (every split) or ``""`` (not inside a foreach)."""
    if path == "*":
        return "[*]"
    return "".join(f"[{i}]" for i in (path or ()))


def task_label(task: TaskRecord) -> str:
    """``train[2]``: the step and, inside a foreach, the split."""
    return f"{task.step}{split_label(split_path(task))}"


def by_split(tasks: Sequence[TaskRecord]) -> dict[tuple[int, ...], TaskRecord]:
    """One task per foreach path (the first created), ordered by path."""
    out: dict[tuple[int, ...], TaskRecord] = {}
    for task in sorted(tasks, key=lambda t: (split_path(t), t.id)):
        out.setdefault(split_path(task), task)
    return out


def tasks_by_step(catalog: Catalog, run: RunRecord) -> dict[str, list[TaskRecord]]:
    """The run's tasks grouped by step, each group ordered by foreach path then id."""
    groups: dict[str, list[TaskRecord]] = {}
    for task in sorted(catalog.list_tasks(run.id), key=lambda t: (split_path(t), t.id)):
        groups.setdefault(task.step, []).append(task)
    return groups


def step_tasks(catalog: Catalog, run: RunRecord, step: str) -> list[TaskRecord]:
    """The step's tasks in ``run``, ordered by foreach path then id."""
    return sorted(catalog.list_tasks(run.id, step), key=lambda t: (split_path(t), t.id))
