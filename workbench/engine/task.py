"""Executing one task inside its process: bind the flow, call the step, persist, report.

Runs in the child. It reads parents' artifacts from blobs (lazily, through the flow's
ArtifactSet), writes the artifacts the step touched as blobs, and reports what happened as one
JSON document on the result pipe. It never touches the catalog: the parent is its only writer.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from ..flow import current, install_metaflow_alias
from ..flow.configs import CONFIG_VALUES_ATTR
from ..flow.current import Parallel
from ..flow.decorators import resolve_settings
from ..flow.artifacts import ArtifactSet, ForeachFrame, Transition
from ..flow.exceptions import MetaflowExceptionWrapper
from ..flow.metaflow_plugins.catch_decorator import FailureHandledByCatch
from ..flow.metaflow_plugins.timeout_decorator import TimeoutException
from ..flow.inputs import InputTask, Inputs
from ..flow.spec import TaskState, flow_constants
from ..store import BlobStore, codec
from ..store.errors import StoreError
from ..store.paths import ENV_VAR as STORE_ENV_VAR
from ..store.summary import time_bound



@dataclass
class ParentTask:
    """A finished parent task as the child needs it: its artifacts and foreach frames."""

    task_id: int
    step: str
    pathspec: str
    refs: dict[str, Any]
    frames: list[ForeachFrame]


@dataclass
class TaskJob:
    """Everything a task process needs to run one attempt of one task."""

    flow_name: str
    run_number: int
    task_id: int
    step: str
    attempt: int
    parents: list[ParentTask]
    frames: list[ForeachFrame]
    params: dict[str, Any] = field(default_factory=dict)
    is_last_attempt: bool = True
    fallback: bool = False
    fallback_reason: str = ""
    origin_run: int | None = None
    param_names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # the run's --tag values (``current.tags``)
    parallel: tuple[int, int, str | None] | None = None  # num_parallel: nodes, index, node 0
    configs: dict[str, Any] = field(default_factory=dict)  # the run's Config values
    project: dict[str, Any] = field(default_factory=dict)  # ``current``'s @project fields


def step_decorators(flow_cls: type, step: str) -> dict[str, dict]:
    """The runtime decorator settings of a step (``retry``, ``catch``, ``timeout``...),
    with Config expressions evaluated against the run's values."""
    func = getattr(flow_cls, step)
    values = getattr(flow_cls, CONFIG_VALUES_ATTR, {}) or {}
    return {name: resolve_settings(name, settings, values)
            for name, settings in (getattr(func, "__wb_decorators__", {}) or {}).items()}


def timeout_message(step: str, seconds: float) -> str:
    """Metaflow's wording: ``Step train timed out after 0 hours, 1 minutes, 30 seconds``."""
    whole = int(seconds)
    secs = f"{whole % 60 + (seconds - whole):g}"
    return (f"Step {step} timed out after {whole // 3600} hours, {whole % 3600 // 60} minutes, "
            f"{secs} seconds")


def _alarm(seconds: float | None, step: str) -> Any:
    """The step's @timeout: TimeoutException (Metaflow's message) after ``seconds``."""
    if not seconds or seconds <= 0:
        return nullcontext()
    return time_bound(seconds, lambda: TimeoutException(timeout_message(step, seconds)))


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without the engine's own frames at its top."""
    tb = exc.__traceback__
    while tb is not None and os.path.dirname(os.path.abspath(tb.tb_frame.f_code.co_filename)) == _ENGINE_DIR:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def _exception_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# Written on the result pipe before the artifacts are persisted, so a task that dies or
# times out afterwards is reported as failing while persisting, not in the step's code.
PERSIST_MARK = b"\x1epersist\n"


def bind_step(flow_cls: type, graph: Any, step: str, parents: list[Any], frames: list[Any],
              params: dict[str, Any], param_names: tuple[str, ...] | list[str], load: Any
              ) -> tuple[Any, Inputs | None]:
    """The step's ``self`` at its start, and its ``inputs`` for a join: what a task sees (and
    what ``workbench.inputs`` hands a notebook). Artifacts load on first use via ``load``."""
    node = graph[step]
    if node.is_join:
        first = parents[0].refs if parents else {}
        passdown = set(param_names) | set(flow_constants(flow_cls))
        inherited = ArtifactSet({k: v for k, v in first.items() if k in passdown}, load)
        inputs = Inputs([
            InputTask(p.step, ArtifactSet(dict(p.refs), load), p.frames, p.pathspec)
            for p in parents
        ])
    else:
        refs = dict(parents[0].refs) if parents else {}
        inherited = ArtifactSet(refs, load)
        inputs = None
    state = TaskState(step=step, inherited=inherited, frames=list(frames),
                      params=dict(params), is_join=node.is_join, graph=graph)
    flow = flow_cls(use_cli=False)
    flow._wb_bind(state)
    return flow, inputs


