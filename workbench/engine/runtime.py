"""The local runtime: schedules a run's tasks, one child process each, and records them.

The runtime process imported the flow once; every task is a child forked from it, so a task
starts in milliseconds and shares the parent's memory copy-on-write. The runtime is the only
writer of the catalog for its run: children write artifact blobs and report their result on a
pipe, the runtime commits task rows after the blobs exist.
"""
from __future__ import annotations

import errno
import json
import os
import pickle
import selectors
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from pathlib import Path

from .. import settings
from ..flow.artifacts import Transition
from ..flow.configs import CONFIG_VALUES_ATTR
from ..flow.graph import PARALLEL_VAR
from ..flow.loader import write_import_shim
from ..flow.parameters import flow_parameters
from ..flow.errors import FlowLoadError, MetaflowException
from ..flow.project import project_env, project_tags
from ..settings import current_user
from ..store import ArtifactRecord, RunRecord, Store, StoreError, codec
from ..store.faults import fault
from ..store.logs import ORDER_SUFFIX, OrderRecorder
from .events import (EventSink, LogBatch, RunFinished, RunStarted, TaskFinished, TaskStarted,
                     ignore_events)
from .errors import EngineInputError
from .process import TaskProcess, fork_task, spawn_task, start_method
from .reuse import SplitItems, carried_lists, reuse_key, self_reads, split_items
from .scheduling import FinishedTask, Request, Scheduler
from ..queries.status import graph_code_hash
from .task import PERSIST_MARK, TaskJob, run_in_child, step_decorators, timeout_message

# Threads workbench itself may run beside a runtime (the blob hasher's pool, pytest's
# timeout watchdog): not the flow's, and they hold no lock a task needs.
_OUR_THREADS = ("blake3", "workbench", "pytest_timeout")
HEARTBEAT_SECONDS = 2.0
CANCEL_GRACE_SECONDS = 1.5
EXIT_GRACE_SECONDS = 0.5
TIMEOUT_GRACE_SECONDS = 5.0


def log_cap_bytes() -> int:
    """Bytes kept per log stream of a task (``WORKBENCH_LOG_CAP_MB``, default 64)."""
    return settings.get("WORKBENCH_LOG_CAP_MB")


@dataclass
class _Stream:
    """One stream of a running task: its log file, opened on the first byte (a task that
    prints nothing leaves no file: a 5,000-split foreach is not 10,000 empty files)."""

    path: Path
    written: int = 0
    truncated: bool = False
    pending: bytes = b""
    _file: BinaryIO | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._file is None:
            self._file = open(self.path, "ab")  # noqa: SIM115 - closed by close()
        self._file.write(data)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


@dataclass
class _Active:
    request: Request
    task_id: int
    attempt: int
    proc: TaskProcess
    started_wall: float
    fallback: bool = False
    deadline: float | None = None
    timed_out: bool = False
    exited_at: float | None = None
    streams: dict[int, tuple[str, _Stream]] = field(default_factory=dict)
    write_error: str | None = None  # a log file of the task could not be written
    order: OrderRecorder | None = None  # how its stdout and stderr bytes interleave


class RunInterrupted(Exception):
    """Raised inside the scheduling loop when a cancel was requested."""


