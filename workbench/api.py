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
from .engine import protocol as P
from .engine.errors import EngineInputError
from .engine.worker import EngineWorker
from .flow.errors import FlowLoadError
from .queries import TaskDiff
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

    def _repr_html_(self) -> str:
        return self.run._repr_html_()

    def __rich__(self) -> Any:
        return self.run.__rich__()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .notebook import as_text

        printer.text(as_text(self))


@dataclass
class SpinResult:
    """A finished spin: ``.run`` (the spin run), ``.task`` (the spun task), ``.before`` (the
    task it is compared with), ``.diff`` (the typed diff of the first spun task) and
    ``.diffs`` (one ``TaskDiff`` per spun task, for ``all_splits``)."""

    run: Run
    task: Task | None
    tasks: list[Task]
    reference: Run
    diffs: list[TaskDiff]
    seconds: float

    @property
    def diff(self) -> list[ArtifactDiff]:
        return self.diffs[0].diffs if self.diffs else []

    @property
    def before(self) -> Task | None:
        """The task the first spun task is compared with (None: nothing earlier ran it)."""
        rec = self.diffs[0].before if self.diffs else None
        return Task._from_record(rec, self.run.store) if rec is not None else None

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def successful(self) -> bool:
        return self.run.successful

    def _repr_html_(self) -> str:
        """Jupyter: the spin run, its inputs, and each spun task's typed diff, details
        folded (``workbench.notebook``)."""
        from .notebook import spin_html

        return spin_html(self)

    def __rich__(self) -> Any:
        from rich.console import Group

        from .notebook import diffs_rich

        return Group(*(diffs_rich(d.header, d.diffs, d.error) for d in self.diffs))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """A terminal IPython: the diff as the CLI prints it."""
        from .notebook import as_text

        printer.text(as_text(self))

    def changed(self) -> list[ArtifactDiff]:
        """The diff entries that are not ``unchanged``."""
        return [d for d in self.diff if d.change != "unchanged"]


_WORKERS: dict[tuple[str, str, str | None], tuple[EngineWorker, Iterator[P.Event]]] = {}


def _store_of(store: Store | PathLike | None) -> Store:
    return engine_api.open_store(store)


def _worker(flow_file: PathLike, store: Store, flow_name: str | None
            ) -> tuple[EngineWorker, Iterator[P.Event]]:
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
            if isinstance(event, P.Ready):
                break
        entry = _WORKERS[key] = (handle, events)
    return entry


def _call(entry: tuple[EngineWorker, Iterator[P.Event]], command: P.Command,
          echo: bool) -> list[P.Event]:
    """Send one command and collect its events up to ``CommandFinished``."""
    handle, events = entry
    handle.send(command)
    seen: list[P.Event] = []
    for event in events:
        seen.append(event)
        if echo and isinstance(event, P.LogBatch):
            print("\n".join(f"[{event.step}/{event.task_id}] {line}" for line in event.lines))
        if isinstance(event, P.CommandFinished):
            break
    else:
        raise EngineInputError("the workbench engine worker exited unexpectedly")
    errors = [e for e in seen if isinstance(e, P.Error)]
    if errors:
        raise EngineInputError(errors[0].message)
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
        echo: bool = False, reuse: bool = False) -> RunResult:
    """Run the whole flow in the warm worker; ``params`` are values or CLI-style strings.
    ``reuse``: re-run only what changed (``workbench run --reuse``)."""
    the_store = _store_of(store)
    seen = _call(_worker(flow_file, the_store, flow_name),
                 P.RunCommand(dict(params or {}), reuse=reuse), echo)
    return RunResult(_run_of(seen, the_store))


def spin(flow_file: PathLike, step: str, run: int | None = None, index: int | None = None,
         overrides: Mapping[str, Any] | None = None, *, all_splits: bool = False,
         set_values: Mapping[str, str] | None = None,
         artifacts: PathLike | None = None, against: int | None = None,
         store: Store | PathLike | None = None, flow_name: str | None = None,
         echo: bool = False) -> SpinResult:
    """Re-run ``step`` on a reference run's stored inputs in the warm worker.

    ``overrides`` are values (a parameter of ``start`` is coerced by its type), ``set_values``
    ``--set`` text (parsed as the CLI parses it); ``against``
    picks the run whose task is the diff's before. Returns the spin run, the spun task(s),
    the reference run and the typed diff the worker computed.
    """
    the_store = _store_of(store)
    command = P.SpinCommand(step, run=run, index=index, all_splits=all_splits,
                            overrides=dict(overrides or {}),
                            set_values=dict(set_values or {}),
                            artifacts_file=str(Path(artifacts).resolve()) if artifacts else None,
                            against=against)
    seen = _call(_worker(flow_file, the_store, flow_name), command, echo)
    finished = next(e for e in seen if isinstance(e, P.SpinFinished))
    spun = _run_of(seen, the_store)
    reference = Run(f"{spun.flow_name}/{finished.reference}", store=the_store)
    tasks = [Task(p, store=the_store) for p in finished.tasks]
    return SpinResult(spun, tasks[0] if tasks else None, tasks, reference, finished.diffs,
                      float(finished.seconds))


def resume(flow_file: PathLike, step: str, run: int | None = None, *,
           store: Store | PathLike | None = None, flow_name: str | None = None,
           echo: bool = False) -> RunResult:
    """Re-run ``step`` and everything after it on a reference run's stored inputs."""
    the_store = _store_of(store)
    seen = _call(_worker(flow_file, the_store, flow_name), P.ResumeCommand(step, run), echo)
    return RunResult(_run_of(seen, the_store))


def compare_runs(flow: str | PathLike, run_a: int | str, run_b: int | str, *,
            store: Store | PathLike | None = None) -> Any:
    """Two runs of ``flow`` (a name, or its file) side by side, as ``workbench compare``
    (``workbench.compare`` is the comparison package, hence the name):
    parameters, each step's status, time and code, and the artifact diffs, each change under
    the step that made it (``queries.RunComparison``; HTML in Jupyter)."""
    from .flow import parse_graph
    from .queries.comparison import compare_runs as compare

    name = str(flow)
    if name.endswith(".py"):
        name = parse_graph(Path(name)).name
    return compare(_store_of(store), name, run_a, run_b)


def inputs(flow_file: PathLike, step: str, run: int | None = None, index: int | None = None, *,
           store: Store | PathLike | None = None, flow_name: str | None = None) -> Any:
    """What ``step`` sees at its start, in this process: its ``self`` on the stored inputs of
    ``run`` (default: the run a spin would use) and foreach split ``index`` (default 0; a
    step outside a foreach takes none). Read its
    parents' artifacts (``x.df``), ``x.input``, ``x.index``, ``x.foreach_stack()``, and for
    a join ``x.inputs`` (``x.inputs.train.score``, ``for i in x.inputs``); ``x.reference`` is
    the run they come from. Develop the step's body on it cell by cell, then paste it back
    and spin."""
    return engine_api.step_inputs(flow_file, step, run=run, index=index,
                                  store=_store_of(store), flow_name=flow_name)


def _run_of(seen: list[P.Event], store: Store) -> Run:
    started = next(e for e in seen if isinstance(e, P.RunStarted))
    return Run(started.pathspec, store=store)
