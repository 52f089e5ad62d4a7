"""Which steps of the flow file changed since a run: modified, stale, up to date, never run.

Compares each step's normalized source hash (from the static graph: comments, blank lines,
formatting and docstrings don't count) with the ``source_hash`` recorded on that step's
tasks in a reference run. Nothing is imported or executed.
"""
from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..flow import FlowGraph
from ..store import RunRecord, Store, StoreError, TaskRecord
from .runs import run_label
from .steps import step_status as tasks_status
from .steps import tasks_by_step

MODIFIED, STALE, UP_TO_DATE, NEVER_RUN = "modified", "stale", "up to date", "never run"
# a step of a run that kept no code for it (a Metaflow run imported without a code package):
# whether the file changed since cannot be told
CODE_UNKNOWN = "code unknown"
STATUSES = (MODIFIED, STALE, UP_TO_DATE, NEVER_RUN, CODE_UNKNOWN)


@dataclass
class StepStatus:
    """One step of the current flow file against the reference run."""

    step: str
    status: str  # one of STATUSES
    reason: str  # a short phrase saying why
    run_status: str | None  # status of the step's tasks (None: no task)
    tasks: int
    run: int | None = None  # the run those tasks are in (a spin's origin for steps it skipped)

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "reason": self.reason,
                "run_status": self.run_status, "tasks": self.tasks, "run": self.run}


@dataclass
class StatusReport:
    """Every step of the flow file, in graph order, plus steps added or removed since the
    reference run. ``reference`` is None when the flow has never run.

    ``removed`` is exact (steps with tasks in the run). ``added`` is exact when the run's
    code hash shows the graph kept its steps; otherwise it lists the steps no run up to the
    reference ran or was sent to by a transition (a step never reached in any run and also
    edited may then read as added).
    """

    flow: str
    file: str
    reference: RunRecord | None
    steps: list[StepStatus]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    why: str = ""  # which run was compared with, and why that one

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
            "why": self.why,
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


def reference_run(store: Store, flow: str, run: RunRecord | int | None = None
                  ) -> tuple[RunRecord | None, str]:
    """The run ``status`` compares with, and why that one.

    ``run`` (a record or a number) when given; else the newest run that reached ``end``: a
    run or resume whose ``end`` succeeded, or a succeeded spin whose lineage did (the spin's
    other steps are read from there). Runs still running, failed, cancelled or crashed are
    passed over, and the reason says so. When no run reached ``end``, the newest finished
    run is used and the reason says that too.
    """
    if isinstance(run, RunRecord):
        if run.flow != flow:
            raise StoreError(f"run {run.pathspec} is not a run of {flow}")
        return run, f"run {run.number}, as asked"
    if run is not None:
        rec = store.catalog.get_run(flow, int(run))
        if rec is None:
            raise StoreError(f"run {flow}/{int(run)} not found in {store.root}")
        return rec, f"run {rec.number}, as asked"
    skipped: list[str] = []
    for rec in store.catalog.iter_runs(flow):
        if rec.status == "succeeded" and _reached_end(store, rec):
            why = f"run {rec.number} ({run_label(rec)}) is the newest run that reached end"
            if skipped:
                shown = ", ".join(skipped[:3]) + (", …" if len(skipped) > 3 else "")
                why += f"; passed over {shown}"
            return rec, why
        skipped.append(f"run {rec.number} ({rec.status}"
                       + (", never reached end" if rec.status == "succeeded" else "") + ")")
    finished = next((r for r in store.catalog.iter_runs(flow) if r.status != "running"), None)
    if finished is not None:
        return finished, (f"no run reached end yet; run {finished.number} "
                          f"({run_label(finished)}, {finished.status}) is the newest finished")
    if skipped:
        return None, f"no run of {flow} has finished yet ({', '.join(skipped[:3])})"
    return None, f"{flow} has never run"


def _reached_end(store: Store, run: RunRecord) -> bool:
    """``end`` succeeded in ``run`` or, for a spin, in the nearest run of its spin chain."""
    if run.kind != "spin":
        tasks = store.catalog.list_tasks(run.id, "end")
    else:
        links, nearest = store.catalog.spin_chain(run.id)
        if "end" not in nearest:
            return False
        tasks = store.catalog.list_tasks(links[nearest["end"]].id, "end")
    return bool(tasks) and tasks_status(tasks) == "succeeded"


def graph_code_hash(steps: list[tuple[str, str]]) -> str:
    """The run-level ``code_hash`` of ``(step, source_hash)`` pairs in declaration order
    (what the runtime records on each run)."""
    digest = hashlib.sha256()
    for name, source_hash in steps:
        digest.update(f"{name}:{source_hash};".encode())
    return digest.hexdigest()[:16]


def _added_steps(graph: FlowGraph, store: Store, ref: RunRecord,
                 by_step: dict[str, list[TaskRecord]]) -> list[str]:
    """Steps of `graph` that the reference run's graph did not have, as far as the catalog
    can tell: the run records only the hashes of steps that ran, plus a hash of them all."""
    ran = {step: tasks[0].source_hash for step, tasks in by_step.items()
           if tasks and tasks[0].source_hash}
    same_steps = [(n.name, ran.get(n.name, n.source_hash)) for n in graph]
    if ref.code_hash and graph_code_hash(same_steps) == ref.code_hash:
        return []  # the run's graph had exactly these steps (never-run ones unedited)
    known = store.catalog.steps_seen(graph.name, ref.number)
    for tasks in by_step.values():  # steps the run's transitions led to existed too
        for task in tasks:
            if isinstance(task.transition, dict):
                known.update(task.transition.get("steps") or ())
    return [n.name for n in graph.sorted_nodes() if n.name not in known]


