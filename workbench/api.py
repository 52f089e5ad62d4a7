"""Python API for notebooks and tests: ``workbench.run``, ``workbench.spin``, ``workbench.resume``.

Each executes through the engine and returns client objects, so results read like the rest of
the client API (``result.run["train"].task.data.model``, ``result.diff``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from .client import Run, Task
from .compare import ArtifactDiff
from .engine import api as engine_api
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


def _client_store(store: Store | PathLike | None) -> Store:
    return engine_api.open_store(store)


def run(flow_file: PathLike, params: Mapping[str, Any] | None = None, *,
        store: Store | PathLike | None = None, flow_name: str | None = None,
        max_workers: int | None = None) -> RunResult:
    """Run the whole flow; ``params`` are values or CLI-style strings."""
    the_store = _client_store(store)
    record = engine_api.run_flow(flow_file, params, store=the_store, flow_name=flow_name,
                                 max_workers=max_workers)
    return RunResult(Run._from_record(record, the_store))


def spin(flow_file: PathLike, step: str, run: int | None = None, index: int | None = None,
         overrides: Mapping[str, Any] | None = None, *, all_splits: bool = False,
         artifacts: PathLike | None = None, store: Store | PathLike | None = None,
         flow_name: str | None = None) -> SpinResult:
    """Re-run ``step`` on a reference run's stored inputs; returns the run, task and diff."""
    the_store = _client_store(store)
    outcome = engine_api.spin_step(flow_file, step, run=run, index=index, all_splits=all_splits,
                                   overrides=overrides,
                                   artifacts_file=str(artifacts) if artifacts else None,
                                   store=the_store, flow_name=flow_name)
    tasks = [Task(t.pathspec, store=the_store) for t in outcome.tasks]
    return SpinResult(Run._from_record(outcome.run, the_store), tasks[0] if tasks else None,
                      tasks, Run._from_record(outcome.reference, the_store), outcome.diff,
                      outcome.seconds)


def resume(flow_file: PathLike, step: str, run: int | None = None, *,
           store: Store | PathLike | None = None, flow_name: str | None = None,
           max_workers: int | None = None) -> RunResult:
    """Re-run ``step`` and everything after it on a reference run's stored inputs."""
    the_store = _client_store(store)
    record = engine_api.resume_step(flow_file, step, run=run, store=the_store,
                                    flow_name=flow_name, max_workers=max_workers)
    return RunResult(Run._from_record(record, the_store))
