"""Spin and resume: re-execute a step on a past run's stored inputs.

Both pick a reference run, clone its upstream tasks into a new run (catalog rows only, no
data), replay those tasks through the scheduler to find the step's inputs exactly as the
original run had them (joins in split order), then execute. A spin runs only the step; a
resume runs it and everything after it.
"""
from __future__ import annotations

import ast
import importlib.util
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from ..compare import ArtifactDiff
from ..flow.errors import ParameterError
from ..flow.parameters import coerce, find_parameter
from ..flow.project import project_tags
from ..queries import TaskDiff, task_diffs
from ..queries.runs import spin_candidates
from ..store import ArtifactRecord, RunRecord, Store, TaskRecord
from .errors import EngineInputError
from .runtime import Runtime
from .task import bind_step
from .scheduling import FinishedTask, Request, Scheduler, finished_from_record


@dataclass
class Plan:
    """What a spin or resume will execute, against which reference run."""

    reference: RunRecord
    clones: list[TaskRecord]
    finished: list[FinishedTask]  # the clones as replayed, in order
    requests: list[Request]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class SpinOutcome:
    """The spin run, its spun task(s), the reference run, and each spun task's diff against
    its before (``queries.spins``)."""

    run: RunRecord
    reference: RunRecord
    step: str
    tasks: list[TaskRecord]
    diffs: list[TaskDiff]
    seconds: float

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def diff(self) -> list[ArtifactDiff]:
        """The first spun task's diff."""
        return self.diffs[0].diffs if self.diffs else []


# Text that starts like a Python literal: a number, a quote, a bracket, True/False/None.
_LOOKS_LITERAL = re.compile(r"""\s*([-+]?\.?\d|[\[\{\('"]|(True|False|None)\b)""")