class Runtime:
    """Executes runs of one loaded flow against one store."""

    def __init__(self, loaded: Any, store: Store, *, on_event: EventSink = ignore_events,
                 max_workers: int | None = None, max_num_splits: int | None = None,
                 max_log_size_mb: int | None = None, branch: str | None = None,
                 production: bool | None = None, tags: tuple[str, ...] = (),
                 reuse: bool = False, reuse_except: tuple[str, ...] = ()) -> None:
        """``max_num_splits``, ``max_log_size_mb``, ``branch``, ``production`` and ``tags``
        are Metaflow's run options (``tags`` also tag a resume). ``reuse``: a task whose
        step code and inputs equal an earlier succeeded task's is cloned from it instead of
        executed, except in the steps of ``reuse_except``."""
        self.loaded = loaded
        self.graph = loaded.graph
        self.flow_cls = loaded.flow_cls
        self.store = store
        store.blobs.check_trusted()  # tasks unpickle from it: refuse a world-writable store
        store.reserve_space()
        self.catalog = store.catalog
        self.on_event = on_event
        self.max_workers = max(1, max_workers or os.cpu_count() or 1)
        self.log_cap = (max_log_size_mb << 20) if max_log_size_mb else log_cap_bytes()
        self.max_num_splits = max_num_splits
        self.tags = tuple(tags)
        self.reuse = reuse
        self.reuse_except = frozenset(reuse_except)
        self.split_items = SplitItems(self.store.blobs.get)
        self._self_reads: dict[str, set[str]] = {}
        unknown = sorted(self.reuse_except - set(self.graph.nodes))
        if unknown:
            raise EngineInputError(f"--reuse-except: {', '.join(unknown)} is not a step of "
                                   f"{self.graph.name} (steps: {', '.join(self.graph.nodes)})")
        self.start_method = start_method()
        # The warm worker sets an ArtifactCache here; forked tasks inherit its objects.
        self.cache: Any = None
        self._cancel = False
        self._watched: dict[int, Any] = {}
        self.param_names: tuple[str, ...] = tuple(
            p.attr_name for p in flow_parameters(self.flow_cls))
        self._project_options = {"branch": branch, "production": production}
        self.project: dict[str, Any] = {}
        self._importable_in_children()

    def prepare(self, params: dict[str, Any]) -> None:
        """Before a run (or spin, resume) starts: the run's Config values on the flow class,
        then @project's names (which may be Config expressions); a bad name stops here."""
        self.config_values(params)
        try:
            self.project = project_env(self.flow_cls, self.graph.name, current_user(),
                                       **self._project_options)
        except MetaflowException as exc:
            raise FlowLoadError(str(exc), str(self.loaded.file)) from None

    def _importable_in_children(self) -> None:
        """Let interpreters a step starts (multiprocessing with spawn or forkserver) import
        the flow module by its name, as they can import ``__main__`` under Metaflow: a shim
        in the store's ``modules/`` folder, on the ``PYTHONPATH`` tasks inherit."""
        shims = self.store.root / "modules"
        try:
            write_import_shim(shims, self.loaded.file)
        except OSError:  # a read-only store: such steps fail as they would have
            return
        paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        if str(shims) not in paths:
            os.environ["PYTHONPATH"] = os.pathsep.join([str(shims), *paths])
        if str(shims) not in sys.path:  # spawn hands its children the parent's sys.path
            sys.path.append(str(shims))

    # -- public ----------------------------------------------------------------------------
    def watch(self, fd: int, callback: Any) -> None:
        """Call ``callback()`` whenever ``fd`` is readable while a run executes (the worker's
        command pipe, so a cancel is seen within one loop turn)."""
        self._watched[fd] = callback

    def cancel(self) -> None:
        """Ask the running loop to stop: running tasks are killed, the run reads cancelled."""
        self._cancel = True

    def run(self, params: dict[str, Any], *, tags: tuple[str, ...] = ()) -> RunRecord:
        """Execute the whole flow with resolved parameter values; return the final run row."""
        tags = tuple(tags) or self.tags
        self.prepare(params)
        self.catalog.reap_crashed(self.graph.name)
        run = self.catalog.create_run(
            self.graph.name, "run", flow_file=str(self.loaded.file),
            parameters=_jsonable_params(params), code_hash=self.code_hash(), tags=tags,
            source_text=self.loaded.source or None, system_tags=project_tags(self.project),
        )
        return self.execute(run, [Request("start", [], [])], params=params)

    def config_values(self, params: dict[str, Any]) -> dict[str, Any]:
        """The run's Config values (attr -> value), set on the flow class where decorator
        settings are read (``step_decorators``)."""
        values = {p.attr_name: params.get(p.attr_name) for p in flow_parameters(self.flow_cls)
                  if getattr(p, "IS_CONFIG", False)}
        setattr(self.flow_cls, CONFIG_VALUES_ATTR, values)
        return values

    def code_hash(self) -> str:
        """A hash of every step's normalized source: equal hashes mean equal step code."""
        return graph_code_hash([(node.name, node.source_hash) for node in self.graph])

    def execute(self, run: RunRecord, seeds: list[Request], *,
                params: dict[str, Any] | None = None, scheduler: Scheduler | None = None,
                follow: bool = True) -> RunRecord:
        """Run ``seeds`` inside the existing run row ``run``.

        With ``follow`` the tasks they lead to run too; ``scheduler`` may come pre-loaded
        with join arrivals of cloned tasks (resume).
        """
        started = time.monotonic()
        self._cancel = False
        self.on_event(RunStarted(run.flow, run.number, run.kind, run.pathspec, run.parameters))
        configs = self.config_values(params or {})  # once per run, not per task
        state = _RunState(run, params or {}, scheduler=scheduler or Scheduler(self.graph),
                          follow=follow, configs=configs)
        state.ready.extend(seeds)
        status, message = "failed", None
        try:
            self._loop(state)
            status = "failed" if state.failed else "succeeded"
            if status == "succeeded" and follow:
                message = self._missing_end(run, state)
                status = "failed" if message else status
        except (KeyboardInterrupt, RunInterrupted):
            self._stop_all(state, "cancelled")
            status = "cancelled"
        except BaseException:
            self._stop_all(state, "crashed")
            self.catalog.finish_run(run.id, "crashed")
            raise
        self._record(lambda: self.catalog.finish_run(run.id, status, message))
        final = self.catalog.get_run_by_id(run.id)
        self.on_event(RunFinished(run.flow, run.number, run.pathspec, status,
                                  time.monotonic() - started, message))
        return final

    def _missing_end(self, run: RunRecord, state: "_RunState") -> str | None:
        """Why a run whose tasks all succeeded did not succeed: it never reached ``end``.

        A run succeeds only when ``end`` did; anything else is a scheduler bug or a graph
        the scheduler cannot follow, and must read as a failure, never as success.
        """
        if "end" not in self.graph or any(
                t.status == "succeeded" for t in self.catalog.list_tasks(run.id, "end")):
            return None
        waiting = state.scheduler.waiting() if state.scheduler is not None else []
        return ("the run stopped without reaching end"
                + (f": joins still waiting: {', '.join(waiting)}" if waiting else ""))

    # -- scheduling loop -------------------------------------------------------------------
    def _loop(self, state: "_RunState") -> None:
        selector = selectors.DefaultSelector()
        state.selector = selector
        for fd, callback in self._watched.items():
            selector.register(fd, selectors.EVENT_READ, (callback, "control"))
        last_beat = time.monotonic()
        try:
            while state.ready or state.active or state.delayed:
                if self._cancel:
                    raise RunInterrupted()
                now = time.monotonic()
                self._promote_delayed(state, now)
                while state.ready and len(state.active) < self.max_workers and not state.failed:
                    self._launch(state, state.ready.popleft())
                if state.failed and not state.active:
                    state.ready.clear()
                    state.delayed.clear()
                    break
                if not state.active:
                    if state.delayed:
                        wait = min(0.05, max(0.0, state.delayed[0].not_before - now))
                        for key, _ in selector.select(wait):
                            self._on_readable(state, key.fd, key.data)
                    continue
                timeout = self._select_timeout(state, now)
                for key, _ in selector.select(timeout):
                    self._on_readable(state, key.fd, key.data)
                now = time.monotonic()
                for active in list(state.active.values()):
                    if active.proc.pidfd is None:
                        active.proc.poll()
                    if active.deadline is not None and now > active.deadline and not active.timed_out:
                        active.timed_out = True
                        active.proc.kill(signal.SIGKILL)
                    if active.proc.exited:
                        active.exited_at = active.exited_at or now
                        result_open = active.proc.result_fd in active.proc.open_fds
                        # a grandchild may hold the result pipe open: don't wait for it long
                        if not result_open or now - active.exited_at > EXIT_GRACE_SECONDS:
                            self._finalize(state, active)
                if now - last_beat > HEARTBEAT_SECONDS:
                    try:
                        self.catalog.heartbeat(state.run.id)
                    except StoreError:  # a full disk: the pid says the run is alive
                        pass
                    last_beat = now
        finally:
            selector.close()
            state.selector = None

    def _select_timeout(self, state: "_RunState", now: float) -> float:
        timeout = HEARTBEAT_SECONDS
        if any(a.proc.pidfd is None or a.proc.exited for a in state.active.values()):
            timeout = 0.02
        for active in state.active.values():
            if active.deadline is not None:
                timeout = min(timeout, max(0.0, active.deadline - now))
        if state.delayed:
            timeout = min(timeout, max(0.0, state.delayed[0].not_before - now))
        return timeout

    def _promote_delayed(self, state: "_RunState", now: float) -> None:
        while state.delayed and state.delayed[0].not_before <= now:
            state.ready.appendleft(state.delayed.popleft())

    # -- launching -------------------------------------------------------------------------
    @staticmethod
    def _parallel_node(state: "_RunState", request: Request, task_id: int
                       ) -> tuple[int, int, str | None] | None:
        """(num_nodes, node_index, control task id) for a task of ``num_parallel``; the
        control task is node 0, launched first."""
        if not request.frames or request.frames[-1].var != PARALLEL_VAR:
            return None
        frame = request.frames[-1]
        key = (request.step, tuple(f.index for f in request.frames[:-1]))
        if frame.index == 0:
            state.parallel_control[key] = task_id
        control = state.parallel_control.get(key)
        return frame.num_splits, frame.index, str(control) if control is not None else None

    def _launch(self, state: "_RunState", request: Request) -> None:
        task_id, attempt = request.task_id, request.attempt
        node = self.graph[request.step]
        reads = self._self_reads.get(request.step)
        if reads is None:
            reads = self._self_reads[request.step] = self_reads(node.source)
        items = split_items(request.parents, request.frames, self.split_items, reads)
        request.reuse_key = reuse_key(node, request.parents, request.frames,
                                      state.run.parameters, items)
        request.split_vars = set(items or ())
        if task_id is None and attempt == 0 and self._reused(state, request):
            return
        decorators = step_decorators(self.flow_cls, request.step)
        retries = int((decorators.get("retry") or {}).get("times", 0) or 0)
        split_index = request.frames[-1].index if request.frames else None
        if task_id is None:
            task_id = self.catalog.create_task(
                state.run.id, request.step, split_index=split_index,
                foreach_stack=[f.to_json() for f in request.frames],
                input_task_ids=[p.task_id for p in request.parents],
                source_hash=node.source_hash, fingerprint=node.fingerprint or None,
                status="running", attempt=attempt,
                started_at=time.time(),
            )
        else:
            self.catalog.update_task(task_id, attempt=attempt, status="running")
        job = TaskJob(
            flow_name=state.run.flow, run_number=state.run.number, task_id=task_id,
            step=request.step, attempt=attempt, parents=[p.as_parent() for p in request.parents],
            frames=list(request.frames),
            params=state.params if request.step == "start" else {},
            is_last_attempt=attempt >= retries, fallback=request.fallback,
            fallback_reason=request.reason,
            origin_run=state.run.origin_run, param_names=self.param_names,
            tags=state.run.tags, project=self.project,
            parallel=self._parallel_node(state, request, task_id),
            configs=state.configs,
        )
        flow_cls, graph, blobs = self.flow_cls, self.graph, self.store.blobs
        if self.start_method == "fork" and self._threads_running():
            self.start_method = "spawn"
        if self.start_method == "fork":
            loader = self.cache.load if self.cache is not None else None
            proc = fork_task(lambda fd: run_in_child(job, flow_cls, graph, blobs, fd, loader))
        else:
            proc = spawn_task(pickle.dumps((job, str(self.loaded.file), self.graph.name,
                                            str(self.store.root))))
        timeout = (decorators.get("timeout") or {}).get("seconds")
        active = _Active(request, task_id, attempt, proc, time.time(), fallback=request.fallback,
                         deadline=(time.monotonic() + timeout + TIMEOUT_GRACE_SECONDS)
                         if timeout else None)
        sizes = {}
        for fd, stream in ((proc.stdout_fd, "stdout"), (proc.stderr_fd, "stderr")):
            path = self.store.log_path(task_id, stream)
            try:
                sizes[stream] = path.stat().st_size  # an earlier attempt's
            except FileNotFoundError:
                sizes[stream] = 0
            active.streams[fd] = (stream, _Stream(path, written=sizes[stream]))
            state.selector.register(fd, selectors.EVENT_READ, (active, stream))
        active.order = OrderRecorder(self.store.log_path(task_id, ORDER_SUFFIX),
                                     sizes["stdout"], sizes["stderr"])
        if attempt:
            for fd, (stream, log_stream) in active.streams.items():
                header = f"--- attempt {attempt} ---\n".encode()
                log_stream.write(header)
                active.order.add(stream, len(header))
        state.selector.register(proc.result_fd, selectors.EVENT_READ, (active, "result"))
        if proc.pidfd is not None:
            state.selector.register(proc.pidfd, selectors.EVENT_READ, (active, "exit"))
        state.active[task_id] = active
        self.on_event(TaskStarted(self._pathspec(state, request.step, task_id), request.step,
                                  task_id, attempt, split_index))

    def _reused(self, state: "_RunState", request: Request) -> bool:
        """With ``reuse``: clone an earlier succeeded task computed from the same key into
        this run instead of executing (never for a step in ``reuse_except``, nor a
        ``@parallel`` gang); True when it did."""
        if not self.reuse or request.step in self.reuse_except or not request.reuse_key \
                or (step_decorators(self.flow_cls, request.step).get("parallel") is not None):
            return False
        hit = self.catalog.reusable_task(state.run.flow, request.reuse_key)
        if hit is None:
            return False
        task_id = self.catalog.reuse_task(hit.id, state.run.id,
                                          [p.task_id for p in request.parents],
                                          request.reuse_key)
        if request.split_vars and hit.input_task_ids:  # pass the current lists on
            rows = carried_lists(self.catalog.list_artifacts(task_id),
                                 self.catalog.list_artifacts(hit.input_task_ids[0]),
                                 request.parents[0].refs, request.split_vars)
            if rows:
                self.catalog.put_artifacts(task_id, rows)
        record = self.catalog.get_task(task_id)
        executed = self.catalog.get_task(record.reused_from) if record else None
        pathspec = self._pathspec(state, request.step, task_id)
        split_index = request.frames[-1].index if request.frames else None
        self.on_event(TaskStarted(pathspec, request.step, task_id, 0, split_index))
        self.on_event(LogBatch(pathspec, request.step, task_id, "stdout",
                               (f"reused from {executed.pathspec if executed else hit.pathspec}"
                                " (same code and inputs)",)))
        self.on_event(TaskFinished(pathspec, request.step, task_id, 0, "succeeded", 0.0))
        artifacts = self.catalog.list_artifacts(task_id)
        transition = Transition.from_json(record.transition) if record.transition else None
        self.schedule_children(state, FinishedTask(
            task_id, request.step, pathspec, {a.name: a for a in artifacts},
            list(request.frames), transition))
        return True

    # -- reading ---------------------------------------------------------------------------
    def _on_readable(self, state: "_RunState", fd: int, data: tuple) -> None:
        active, kind = data
        if kind == "control":
            active()  # the watched fd's callback
            return
        if kind == "exit":
            state.selector.unregister(fd)
            active.proc.poll()
            if not active.proc.exited:  # pidfd readiness means it exited; reap blocking
                active.proc.reap()
            return
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            state.selector.unregister(fd)
            active.proc.open_fds.discard(fd)
            os.close(fd)
            if kind != "result":
                self._flush_partial(state, active, fd)
            return
        if kind == "result":
            active.proc.result_chunks.append(chunk)
        else:
            self._on_log(state, active, fd, chunk)

    def _on_log(self, state: "_RunState", active: _Active, fd: int, chunk: bytes) -> None:
        stream_name, stream = active.streams[fd]
        if stream.truncated:  # past the cap: neither kept nor streamed (memory stays bounded)
            return
        kept = chunk[:max(0, self.log_cap - stream.written)]
        try:
            stream.write(kept)
            stream.flush()  # readers in other processes (`workbench logs`) see it now
        except OSError as exc:  # a full disk, a file size limit: the task fails, not the run
            self._write_failed(active, stream, stream_name, exc)
            return
        stream.written += len(kept)
        if active.order is not None:
            active.order.add(stream_name, len(kept))
        data = stream.pending + kept
        *lines, stream.pending = data.split(b"\n")
        if len(stream.pending) > 65536:  # a huge line without newline: show it in pieces
            lines.append(stream.pending)
            stream.pending = b""
        if lines:
            self._emit_lines(state, active, stream_name,
                             b"\n".join(lines).decode("utf-8", "replace").split("\n"))
        if len(kept) < len(chunk):
            stream.truncated = True
            self._flush_partial(state, active, fd)
            note = f"[workbench: {stream_name} truncated at {self.log_cap} bytes]"
            try:
                stream.write(f"\n{note}\n".encode())
                if active.order is not None:
                    active.order.add(stream_name, len(note) + 2)
            except OSError as exc:
                self._write_failed(active, stream, stream_name, exc)
            self._emit_lines(state, active, stream_name, [note])

    def _record(self, write: Any) -> None:
        """A catalog write; when it fails (a disk a step filled), free the space reserve and
        try once more, so the failure itself gets recorded."""
        try:
            write()
        except StoreError:
            if not self.store.release_space():
                raise
            write()

    def _write_failed(self, active: _Active, stream: _Stream, stream_name: str,
                      exc: OSError) -> None:
        """A log write failed: stop writing that log, end the task, and remember why (the
        task then fails with that one line)."""
        stream.truncated = True
        if exc.errno == errno.ENOSPC:
            self.store.release_space()  # room for the catalog to record the failure
        if active.write_error is None:
            path = self.store.log_path(active.task_id, stream_name)
            active.write_error = (f"OSError: could not write the task's {stream_name} log "
                                  f"{path}: {exc.strerror or exc}")
            active.proc.kill(signal.SIGKILL)

    def _flush_partial(self, state: "_RunState", active: _Active, fd: int) -> None:
        stream_name, stream = active.streams[fd]
        if stream.pending:
            self._emit_lines(state, active, stream_name,
                             [stream.pending.decode("utf-8", "replace")])
            stream.pending = b""

    def _emit_lines(self, state: "_RunState", active: _Active, stream: str,
                    lines: list[str]) -> None:
        step = active.request.step
        self.on_event(LogBatch(self._pathspec(state, step, active.task_id), step,
                               active.task_id, stream,
                               tuple(line.rstrip("\r") for line in lines)))

    # -- finishing -------------------------------------------------------------------------
    def _drain(self, state: "_RunState", active: _Active) -> None:
        """Read what is left on the task's pipes, then close them and its log files. A
        task that died of a segmentation fault says so on its stderr, as under Metaflow."""
        for fd in list(active.proc.open_fds):
            kind = "result" if fd == active.proc.result_fd else None
            while True:
                try:
                    chunk = os.read(fd, 1 << 16)
                except (BlockingIOError, OSError):
                    break
                if not chunk:
                    break
                if kind == "result":
                    active.proc.result_chunks.append(chunk)
                else:
                    self._on_log(state, active, fd, chunk)
            if fd in active.streams:
                self._flush_partial(state, active, fd)
            try:
                state.selector.unregister(fd)
            except (KeyError, ValueError):
                pass
        if active.proc.pidfd is not None:
            try:
                state.selector.unregister(active.proc.pidfd)
            except (KeyError, ValueError):
                pass
        status = active.proc.exit_status or 0
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV:
            err_fd = next(fd for fd, (name, _) in active.streams.items() if name == "stderr")
            self._on_log(state, active, err_fd, b"Task failed with a segmentation fault.\n")
        for stream_name, stream in active.streams.values():
            try:
                stream.close()  # flushes: the last buffered write can fail here
            except OSError as exc:
                self._write_failed(active, stream, stream_name, exc)
        if active.order is not None:
            try:
                active.order.save()
            except OSError:  # the logs stay whole, read as stdout then stderr
                pass
        active.proc.close()

    def _finalize(self, state: "_RunState", active: _Active) -> None:
        self._drain(state, active)
        del state.active[active.task_id]
        request = active.request
        result = None
        raw = b"".join(active.proc.result_chunks)
        persisting = raw.startswith(PERSIST_MARK)  # the step's code had finished
        raw = raw[len(PERSIST_MARK):] if persisting else raw
        if raw:
            try:
                result = json.loads(raw)
            except ValueError:
                result = None
        decorators = step_decorators(self.flow_cls, request.step)
        retries = int((decorators.get("retry") or {}).get("times", 0) or 0)
        catch = decorators.get("catch")
        if result is None:
            phase = (" while persisting its artifacts (the step's code had finished)"
                     if persisting else "")
            if active.timed_out:
                seconds = (decorators.get("timeout") or {}).get("seconds")
                line = f"TimeoutException: {timeout_message(request.step, seconds)}{phase}"
            else:
                line = (f"TaskCrashed: the task process died{phase} without a result "
                        f"({active.proc.describe_exit()})")
            result = {"status": "failed", "exception": line, "traceback": None,
                      "artifacts": [], "transition": None, "crashed": True}
        if active.write_error is not None:  # what could not be written is the reason
            result = {"status": "failed", "exception": active.write_error, "traceback": None,
                      "artifacts": [], "transition": None}
        seconds = time.time() - active.started_wall
        pathspec = self._pathspec(state, request.step, active.task_id)
        if result["status"] != "succeeded" and not active.fallback:
            retry_next = active.attempt < retries
            fallback_next = (not retry_next and catch is not None and result.get("crashed"))
            if retry_next or fallback_next:
                self.on_event(TaskFinished(pathspec, request.step, active.task_id, active.attempt,
                                           "failed", seconds, result["exception"],
                                           result.get("traceback"), will_retry=True))
                wait = _retry_wait(self.graph[request.step]) if retry_next else 0.0
                again = Request(request.step, request.parents, request.frames,
                                time.monotonic() + wait, task_id=active.task_id,
                                attempt=active.attempt + 1, fallback=fallback_next,
                                reason=result["exception"] or "")
                if wait:
                    state.delayed.append(again)
                else:
                    self._launch(state, again)
                return
        splits = (result.get("transition") or {}).get("num_splits") \
            if isinstance(result.get("transition"), dict) else None
        if (self.max_num_splits is not None and result["status"] == "succeeded"
                and splits is not None and splits > self.max_num_splits):
            result = {**result, "status": "failed", "transition": None, "traceback": None,
                      "exception": (f"TaskFailed: Foreach in step *{request.step}* yielded "
                                    f"{splits} child steps which is more than the current "
                                    f"maximum of {self.max_num_splits} children. You can raise "
                                    "the maximum with the --max-num-splits option.")}
        artifacts = [ArtifactRecord(active.task_id, *row) for row in result["artifacts"]]
        codec.trust(result.get("created") or [])  # the next tasks fork with them known
        fault("after_blobs")  # test-only pause: blobs written, catalog rows not yet
        gone = [a for a in artifacts if not self.store.blobs.exists(a.key)]
        if gone and result["status"] == "succeeded":  # never commit rows without their data
            names = ", ".join(repr(a.name) for a in gone[:5])
            result = {**result, "status": "failed", "transition": None, "traceback": None,
                      "exception": (f"BlobMissingError: the task wrote {names} but "
                                    f"{self.store.blobs.path(gone[0].key)} is gone before it "
                                    f"was recorded (removed while the run was paused?)")}
            artifacts = [a for a in artifacts if a not in gone]
        stdout = stderr = 0
        truncated = False
        for stream_name, stream in active.streams.values():
            if stream_name == "stdout":
                stdout = stream.written
            else:
                stderr = stream.written
            truncated = truncated or stream.truncated
        self._record(lambda: self.catalog.finish_task(
            active.task_id, status=result["status"], artifacts=artifacts,
            exception=result["exception"], traceback=result.get("traceback"),
            transition=result.get("transition"), finished_at=time.time(),
            stdout_bytes=stdout, stderr_bytes=stderr, log_truncated=truncated,
            reuse_key=request.reuse_key,
        ))
        self.on_event(TaskFinished(pathspec, request.step, active.task_id, active.attempt,
                                   result["status"], seconds, result["exception"],
                                   result.get("traceback")))
        if result["status"] != "succeeded":
            state.failed = True
            return
        transition = Transition.from_json(result["transition"]) if result["transition"] else None
        finished = FinishedTask(active.task_id, request.step, pathspec,
                                {a.name: a for a in artifacts}, list(request.frames), transition)
        self.schedule_children(state, finished)

    def schedule_children(self, state: "_RunState", task: FinishedTask) -> None:
        """Queue the tasks that ``task``'s transition leads to (joins wait for all inputs)."""
        if state.follow:
            state.ready.extend(state.scheduler.children(task))

    # -- cancel ----------------------------------------------------------------------------
    def _stop_all(self, state: "_RunState", status: str) -> None:
        for active in state.active.values():
            active.proc.kill(signal.SIGTERM)
        deadline = time.monotonic() + CANCEL_GRACE_SECONDS
        while time.monotonic() < deadline and not all(a.proc.poll() for a in state.active.values()):
            time.sleep(0.02)
        for active in list(state.active.values()):
            if not active.proc.poll():
                active.proc.kill(signal.SIGKILL)
                try:
                    _, code = os.waitpid(active.proc.pid, 0)
                    active.proc.exit_status = code
                except ChildProcessError:
                    pass
            # the group may hold grandchildren that outlived the task process
            active.proc.kill(signal.SIGKILL)
            if state.selector is not None:
                self._drain(state, active)
            else:
                active.proc.close()
            self.catalog.finish_task(active.task_id, status=status, artifacts=[],
                                     exception=f"{status.capitalize()}: the run was {status}",
                                     finished_at=time.time())
            self.on_event(TaskFinished(self._pathspec(state, active.request.step, active.task_id),
                                       active.request.step, active.task_id, active.attempt,
                                       status, time.time() - active.started_wall))
        state.active.clear()

    def _threads_running(self) -> bool:
        """True (and one warning) when a thread other than ours runs in this process: a
        lock it holds at fork time stays locked forever in the forked task, so tasks are
        spawned instead."""
        others = [t for t in threading.enumerate() if t is not threading.main_thread()
                  and t.is_alive() and not t.name.startswith(_OUR_THREADS)]
        if not others:
            return False
        names = ", ".join(sorted({t.name for t in others}))
        print(f"workbench: warning: a thread is running in the flow's process ({names}), "
              f"most likely started when the flow was imported; a lock it holds would stay "
              f"locked in a forked task, so tasks are started with spawn (slower)",
              file=sys.stderr, flush=True)
        return True

    @staticmethod
    def _pathspec(state: "_RunState", step: str, task_id: int) -> str:
        return f"{state.run.flow}/{state.run.number}/{step}/{task_id}"


@dataclass
class _RunState:
    run: RunRecord
    params: dict[str, Any]
    ready: deque = field(default_factory=deque)
    delayed: deque = field(default_factory=deque)
    active: dict[int, _Active] = field(default_factory=dict)
    scheduler: Scheduler | None = None
    follow: bool = True
    failed: bool = False
    selector: Any = None
    parallel_control: dict = field(default_factory=dict)  # num_parallel group -> node 0's id
    configs: dict = field(default_factory=dict)  # the run's Config values (TaskJob.configs)


def _retry_wait(node: Any) -> float:
    """Seconds before a retry: ``minutes_between_retries`` only when the flow's code gives it.

    A bare ``@retry`` retries at once, as Metaflow's local runtime does (its default of two
    minutes applies on remote backends).
    """
    spec = node.decorator("retry")
    minutes = (spec.kwargs if spec is not None else {}).get("minutes_between_retries")
    try:
        return max(0.0, float(minutes or 0)) * 60.0
    except (TypeError, ValueError):  # not a literal in the source
        return 0.0


def _jsonable_params(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in params.items():
        try:
            json.dumps(value)
            out[name] = value
        except (TypeError, ValueError):
            out[name] = repr(value)[:200]
    return out