def execute_task(job: TaskJob, flow_cls: type, graph: Any, blobs: BlobStore,
                 loader: Any = None, on_persist: Any = None) -> dict[str, Any]:
    """Run one attempt of a task and persist its artifacts; return the result document."""
    started_at = time.time()
    setattr(flow_cls, CONFIG_VALUES_ATTR, dict(job.configs))  # decorators' Config expressions
    node = graph[job.step]
    load = _naming_errors(loader or (lambda ref: blobs.get(ref.key)))
    flow, inputs = bind_step(flow_cls, graph, job.step, job.parents, job.frames, job.params,
                             job.param_names, load)
    state = flow.__dict__["_wb"]
    current._bind(
        flow_name=job.flow_name,
        run_id=str(job.run_number),
        step_name=job.step,
        task_id=str(job.task_id),
        retry_count=job.attempt,
        origin_run_id=job.origin_run,
        store_root=str(blobs.root),
        tags=set(job.tags),
        parameter_names=sorted(job.param_names),
        project=dict(job.project),
        parallel=Parallel("127.0.0.1", *job.parallel) if job.parallel else None,
    )
    decorators = step_decorators(flow_cls, job.step)
    current._use_cards(decorators.get("card") or [])
    catch = decorators.get("catch")
    timeout = (decorators.get("timeout") or {}).get("seconds")
    status, exc_line, tb_text = "succeeded", None, None
    try:
        if job.fallback:  # as Metaflow's fallback attempt: raised, caught, wrapped
            try:
                raise FailureHandledByCatch(job.attempt)
            except FailureHandledByCatch as failure:
                wrapped = MetaflowExceptionWrapper(failure)
            if job.fallback_reason:  # what happened to the attempts before, for the reader
                wrapped.stacktrace = (f"{wrapped.stacktrace or ''}(the earlier attempt: "
                                      f"{job.fallback_reason})\n")
            _store_caught(flow, catch, wrapped)
            state.transition = _static_transition(node)
        else:
            with _alarm(timeout, job.step):
                if inputs is not None:
                    getattr(flow, job.step)(inputs)
                else:
                    getattr(flow, job.step)()
            check_transition(node, state.transition)
            if catch and catch.get("var"):
                setattr(flow, catch["var"], None)
    except BaseException as exc:  # noqa: BLE001 - a step's SystemExit is a failure too
        if catch and job.is_last_attempt and isinstance(exc, Exception):
            if catch.get("print_exception", True):  # as Metaflow prints it, on stdout
                print(f"@catch caught an exception from {flow}")
                print("".join(f">  {line}\n" for line in user_traceback(exc).splitlines()), end="")
            wrapped = MetaflowExceptionWrapper(exc)
            wrapped.stacktrace = user_traceback(exc)
            _store_caught(flow, catch, wrapped)
            try:
                state.transition = _static_transition(node)
            except ValueError as why:
                status, exc_line, tb_text = "failed", f"CatchError: {why}", traceback.format_exc()
        else:
            status = "failed"
            exc_line = _exception_line(exc)
            tb_text = user_traceback(exc)
            print(tb_text, file=sys.stderr, end="")
    if on_persist is not None:
        on_persist()
    artifacts, persist_error = _persist(flow, job, blobs)
    if persist_error and status == "succeeded":
        status, exc_line, tb_text = "failed", persist_error, None
        print(persist_error, file=sys.stderr)
    if status == "succeeded" and decorators.get("card"):
        from .cards import make_cards  # only steps with @card pay for it
        make_cards(job, flow, graph, artifacts, started_at, str(blobs.root), blobs.get)
    return {
        "status": status,
        "exception": exc_line,
        "traceback": tb_text,
        "artifacts": artifacts,
        "created": codec.take_created(),
        "transition": state.transition.to_json() if state.transition and status == "succeeded" else None,
    }


def _naming_errors(load: Any) -> Any:
    """``load`` whose store errors (corrupt, missing, untrusted blob) name the artifact."""
    def named(ref: Any) -> Any:
        try:
            return load(ref)
        except StoreError as exc:
            try:
                renamed = type(exc)(f"input artifact {getattr(ref, 'name', '?')!r}: {exc}")
            except Exception:  # noqa: BLE001 - a subclass with another constructor
                raise exc from None
            raise renamed from None
    return named


