"""Compare two runs of a flow, or two tasks: plain data, no rendering.

`compare_runs` lines up the steps of two runs: parameters that differ, per step the status,
duration and code (task ``source_hash``) of each side and the artifact diff of its task (one
pair per split for steps that run inside a foreach, bounded). A changed artifact that a step
only carried forward (the same blob as in its parent, in both runs) is marked with the step
that set it, so a change is read once, where it was made. `diff_tasks` diffs two tasks'
artifacts. Unchanged artifacts are decided by blob key without loading anything; changed
ones are loaded from the blob store only to be diffed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Sequence

from ..compare import ArtifactDiff, diff_artifacts, summarize_changes
from ..store import RunRecord, Store, StoreError, TaskRecord
from . import runs
from .artifacts import artifact_loader, comparable_artifacts
from .steps import by_split, step_status

MAX_SPLITS = 20  # split pairs diffed per foreach step by default

_MISSING = object()


class ComparisonError(StoreError):
    """Two runs (or tasks) that cannot be compared; one line, like every StoreError."""


def diff_tasks(store: Store, task_a: TaskRecord | int, task_b: TaskRecord | int, **limits: Any
               ) -> list[ArtifactDiff]:
    """One ArtifactDiff per artifact name of two tasks, sorted by name (a -> b).

    ``limits`` go to `workbench.compare.diff_artifacts` (``max_rows``, ``max_items``...).
    """
    a, b = _task(store, task_a), _task(store, task_b)
    return diff_artifacts(*comparable_artifacts(store, a, b),
                          artifact_loader(store, a), artifact_loader(store, b), **limits)


def _task(store: Store, task: TaskRecord | int) -> TaskRecord:
    if isinstance(task, TaskRecord):
        return task
    rec = store.catalog.get_task(int(task))
    if rec is None:
        raise StoreError(f"task id {task} not found in {store.root}")
    return rec


# ------------------------------------------------------------------------------ records


@dataclass
class ParameterChange:
    """A parameter whose value differs between the two runs (missing on one side: None
    and ``change`` "added" or "removed")."""

    name: str
    change: str  # "changed" | "added" | "removed"
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "change": self.change, "before": self.before,
                "after": self.after}


@dataclass
class TaskPair:
    """The tasks of one step (one split of it, for foreach bodies) in both runs, diffed."""

    split: tuple[int, ...]  # foreach indices, outermost first; () outside any foreach
    task_a: TaskRecord | None
    task_b: TaskRecord | None
    diffs: list[ArtifactDiff] = field(default_factory=list)
    # artifact name -> the upstream step its value came from unchanged (its change is that
    # step's change, carried forward here); ``carried_from`` also names the tasks that set it
    carried_from: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    @property
    def carried(self) -> dict[str, str]:
        """Artifact name -> the step whose change this task only carried forward."""
        return {name: origin[0] for name, origin in self.carried_from.items()}

    @property
    def one_sided(self) -> bool:
        """The task exists in one run only (then `diffs` is empty)."""
        return self.task_a is None or self.task_b is None

    @property
    def changed(self) -> bool:
        """True when some artifact is not unchanged."""
        return any(d.change != "unchanged" for d in self.diffs)

    @property
    def own_diffs(self) -> list[ArtifactDiff]:
        """The diffs made by this step: not values carried unchanged from upstream."""
        return [d for d in self.diffs if d.name not in self.carried]

    @property
    def changed_here(self) -> bool:
        """True when an artifact this step set differs."""
        return any(d.change != "unchanged" for d in self.own_diffs)

    def to_json(self) -> dict[str, Any]:
        return {
            "split": list(self.split),
            "task_a": self.task_a.pathspec if self.task_a else None,
            "task_b": self.task_b.pathspec if self.task_b else None,
            "summary": summarize_changes(self.own_diffs),
            "diff": [{**d.to_json(), "carried_from": self.carried.get(d.name)}
                     for d in self.diffs],
        }


@dataclass
class StepComparison:
    """One step in both runs. A side where the step has no task has status None."""

    step: str
    status_a: str | None
    status_b: str | None
    seconds_a: float | None
    seconds_b: float | None
    tasks_a: int
    tasks_b: int
    code_changed: bool | None  # None: unknown (the step is missing on a side)
    pairs: list[TaskPair] = field(default_factory=list)
    splits_omitted: int = 0  # split pairs beyond the bound, not diffed
    reused_a: int = 0  # tasks run --reuse cloned instead of executing, in run a
    reused_b: int = 0

    @property
    def seconds_delta(self) -> float | None:
        if self.seconds_a is None or self.seconds_b is None:
            return None
        return self.seconds_b - self.seconds_a

    @property
    def summary(self) -> dict[str, int]:
        """Change counts of the artifacts this step set, over every diffed pair (values
        carried unchanged from upstream are counted in ``carried``)."""
        return summarize_changes([d for p in self.pairs for d in p.own_diffs])

    @property
    def carried(self) -> dict[str, str]:
        """Changed artifacts this step only carried forward: name -> the step that set them."""
        out: dict[str, str] = {}
        for pair in self.pairs:
            for diff in pair.diffs:
                if diff.change != "unchanged" and diff.name in pair.carried:
                    out.setdefault(diff.name, pair.carried[diff.name])
        return out

    @property
    def only_a(self) -> int:
        """Compared splits (or the task) present in run a only."""
        return sum(1 for p in self.pairs if p.task_b is None)

    @property
    def only_b(self) -> int:
        """Compared splits (or the task) present in run b only."""
        return sum(1 for p in self.pairs if p.task_a is None)

    @property
    def changed(self) -> bool:
        """Status, code or some artifact differs, or the step is on one side only."""
        return (self.status_a != self.status_b or bool(self.code_changed)
                or any(p.changed or p.one_sided for p in self.pairs))

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "status_a": self.status_a,
            "status_b": self.status_b,
            "reused_a": self.reused_a,
            "reused_b": self.reused_b,
            "seconds_a": self.seconds_a,
            "seconds_b": self.seconds_b,
            "seconds_delta": self.seconds_delta,
            "tasks_a": self.tasks_a,
            "tasks_b": self.tasks_b,
            "code_changed": self.code_changed,
            "summary": self.summary,
            "carried": self.carried,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "tasks": [p.to_json() for p in self.pairs],
            "splits_omitted": self.splits_omitted,
        }


@dataclass
class RunComparison:
    """Two runs of one flow, side by side (a is the "before")."""

    flow: str
    run_a: RunRecord
    run_b: RunRecord
    parameters: list[ParameterChange]
    steps: list[StepComparison]

    def listed(self, pair: TaskPair) -> list[ArtifactDiff]:
        """The diffs to show under ``pair``'s step: all but the changes it only carried
        forward, which are shown where they were made (unless that step lists none of them,
        say beyond the bound of diffed splits; then here)."""
        own = self._own_changes
        return [d for d in pair.diffs
                if d.name not in pair.carried or (pair.carried[d.name], d.name) not in own]

    @cached_property
    def _own_changes(self) -> set[tuple[str, str]]:
        """(step, artifact) of every change a step made itself."""
        return {(s.step, d.name) for s in self.steps for p in s.pairs for d in p.own_diffs
                if d.change != "unchanged"}

    def flowed_through(self, step: str, name: str, pair: TaskPair | None = None) -> list[str]:
        """The steps that carried ``step``'s change of artifact ``name`` forward unchanged
        (with ``pair``: the change made by that pair's tasks)."""
        ids = {pair.task_a.id if pair.task_a else None, pair.task_b.id if pair.task_b else None} \
            if pair is not None else None
        out = []
        for s in self.steps:
            for p in s.pairs:
                origin = p.carried_from.get(name)
                if origin and origin[0] == step and (ids is None or ids & set(origin[1:])):
                    out.append(s.step)
                    break
        return out

    def _repr_html_(self) -> str:
        """Jupyter: parameters, steps side by side, each change under the step that made it
        (``workbench.notebook``)."""
        from ..notebook import comparison_html

        return comparison_html(self)

    def __rich__(self) -> Any:
        from ..notebook import comparison_rich

        return comparison_rich(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from ..notebook import as_text

        printer.text(as_text(self))

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "run_a": _run_json(self.run_a),
            "run_b": _run_json(self.run_b),
            "parameters": [p.to_json() for p in self.parameters],
            "steps": [s.to_json() for s in self.steps],
        }


def _run_json(run: RunRecord) -> dict[str, Any]:
    return {"run": run.number, "pathspec": run.pathspec, "kind": run.kind,
            "status": run.status, "seconds": run.duration, "origin_run": run.origin_run,
            "spun_step": run.spun_step}


# ------------------------------------------------------------------------------ compare


def resolve_run(store: Store, flow: str, run: RunRecord | int | str) -> RunRecord:
    """A run of ``flow`` to compare (see ``queries.runs.resolve_run``); a run of another flow
    raises ComparisonError."""
    return runs.resolve_run(store, flow, run, mismatch=ComparisonError,
                            why="cannot compare runs of different flows: ")


def _parameter_changes(a: dict, b: dict) -> list[ParameterChange]:
    out = []
    for name in sorted(a.keys() | b.keys()):
        before, after = a.get(name, _MISSING), b.get(name, _MISSING)
        if before is _MISSING:
            out.append(ParameterChange(name, "added", None, after))
        elif after is _MISSING:
            out.append(ParameterChange(name, "removed", before, None))
        elif before != after or type(before) is not type(after):
            out.append(ParameterChange(name, "changed", before, after))
    return out


def _seconds(tasks: Sequence[TaskRecord]) -> float | None:
    """Wall time of a step: first start to last finish of its tasks."""
    starts = [t.started_at for t in tasks if t.started_at is not None]
    ends = [t.finished_at for t in tasks if t.finished_at is not None]
    if not starts or not ends:
        return None
    return max(0.0, max(ends) - min(starts))


def _code_changed(a: Sequence[TaskRecord], b: Sequence[TaskRecord]) -> bool | None:
    """Whether the two sides ran different code: their fingerprints (the step and the user's
    code it reaches) when both recorded one, else the step's own source; None if unknown."""
    for field_name in ("fingerprint", "source_hash"):
        hashes_a = {getattr(t, field_name) for t in a if getattr(t, field_name)}
        hashes_b = {getattr(t, field_name) for t in b if getattr(t, field_name)}
        if hashes_a and hashes_b:
            return hashes_a != hashes_b
    return None


def _step_order(a: Sequence[TaskRecord], b: Sequence[TaskRecord]) -> list[str]:
    """Steps of both runs in execution order (first start, then first task id)."""
    first: dict[str, tuple] = {}
    for task in (*a, *b):
        key = (task.started_at is None, task.started_at or 0.0, task.id)
        if task.step not in first or key < first[task.step]:
            first[task.step] = key
    return sorted(first, key=first.__getitem__)


class _Origins:
    """Where an artifact's value was set. A task carried a value forward when it holds the
    same blob key for it as its parent, or, for a join, as every one of its parents (as
    Metaflow's own propagation and ``merge_artifacts`` leave it; a join that picks one
    input's value set it itself). Walking up while that holds, the first task that holds
    the value set it. Artifact rows are read once per task."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._keys: dict[int, dict[str, str]] = {}
        self._tasks: dict[int, TaskRecord | None] = {}

    def _keys_of(self, task_id: int) -> dict[str, str]:
        if task_id not in self._keys:
            self._keys[task_id] = {a.name: a.key for a in
                                   self.store.catalog.list_artifacts(task_id)}
        return self._keys[task_id]

    def _task(self, task_id: int) -> TaskRecord | None:
        if task_id not in self._tasks:
            self._tasks[task_id] = self.store.catalog.get_task(task_id)
        return self._tasks[task_id]

    def task_of(self, task: TaskRecord, name: str) -> TaskRecord:
        """The task that set ``task``'s value of artifact ``name``."""
        key = self._keys_of(task.id).get(name)
        seen = {task.id}
        while key is not None:
            parents = [self._task(i) for i in task.input_task_ids]
            if not parents or any(p is None or p.id in seen
                                  or self._keys_of(p.id).get(name) != key for p in parents):
                break
            task = parents[0]  # type: ignore[assignment]
            seen.add(task.id)
        return task


def _carried(origins: _Origins, step: str, ta: TaskRecord, tb: TaskRecord,
             diffs: list[ArtifactDiff], rank: dict[str, int]
             ) -> dict[str, tuple[str, int, int]]:
    """Changed artifacts ``step`` set in neither run: name -> (the step the change comes
    from, the task that set it in run a, in run b). When the runs set it in different
    steps, the change comes from the later one (the earlier value was carried past it)."""
    out = {}
    for diff in diffs:
        if diff.change != "changed":
            continue
        where_a, where_b = origins.task_of(ta, diff.name), origins.task_of(tb, diff.name)
        if step not in (where_a.step, where_b.step):
            origin = max(where_a.step, where_b.step, key=lambda s: rank.get(s, -1))
            out[diff.name] = (origin, where_a.id, where_b.id)
    return out


def compare_runs(store: Store, flow: str, run_a: RunRecord | int | str,
                 run_b: RunRecord | int | str, *, max_splits: int = MAX_SPLITS,
                 **limits: Any) -> RunComparison:
    """Compare two runs of `flow` (a name): parameters, then per step status, time, code
    and the artifact diff of its task(s). Foreach steps pair tasks by split index, at most
    `max_splits` pairs each. ``limits`` go to `diff_artifacts`."""
    a, b = resolve_run(store, flow, run_a), resolve_run(store, flow, run_b)
    tasks_a, tasks_b = store.catalog.list_tasks(a.id), store.catalog.list_tasks(b.id)
    origins = _Origins(store)
    order = _step_order(tasks_a, tasks_b)
    rank = {name: i for i, name in enumerate(order)}
    steps = []
    for step in order:
        sa = [t for t in tasks_a if t.step == step]
        sb = [t for t in tasks_b if t.step == step]
        comp = StepComparison(step, step_status(sa), step_status(sb), _seconds(sa), _seconds(sb),
                              len(sa), len(sb), _code_changed(sa, sb),
                              reused_a=sum(t.reused_from is not None for t in sa),
                              reused_b=sum(t.reused_from is not None for t in sb))
        by_a, by_b = by_split(sa), by_split(sb)
        splits = sorted(by_a.keys() | by_b.keys())
        comp.splits_omitted = max(0, len(splits) - max_splits)
        for split in splits[:max_splits]:
            ta, tb = by_a.get(split), by_b.get(split)
            diffs, carried = [], {}  # type: ignore[var-annotated]
            if ta is not None and tb is not None:  # a split on one side only: nothing to diff
                diffs = diff_artifacts(
                    *comparable_artifacts(store, ta, tb),
                    artifact_loader(store, ta, a.flow_file),
                    artifact_loader(store, tb, b.flow_file), **limits)
                carried = _carried(origins, step, ta, tb, diffs, rank)
            comp.pairs.append(TaskPair(split, ta, tb, diffs, carried))
        steps.append(comp)
    return RunComparison(flow, a, b, _parameter_changes(a.parameters, b.parameters), steps)
