"""Python API for notebooks and tests: ``workbench.run``, ``workbench.spin``, ``workbench.resume``.

Each executes in a warm engine worker (one per flow file and store, started on first use: the
flow stays imported and recent artifacts stay in memory, and the calling process never forks)
and returns client objects (``result.run["train"].task.data.model``, ``result.diff``).
"""
from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from .client import Run, Task
from .compare import ArtifactDiff
from .engine import api as engine_api
from .engine.errors import EngineInputError
from .engine.replay import diff_spun_task
from .engine.worker import EngineWorker
from .flow.errors import FlowLoadError
from .store import Store

PathLike = str | os.PathLike


@dataclass
class RunResult:
    """A finished run or resume: ``.run`` (client Run), ``.status``, ``.successful``."""

    run: Run

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def successful(self) -> bool:
        return self.run.successful


@dataclass
class SpinResult:
    """A finished spin: ``.run`` (the spin run), ``.task`` (the spun task), ``.diff``."""

    run: Run
    task: Task | None
    tasks: list[Task]
    reference: Run
    diff: list[ArtifactDiff]
    seconds: float

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def successful(self) -> bool:
        return self.run.successful

    def changed(self) -> list[ArtifactDiff]:
        """The diff entries that are not ``unchanged``."""
        return [d for d in self.diff if d.change != "unchanged"]


_WORKERS: dict[tuple[str, str, str | None], tuple[EngineWorker, Iterator[dict]]] = {}


def _store_of(store: Store | PathLike | None) -> Store:
    return engine_api.open_store(store)


def _worker(flow_file: PathLike, store: Store, flow_name: str | None
            ) -> tuple[EngineWorker, Iterator[dict]]:
    """The warm worker for this flow file and store, started on first use."""
    key = (str(Path(flow_file).resolve()), str(store.root), flow_name)
    entry = _WORKERS.get(key)
    if entry is None or not entry[0].alive:
        if not Path(flow_file).is_file():
            raise FlowLoadError(f"{flow_file}: no such file", str(flow_file))
        handle = EngineWorker(key[0], store.root, flow_name)
        handle.start()
        events = handle.events()
        for event in events:
            if event["event"] == "ready":
                break
        entry = _WORKERS[key] = (handle, events)
    return entry


def _call(entry: tuple[EngineWorker, Iterator[dict]], send: Any, echo: bool) -> list[dict]:
    """Send one command and collect its events up to ``command_finished``."""
    handle, events = entry
    send(handle)
    seen: list[dict] = []
    for event in events:
        seen.append(event)
        kind = event["event"]
        if echo and kind == "log_line":
            print(f"[{event['step']}/{event['task_id']}] {event['line']}")
        if kind == "command_finished":
            break
    else:
        raise EngineInputError("the workbench engine worker exited unexpectedly")
    errors = [e for e in seen if e["event"] == "error"]
    if errors:
        raise EngineInputError(errors[0]["message"])
    return seen


@atexit.register
def shutdown_workers() -> None:
    """Stop every warm worker this process started."""
    handles = [handle for handle, _ in _WORKERS.values()]
    for handle in handles:  # all at once: each takes a moment to exit
        handle.request_stop()
    for handle in handles:
        handle.stop()
    _WORKERS.clear()


def run(flow_file: PathLike, params: Mapping[str, Any] | None = None, *,
        store: Store | PathLike | None = None, flow_name: str | None = None,
        echo: bool = False) -> RunResult:
    """Run the whole flow in the warm worker; ``params`` are values or CLI-style strings."""
    the_store = _store_of(store)
    seen = _call(_worker(flow_file, the_store, flow_name),
                 lambda w: w.run({k: v for k, v in (params or {}).items()}), echo)
    return RunResult(_run_of(seen, the_store))


def spin(flow_file: PathLike, step: str, run: int | None = None, index: int | None = None,
         overrides: Mapping[str, Any] | None = None, *, all_splits: bool = False,
         artifacts: PathLike | None = None, store: Store | PathLike | None = None,
         flow_name: str | None = None, echo: bool = False) -> SpinResult:
    """Re-run ``step`` on a reference run's stored inputs in the warm worker.

    Returns the spin run, the spun task(s), the reference run and the typed diff.
    """
    the_store = _store_of(store)
    seen = _call(_worker(flow_file, the_store, flow_name),
                 lambda w: w.spin(step, run=run, index=index, all_splits=all_splits,
                                  overrides=dict(overrides or {}),
                                  artifacts_file=str(Path(artifacts).resolve())
                                  if artifacts else None,
                                  with_diff=False), echo)  # computed here, typed
    finished = next(e for e in seen if e["event"] == "spin_finished")
    spun = _run_of(seen, the_store)
    reference = Run(f"{spun.flow_name}/{finished['reference']}", store=the_store)
    tasks = [Task(p, store=the_store) for p in finished["tasks"]]
    first = tasks[0].record if tasks else None
    diff = diff_spun_task(the_store, reference.record, first, step)
    return SpinResult(spun, tasks[0] if tasks else None, tasks, reference, diff,
                      float(finished["seconds"]))


def resume(flow_file: PathLike, step: str, run: int | None = None, *,
           store: Store | PathLike | None = None, flow_name: str | None = None,
           echo: bool = False) -> RunResult:
    """Re-run ``step`` and everything after it on a reference run's stored inputs."""
    the_store = _store_of(store)
    seen = _call(_worker(flow_file, the_store, flow_name),
                 lambda w: w.resume(step, run=run), echo)
    return RunResult(_run_of(seen, the_store))


def _run_of(seen: list[dict], store: Store) -> Run:
    started = next(e for e in seen if e["event"] == "run_started")
    return Run(started["pathspec"], store=store)