def _store_caught(flow: Any, catch: dict | None, value: Any) -> None:
    var = (catch or {}).get("var")
    if var:
        setattr(flow, var, value)


def _static_transition(node: Any) -> Transition:
    """The transition a step takes when ``@catch`` swallowed its exception."""
    if node.type == "end":
        return Transition(())
    if node.type in ("foreach", "switch"):
        raise ValueError(
            f"@catch cannot continue past a failed {node.type} step *{node.name}*: "
            "which branches to take is only known when the step succeeds"
        )
    return Transition(tuple(node.out_funcs))


def check_transition(node: Any, transition: Transition | None) -> None:
    """Raise when what the step did with ``self.next`` disagrees with the flow's graph."""
    from ..flow.errors import InvalidNextError

    if node.type == "end":
        if transition is not None:
            raise InvalidNextError("The end step must not call self.next().")
        return
    if transition is None:
        raise InvalidNextError(
            f"Step *{node.name}* did not call self.next(). Every step other than end must "
            "end with a self.next() transition."
        )
    if node.type == "switch":
        if transition.condition is None or transition.steps[0] not in node.out_funcs:
            raise InvalidNextError(
                f"Step *{node.name}* took a transition that is not one of its switch cases "
                f"{node.out_funcs}."
            )
        return
    if list(transition.steps) != list(node.out_funcs) or transition.foreach != node.foreach_param:
        raise InvalidNextError(
            f"Step *{node.name}* called self.next() with {list(transition.steps)}"
            + (f" (foreach={transition.foreach!r})" if transition.foreach else "")
            + f", but the flow's code declares {list(node.out_funcs)}"
            + (f" (foreach={node.foreach_param!r})" if node.foreach_param else "")
            + "."
        )


def _persist(flow: Any, job: TaskJob, blobs: BlobStore) -> tuple[list[list[Any]], str | None]:
    """Write the artifacts the step touched; rows of (name, key, type, size, summary)."""
    values, carried = flow._wb_outputs()
    constants: dict[str, Any] = {}
    if job.step == "start":
        for name, value in job.params.items():
            values.setdefault(name, value)
        constants = {k: v for k, v in flow_constants(type(flow)).items() if k not in values}
    rows: list[list[Any]] = []
    error = None
    state = flow.__dict__.get("_wb")
    # values the step read and did not assign: carried by key when they still serialize to it
    loaded = {name: ref for name, ref in state.inherited.items()
              if name in state.loaded_names and blobs.exists(ref.key)} \
        if state is not None else {}  # (a blob gone from the store is written again)
    for name, value in [*values.items(), *constants.items()]:
        ref = loaded.get(name)
        try:
            info = blobs.put(value, name=name, unchanged_key=ref.key if ref else None)
            if info is None:  # read, not changed
                rows.append([name, ref.key, ref.type_name, ref.size, ref.summary])
                continue
        except StoreError as exc:
            if name in constants:  # a constant that cannot be stored stays a class attribute
                continue
            error = error or str(exc)
            continue
        rows.append([name, info.key, info.type_name, info.size, info.summary])
    for name, ref in carried.items():
        rows.append([name, ref.key, ref.type_name, ref.size, ref.summary])
    return rows, error


def run_in_child(job: TaskJob, flow_cls: type, graph: Any, blobs: BlobStore,
                 result_fd: int, loader: Any = None) -> None:
    """Child-process entry: execute the task and write its result document to ``result_fd``."""
    # A step may import metaflow lazily (``from metaflow import current``): inside the task
    # process that name is workbench's API, whatever the parent process has.
    install_metaflow_alias()
    # The client (``from metaflow import Flow`` in a step, or a script the step starts) reads
    # the store this task writes to.
    os.environ[STORE_ENV_VAR] = str(blobs.root)
    try:
        result = execute_task(job, flow_cls, graph, blobs, loader,
                              on_persist=lambda: os.write(result_fd, PERSIST_MARK))
    except BaseException as exc:  # noqa: BLE001 - reported, never raised into the fork
        traceback.print_exc()
        result = {"status": "failed", "exception": _exception_line(exc),
                  "traceback": traceback.format_exc(), "artifacts": [], "transition": None}
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    data = json.dumps(result, default=repr).encode()
    view = memoryview(data)
    while view:
        written = os.write(result_fd, view)
        view = view[written:]
    os.close(result_fd)
