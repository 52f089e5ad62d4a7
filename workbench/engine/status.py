"""Which steps of the flow file changed since a run: modified, stale, up to date, never run.

Compares each step's normalized source hash (from the static graph: comments, blank lines,
formatting and docstrings don't count) with the ``source_hash`` recorded on that step's
tasks in a reference run. Nothing is imported or executed.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..flow import FlowGraph
from ..store import RunRecord, Store, StoreError, TaskRecord

MODIFIED, STALE, UP_TO_DATE, NEVER_RUN = "modified", "stale", "up to date", "never run"
STATUSES = (MODIFIED, STALE, UP_TO_DATE, NEVER_RUN)


@dataclass
class StepStatus:
    """One step of the current flow file against the reference run."""

    step: str
    status: str  # one of STATUSES
    reason: str  # a short phrase saying why
    run_status: str | None  # the step's task status in the reference run (None: no task)
    tasks: int

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "reason": self.reason,
                "run_status": self.run_status, "tasks": self.tasks}


@dataclass
class StatusReport:
    """Every step of the flow file, in graph order, plus steps added or removed since the
    reference run. ``reference`` is None when the flow has never run."""

    flow: str
    file: str
    reference: RunRecord | None
    steps: list[StepStatus]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __getitem__(self, step: str) -> StepStatus:
        for s in self.steps:
            if s.step == step:
                return s
        raise KeyError(step)

    def by_status(self, status: str) -> list[str]:
        """Names of the steps with this status, in graph order."""
        return [s.step for s in self.steps if s.status == status]

    def to_json(self) -> dict[str, Any]:
        ref = self.reference
        return {
            "flow": self.flow,
            "file": self.file,
            "reference": None if ref is None else {
                "run": ref.number, "pathspec": ref.pathspec, "kind": ref.kind,
                "status": ref.status, "spun_step": ref.spun_step,
                "origin_run": ref.origin_run},
            "steps": [s.to_json() for s in self.steps],
            "added": self.added,
            "removed": self.removed,
        }


def _descendants(graph: FlowGraph, roots: list[str]) -> set[str]:
    seen: set[str] = set()
    queue = deque(roots)
    while queue:
        for child in graph[queue.popleft()].out_funcs:
            if child in graph and child not in seen:
                seen.add(child)
                queue.append(child)
    return seen


def _run_status(tasks: list[TaskRecord]) -> str | None:
    if not tasks:
        return None
    statuses = {t.status for t in tasks}
    return next((s for s in ("failed", "crashed", "cancelled", "running", "pending")
                 if s in statuses), "succeeded")


def reference_run(store: Store, flow: str, run: RunRecord | int | None = None
                  ) -> RunRecord | None:
    """`run` (a record or a number) of `flow`, else its newest run of any kind (or None)."""
    if isinstance(run, RunRecord):
        if run.flow != flow:
            raise StoreError(f"run {run.pathspec} is not a run of {flow}")
        return run
    if run is None:
        return store.catalog.latest_run(flow)
    rec = store.catalog.get_run(flow, int(run))
    if rec is None:
        raise StoreError(f"run {flow}/{int(run)} not found in {store.root}")
    return rec


def step_status(graph: FlowGraph, store: Store, run: RunRecord | int | None = None
                ) -> StatusReport:
    """The status of every step of `graph` against `run` (default: the newest run).

    - ``modified``: the step's source hash differs from one of its tasks' in the run;
    - ``stale``: downstream (graph-wise) of a modified step, or, when the run is a spin,
      downstream of the spun step and not re-run by it;
    - ``never run``: no task of the step in the run;
    - ``up to date`` otherwise.
    """
    ref = reference_run(store, graph.name, run)
    order = [n.name for n in graph.sorted_nodes()]
    if ref is None:
        steps = [StepStatus(s, NEVER_RUN, "the flow has never run", None, 0) for s in order]
        return StatusReport(graph.name, str(graph.file), None, steps)
    by_step: dict[str, list[TaskRecord]] = {}
    for task in store.catalog.list_tasks(ref.id):
        by_step.setdefault(task.step, []).append(task)

    modified = [s for s in order if by_step.get(s) and any(
        t.source_hash and t.source_hash != graph[s].source_hash for t in by_step[s])]
    stale_from: dict[str, str] = {}
    for root in modified:
        for step in _descendants(graph, [root]):
            stale_from.setdefault(step, root)
    spun_downstream = (_descendants(graph, [ref.spun_step])
                       if ref.kind == "spin" and ref.spun_step in graph else set())

    seen = store.catalog.steps_seen(graph.name, ref.number)
    added = [s for s in order if s not in seen]
    steps = []
    for step in order:
        tasks = by_step.get(step, [])
        if step in modified:
            status, reason = MODIFIED, f"source differs from {ref.pathspec}"
        elif not tasks and step in added:
            status, reason = NEVER_RUN, f"new step since {ref.pathspec}"
        elif not tasks and step in spun_downstream:
            status, reason = STALE, f"not re-run after spinning {ref.spun_step}"
        elif not tasks:
            status, reason = NEVER_RUN, f"no task in {ref.pathspec}"
        elif step in stale_from:
            status, reason = STALE, f"downstream of modified {stale_from[step]}"
        else:
            status, reason = UP_TO_DATE, f"same source as {ref.pathspec}"
        steps.append(StepStatus(step, status, reason, _run_status(tasks), len(tasks)))

    removed = sorted(s for s in by_step if s not in graph)
    return StatusReport(graph.name, str(graph.file), ref, steps, added, removed)
