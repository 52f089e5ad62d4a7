"""Read-side rules over the store, each decided once: which run (latest, latest successful,
by kind, lineage), a step's status from its tasks, a spin's "before" and its diff, run
comparison and step status against the flow file. The CLI, the app, the Python API and the
engine all ask here. Imports store, flow and compare only; never textual.
"""
from __future__ import annotations

from .runs import ALL_KINDS, MAIN_KINDS, PLAIN_KINDS, latest_run, lineage, list_runs, resolve_run, run_label
from .spins import TaskDiff, before_task, diff_task, diff_title, task_diffs
from .steps import (by_split, split_label, split_path, step_state, step_status, step_tasks,
                    task_label, tasks_by_step)

__all__ = [
    "ALL_KINDS", "MAIN_KINDS", "PLAIN_KINDS", "TaskDiff", "before_task", "by_split", "diff_task",
    "diff_title", "latest_run", "lineage", "list_runs", "resolve_run", "run_label",
    "split_label", "split_path", "step_state", "step_status", "step_tasks", "task_diffs",
    "task_label", "tasks_by_step",
]
