"""Which tasks become ready when a task finishes: transitions, foreach fan-out, join barriers.

Pure bookkeeping over the static graph, shared by the runtime (while a run executes) and by
spin/resume planning (replaying a reference run's finished tasks to find a step's inputs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..flow.artifacts import ForeachFrame, Transition
from ..store import ArtifactRecord, TaskRecord
from .task import ParentTask


@dataclass
class FinishedTask:
    """A task that succeeded in this run (or was cloned into it): what its children need."""

    task_id: int
    step: str
    pathspec: str
    refs: dict[str, ArtifactRecord]
    frames: list[ForeachFrame]
    transition: Transition | None

    def as_parent(self) -> ParentTask:
        return ParentTask(self.task_id, self.step, self.pathspec, self.refs, self.frames)


@dataclass
class Request:
    """A task waiting to be launched."""

    step: str
    parents: list[FinishedTask]
    frames: list[ForeachFrame]
    not_before: float = 0.0
    task_id: int | None = None  # set when this is a retry of an existing task row
    attempt: int = 0
    fallback: bool = False  # run @catch's fallback instead of the step (after a crash)
    reason: str = ""
    reuse_key: str | None = None  # what the task is computed from (engine/reuse.py)
    split_vars: set = field(default_factory=set)  # foreach lists left out of the key


class Scheduler:
    """Turns finished tasks into ready requests; joins wait until every input arrived.

    ``to_run`` limits which steps get requests (spin: one step; resume: a step and what
    follows it); ``None`` means every step.
    """

    def __init__(self, graph: Any, to_run: set[str] | None = None) -> None:
        self.graph = graph
        self.to_run = to_run
        self.barriers: dict[tuple, dict[int, FinishedTask]] = {}

    def _wanted(self, step: str) -> bool:
        return self.to_run is None or step in self.to_run

    def children(self, task: FinishedTask) -> list[Request]:
        """Requests made ready by ``task`` finishing."""
        transition = task.transition
        if transition is None or not transition.steps:
            return []
        ready: list[Request] = []
        if transition.foreach:
            step = transition.steps[0]
            if self._wanted(step):
                for index in range(transition.num_splits or 0):
                    frame = ForeachFrame(task.step, transition.foreach, index,
                                         transition.num_splits)
                    ready.append(Request(step, [task], task.frames + [frame]))
            return ready
        for step in transition.steps:
            if self.graph[step].is_join:
                joined = self._arrive(step, task)
                if joined is not None and self._wanted(step):
                    ready.append(joined)
            elif self._wanted(step):
                ready.append(Request(step, [task], list(task.frames)))
        return ready

    def waiting(self) -> list[str]:
        """Joins still waiting for inputs, as ``join (2 of 3 inputs)``."""
        out = []
        for (join, _), arrived in self.barriers.items():
            out.append(f"{join} ({len(arrived)} input{'s' if len(arrived) != 1 else ''} "
                       f"arrived)")
        return out

    def _arrive(self, join: str, task: FinishedTask) -> Request | None:
        # The split this join closes (not the arriving step's innermost split: a step after an
        # inner join arrives at the outer join, nested branches).
        split = self.graph[join].split_parents[-1]
        split_node = self.graph[split]
        if split_node.type == "foreach":
            outer = task.frames[:-1]
            order = task.frames[-1].index
            expected = task.frames[-1].num_splits
        else:
            outer = list(task.frames)
            order = split_node.out_funcs.index(_branch_of(self.graph, task.step, split))
            expected = len(split_node.out_funcs)
        key = (join, tuple(f.index for f in outer))
        arrived = self.barriers.setdefault(key, {})
        arrived[order] = task
        if len(arrived) < expected:
            return None
        del self.barriers[key]
        return Request(join, [arrived[i] for i in sorted(arrived)], outer)


def finished_from_record(task: TaskRecord, artifacts: list[ArtifactRecord]) -> FinishedTask:
    """A FinishedTask from catalog rows (a reference run's task, or its clone)."""
    frames = [ForeachFrame.from_json(f) for f in task.foreach_stack]
    transition = Transition.from_json(task.transition) if task.transition else None
    return FinishedTask(task.id, task.step, task.pathspec, {a.name: a for a in artifacts},
                        frames, transition)


def _branch_of(graph: Any, step: str, split: str) -> str:
    """The first step of the branch of ``split`` that ``step`` belongs to."""
    split_node = graph[split]
    if step in split_node.out_funcs:
        return step
    seen = {step}
    frontier = [step]
    while frontier:
        current = frontier.pop()
        for parent in graph[current].in_funcs:
            if parent in split_node.out_funcs:
                return parent
            if parent not in seen and parent != split:
                seen.add(parent)
                frontier.append(parent)
    raise ValueError(f"step {step} is not inside a branch of {split}")