def parse_literal(text: str, name: str | None = None) -> Any:
    """A ``--set`` value: a Python literal, or plain text when it does not look like one.

    Text that starts like a literal must parse: ``[1,2`` is an error, not the string
    ``"[1,2"``; quote it to mean a string.
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        if not _LOOKS_LITERAL.match(text):
            return text
        what = f"--set {name}={text}" if name else f"--set value {text!r}"
        reason = exc.msg if isinstance(exc, SyntaxError) else "not a literal"
        raise EngineInputError(
            f"{what}: looks like a Python literal but does not parse ({reason}); "
            f"quote it to mean a string: {name or 'NAME'}='\"{text}\"'") from None


def load_artifacts_module(path: str | Path) -> dict[str, Any]:
    """``ARTIFACTS`` of a module file (Metaflow's ``--artifacts-module`` format)."""
    file = Path(path)
    if not file.is_file():
        raise EngineInputError(f"{file}: no such artifacts file")
    spec = importlib.util.spec_from_file_location(f"_workbench_artifacts_{abs(hash(str(file)))}",
                                                  file)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - any failure of user code is an input error
        line = _line_in(exc, str(file))
        where = f"{file}:{line}" if line else str(file)
        raise EngineInputError(
            f"{where}: the artifacts module failed to import: {type(exc).__name__}: {exc}"
        ) from None
    artifacts = getattr(module, "ARTIFACTS", None)
    if not isinstance(artifacts, dict):
        raise EngineInputError(f"{file}: defines no ARTIFACTS dictionary")
    return artifacts


def _line_in(exc: BaseException, filename: str) -> int | None:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class Replayer:
    """Plans and executes spins and resumes of one loaded flow."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.graph = runtime.graph
        self.store: Store = runtime.store
        self.catalog = runtime.store.catalog

    # -- planning --------------------------------------------------------------------------
    def ancestors(self, step: str) -> set[str]:
        """Steps from which ``step`` can be reached (not ``step`` itself unless in a loop)."""
        seen: set[str] = set()
        frontier = list(self.graph[step].in_funcs)
        while frontier:
            name = frontier.pop()
            if name in seen or name not in self.graph:
                continue
            seen.add(name)
            frontier.extend(self.graph[name].in_funcs)
        seen.discard(step)
        return seen

    def descendants(self, step: str) -> set[str]:
        """``step`` and every step reachable from it."""
        seen = {step}
        frontier = [step]
        while frontier:
            for child in self.graph[frontier.pop()].out_funcs:
                if child not in seen:
                    seen.add(child)
                    frontier.append(child)
        return seen

    def _plan_in(self, run: RunRecord, step: str, to_run: set[str],
                 clone_steps: set[str], resume: bool = False) -> Plan | None:
        """Replay ``run``'s succeeded tasks of ``clone_steps``; None when nothing gets input.

        A spin runs ``step`` only. A resume, as Metaflow's, also runs every task of the
        cloned part that did not succeed in ``run`` (failed, or never started because the
        run stopped first): whatever the replayed clones lead to that is not a clone."""
        tasks = [t for t in self.catalog.list_tasks(run.id)
                 if t.step in clone_steps and t.status == "succeeded"]
        tasks.sort(key=lambda t: t.id)
        scheduler = Scheduler(self.graph, None if resume else to_run)
        cloned = {(t.step, tuple(f[2] for f in t.foreach_stack)) for t in tasks}
        requests: list[Request] = []
        finished = [finished_from_record(t, self.catalog.list_artifacts(t.id)) for t in tasks]
        for task in finished:
            for request in scheduler.children(task):
                if not resume:
                    if request.step == step:
                        requests.append(request)
                elif (request.step, tuple(f.index for f in request.frames)) not in cloned:
                    requests.append(request)
        if step == "start" or (resume and not tasks):
            requests = [Request("start", [], [])]
        if not requests:
            return None
        return Plan(run, tasks, finished, requests, dict(run.parameters))

    def plan(self, step: str, run_number: int | None, *, resume: bool) -> Plan:
        """Find the reference run (newest whose parents of ``step`` succeeded) and the inputs."""
        if step not in self.graph:
            known = ", ".join(n.name for n in self.graph)
            raise EngineInputError(f"{self.graph.file}: flow {self.graph.name} has no step "
                                   f"'{step}'; steps: {known}")
        flow = self.graph.name
        to_run = self.descendants(step) if resume else {step}
        clone_steps = ({n.name for n in self.graph} - to_run) if resume else self.ancestors(step)
        if run_number is not None:
            run = self.catalog.get_run(flow, run_number)
            if run is None:
                raise EngineInputError(f"flow {flow} has no run {run_number}")
            plan = self._plan_in(run, step, to_run, clone_steps, resume)
            if plan is None:
                raise EngineInputError(
                    f"run {flow}/{run_number} has no succeeded parent tasks of step '{step}'"
                )
            return plan
        for run in spin_candidates(self.catalog, flow):
            plan = self._plan_in(run, step, to_run, clone_steps, resume)
            if plan is not None:
                return plan
        raise EngineInputError(f"no run of {flow} has succeeded parent tasks of step '{step}'; "
                               f"run the flow first (workbench run {self.graph.file})")

    # -- overrides -------------------------------------------------------------------------
    def apply_overrides(self, plan: Plan, step: str, overrides: Mapping[str, Any],
                        per_input: Mapping[str, Mapping[str, Any]] | None = None,
                        warn: Any = None) -> dict[str, str]:
        """Put override values as blobs and swap them into the step's inputs.

        ``overrides`` apply to every input; ``per_input`` (joins) maps a parent step name or
        task pathspec to its own overrides. Returns what to record on the run.
        """
        recorded: dict[str, str] = {}
        param_names = set(self.runtime.param_names)
        artifact_overrides = dict(overrides)
        if step == "start":
            for name in list(artifact_overrides):
                param = find_parameter(self.runtime.flow_cls, name)
                if param is None:
                    continue
                value = artifact_overrides.pop(name)
                plan.params[param.attr_name] = coerce(param, value)
                recorded[param.attr_name] = repr(plan.params[param.attr_name])[:200]
        if step == "start" and artifact_overrides:
            raise EngineInputError(
                f"start has no input artifacts; --set on start takes parameters: "
                f"{', '.join(sorted(param_names)) or '(none)'}"
            )
        known: set[str] = set()
        for request in plan.requests:
            for parent in request.parents:
                known.update(parent.refs)
        for key, values in (per_input or {}).items():
            if not any(p.step == key or p.pathspec == key
                       for r in plan.requests for p in r.parents):
                raise EngineInputError(f"ARTIFACTS key '{key}' names no input of step '{step}'")
        for name in list(artifact_overrides) + [n for v in (per_input or {}).values() for n in v]:
            if name not in known and warn is not None:
                warn(f"warning: '{name}' is not an input artifact of '{step}'; adding it")
        blobs = self.store.blobs
        for request in plan.requests:
            parents = []
            for parent in request.parents:
                values = dict(artifact_overrides)
                for key, extra in (per_input or {}).items():
                    if parent.step == key or parent.pathspec == key:
                        values.update(extra)
                refs = dict(parent.refs)
                for name, value in values.items():
                    info = blobs.put(value, name=name)
                    refs[name] = ArtifactRecord(0, name, info.key, info.type_name, info.size,
                                                info.summary)
                    recorded[name] = info.summary
                parents.append(replace(parent, refs=refs))
            request.parents = parents
        return recorded

    # -- execution -------------------------------------------------------------------------
    def _start_run(self, plan: Plan, kind: str, step: str, overrides: dict[str, str] | None,
                   against: int | None = None, spun_split: Any = None
                   ) -> tuple[RunRecord, dict[int, int]]:
        from .runtime import _jsonable_params

        self.runtime.prepare(plan.params)
        run = self.catalog.create_run(
            self.graph.name, kind, flow_file=str(self.runtime.loaded.file),
            parameters=_jsonable_params(plan.params), origin_run=plan.reference.number,
            spun_step=step, overrides=overrides or None, code_hash=self.runtime.code_hash(),
            against_run=against, spun_split=spun_split,
            tags=self.runtime.tags if kind == "resume" else (),
            source_text=self.runtime.loaded.source or None,
            system_tags=project_tags(self.runtime.project),
        )
        mapping = self.catalog.clone_tasks([t.id for t in plan.clones], run.id)
        return run, mapping

    @staticmethod
    def _moved(task: FinishedTask, mapping: dict[int, int], run: RunRecord) -> FinishedTask:
        """``task`` as its clone in the new run."""
        new_id = mapping.get(task.task_id, task.task_id)
        return replace(task, task_id=new_id,
                       pathspec=f"{run.flow}/{run.number}/{task.step}/{new_id}")

    def _remap(self, requests: list[Request], mapping: dict[int, int],
               run: RunRecord) -> list[Request]:
        """Point requests' parents at their clones in the new run."""
        return [replace(r, parents=[self._moved(p, mapping, run) for p in r.parents])
                for r in requests]

    def split_artifacts(self, step: str, artifacts: Mapping[str, Any]
                        ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """An ``ARTIFACTS`` dict as (overrides for every input, overrides per join input).

        For a join, a key naming a parent step or a task pathspec whose value is a dict holds
        that input's own overrides.
        """
        node = self.graph[step] if step in self.graph else None
        if node is None or not node.is_join:
            return dict(artifacts), {}
        per_input = {k: dict(v) for k, v in artifacts.items()
                     if (k in node.in_funcs or "/" in k) and isinstance(v, dict)}
        return {k: v for k, v in artifacts.items() if k not in per_input}, per_input

    def spin(self, step: str, *, run_number: int | None = None, index: int | None = None,
             all_splits: bool = False, overrides: Mapping[str, Any] | None = None,
             set_values: Mapping[str, str] | None = None,
             per_input: Mapping[str, Mapping[str, Any]] | None = None,
             artifacts_file: str | Path | None = None, against: int | None = None,
             warn: Any = None) -> SpinOutcome:
        """Re-execute ``step`` on the reference run's inputs as a new run of kind ``spin``.

        ``artifacts_file`` (an ``ARTIFACTS`` module) overrides come first; ``overrides``
        (values) and ``set_values`` (``--set`` text: a parameter of start is coerced by its
        type, an artifact parsed as a Python literal) win over them. ``against`` names the run
        whose task is the diff's before (default: the lineage rule of ``queries.spins``).
        """
        started = time.monotonic()
        values = self._set_values(step, set_values or {})
        if artifacts_file:
            extra, from_file = self.split_artifacts(step, load_artifacts_module(artifacts_file))
            overrides = {**extra, **dict(overrides or {})}
            per_input = {**from_file, **dict(per_input or {})}
        overrides = {**dict(overrides or {}), **values}
        if against is not None and self.catalog.get_run(self.graph.name, against) is None:
            raise EngineInputError(f"--against: flow {self.graph.name} has no run {against}")
        plan = self.plan(step, run_number, resume=False)
        plan.requests = self._select_splits(plan, step, index, all_splits)
        recorded = self.apply_overrides(plan, step, overrides, per_input, warn)
        spun_split = None
        if plan.requests and plan.requests[0].frames:
            spun_split = "*" if all_splits else [f.index for f in plan.requests[0].frames]
        run, mapping = self._start_run(plan, "spin", step, recorded, against, spun_split)
        requests = self._remap(plan.requests, mapping, run)
        final = self.runtime.execute(run, requests, params=plan.params, follow=False)
        tasks = self.catalog.list_tasks(run.id, step)
        cache = self.runtime.cache
        diffs = task_diffs(self.store, final, step,
                           load=cache.load if cache is not None else None)
        return SpinOutcome(final, plan.reference, step, tasks, diffs, time.monotonic() - started)

    def inputs(self, step: str, *, run_number: int | None = None,
               index: int | None = None) -> Any:
        """``step``'s ``self`` at its start on a reference run's stored inputs (the run a spin
        would take them from; ``index``: which foreach split, default 0), with ``.inputs``
        for a join: the body can be developed line by line in a notebook, then spun."""
        plan = self.plan(step, run_number, resume=False)
        request = self._select_splits(plan, step, index, all_splits=False)[0]
        params = plan.params if step == "start" else {}
        self.runtime.config_values(plan.params)  # the run's Config values, as a task has
        cache = self.runtime.cache
        load = cache.load if cache is not None else (lambda ref: self.store.blobs.get(ref.key))
        flow, inputs = bind_step(self.runtime.flow_cls, self.graph, step,
                                 [p.as_parent() for p in request.parents], request.frames,
                                 params, self.runtime.param_names, load)
        object.__setattr__(flow, "inputs", inputs)
        object.__setattr__(flow, "reference", plan.reference)
        return flow

    def _set_values(self, step: str, text: Mapping[str, str]) -> dict[str, Any]:
        """``--set`` text as values: start's parameters by their type, the rest as literals."""
        out: dict[str, Any] = {}
        for name, raw in text.items():
            param = find_parameter(self.runtime.flow_cls, name) if step == "start" else None
            if param is not None:
                try:
                    out[name] = coerce(param, raw)
                except ParameterError as exc:
                    raise EngineInputError(f"--set {name}={raw}: {exc}") from None
            else:
                out[name] = parse_literal(raw, name)
        return out

    def resume(self, step: str, *, run_number: int | None = None) -> RunRecord:
        """Re-execute ``step`` and everything after it as a new run of kind ``resume``."""
        plan = self.plan(step, run_number, resume=True)
        run, mapping = self._start_run(plan, "resume", step, None)
        requests = self._remap(plan.requests, mapping, run)
        scheduler = Scheduler(self.graph, None)
        # Re-arrive the clones (already replayed by the plan) at joins the resumed part reaches.
        for task in plan.finished:
            scheduler.children(self._moved(task, mapping, run))
        return self.runtime.execute(run, requests, params=plan.params, scheduler=scheduler)

    def _select_splits(self, plan: Plan, step: str, index: int | None,
                       all_splits: bool) -> list[Request]:
        """One split of a foreach body (``index``, default 0), or all of them."""
        requests = plan.requests
        if not any(r.frames for r in requests):
            if index is not None:
                raise EngineInputError(f"--index: step '{step}' is not inside a foreach")
            return requests
        if all_splits:
            return requests
        chosen = 0 if index is None else index
        picked = [r for r in requests if r.frames[-1].index == chosen][:1]
        if not picked:
            splits = requests[0].frames[-1].num_splits
            raise EngineInputError(
                f"--index {chosen} is out of range: step '{step}' has {splits} "
                f"split{'s' if splits != 1 else ''} in run {plan.reference.pathspec}"
            )
        return picked