def overlay(store: Store, ref: RunRecord) -> tuple[dict[int, RunRecord], dict[str, int],
                                                    dict[str, list[TaskRecord]]]:
    """The reference run's tasks per step; a spin's missing steps come from its origin run
    (and so on down a chain of spins). Returns the runs the steps came from and the spins
    among them that matter (by position in the chain, 0 = ``ref``), each step's position, and
    the tasks. This is the run as status, the DAG and the Source tab see it.

    The chain is walked in one query: after hundreds of chained spins this reads the two or
    three runs that hold the steps, not every run of the session."""
    links, nearest = store.catalog.spin_chain(ref.id)
    by_depth = {link.depth: link for link in links}
    needed = set(nearest.values())
    # the newest spin of each spun step: what a step downstream was not re-run after
    firsts: dict[str, int] = {}
    for link in links:
        if link.kind == "spin" and link.spun_step:
            firsts.setdefault(link.spun_step, link.depth)
    needed.update(firsts.values())
    chain: dict[int, RunRecord] = {0: ref}
    for depth in sorted(needed - {0}):
        rec = store.catalog.get_run_by_id(by_depth[depth].id)
        if rec is not None:
            chain[depth] = rec
    source: dict[str, int] = {}
    by_step: dict[str, list[TaskRecord]] = {}
    for depth in sorted(set(nearest.values())):
        if depth not in chain:
            continue
        for step, tasks in tasks_by_step(store.catalog, chain[depth]).items():
            if nearest.get(step) == depth:
                by_step[step], source[step] = tasks, depth
    return chain, source, by_step


def code_changed(task: TaskRecord, node: Any) -> bool:
    """Whether ``node``'s code now differs from what ``task`` ran: its fingerprint (the step
    and the user's code it reaches) when the task recorded one, else the step's own source."""
    if task.fingerprint and node.fingerprint:
        return task.fingerprint != node.fingerprint
    return bool(task.source_hash) and task.source_hash != node.source_hash


def step_status(graph: FlowGraph, store: Store | None, run: RunRecord | int | None = None
                ) -> StatusReport:
    """The status of every step of `graph` against `run` (default: see `reference_run`).

    A spin holds only the spun step and its upstream clones; its other steps are read from
    the run it spun from (recursively). `store` None (no store yet) reads as never run.

    - ``modified``: the step's source hash differs from the one recorded on its tasks;
    - ``stale``: downstream (graph-wise) of a modified step, or downstream of a spun step
      and not re-run since (its tasks come from the run before the spin);
    - ``never run``: no task of the step in the run (nor, for a spin, in its origin);
    - ``up to date`` otherwise.
    """
    ref, why = (reference_run(store, graph.name, run) if store is not None
                else (None, f"{graph.name} has never run"))
    order = [n.name for n in graph.sorted_nodes()]
    if ref is None or store is None:
        steps = [StepStatus(s, NEVER_RUN, why, None, 0) for s in order]
        return StatusReport(graph.name, str(graph.file), None, steps, why=why)
    chain, source, by_step = overlay(store, ref)

    modified = [s for s in order if by_step.get(s)
                and any(code_changed(t, graph[s]) for t in by_step[s])]
    stale_from: dict[str, str] = {}
    for root in modified:
        for step in _descendants(graph, [root]):
            stale_from.setdefault(step, root)
    respun: dict[str, RunRecord] = {}  # step -> the newest spin it was not re-run after
    for i, spin in sorted(chain.items()):
        if spin.kind == "spin" and spin.spun_step in graph:
            for step in _descendants(graph, [spin.spun_step]):
                if source.get(step, -1) > i:
                    respun.setdefault(step, spin)

    added = _added_steps(graph, store, ref, by_step)
    steps = []
    for step in order:
        tasks = by_step.get(step, [])
        origin = chain[source[step]] if step in source else ref
        if step in modified:
            own = any(t.source_hash and t.source_hash != graph[step].source_hash
                      for t in tasks)
            status = MODIFIED
            reason = (f"source differs from {origin.pathspec}" if own else
                      f"code it calls changed since {origin.pathspec}")
        elif not tasks:
            status = NEVER_RUN
            reason = (f"new step since {ref.pathspec}" if step in added
                      else f"no task in {ref.pathspec}")
        elif step in stale_from:
            status, reason = STALE, f"downstream of modified {stale_from[step]}"
        elif step in respun:
            spin = respun[step]
            status = STALE
            reason = f"not re-run after spinning {spin.spun_step} ({spin.pathspec})"
        elif not any(t.source_hash for t in tasks):
            status, reason = CODE_UNKNOWN, f"{origin.pathspec} kept no code of this step"
        else:
            status, reason = UP_TO_DATE, f"same source as {origin.pathspec}"
        steps.append(StepStatus(step, status, reason, tasks_status(tasks), len(tasks),
                                origin.number if tasks else None))

    removed = sorted(s for s in by_step if s not in graph)
    return StatusReport(graph.name, str(graph.file), ref, steps, added, removed, why)
