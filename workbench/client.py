"""Read API over the store, in the style of Metaflow's client: Flow, Run, Step, Task, artifacts.

    from workbench import Flow, Run, Task
    run = Flow("TrainFlow").latest_successful_run
    run["train"].task.data.model          # loads one blob, on this attribute access only

Every object keeps only identifiers (flow name, run/task catalog ids) and re-reads its row on
each attribute access, so a reader in another process sees a run in progress advance. Listing
artifacts (names, types, sizes, summaries, keys) never unpickles anything; only
``DataArtifact.data`` and ``task.data.<name>`` load a blob.

Store selection: ``set_store(path | Store | None)``; ``get_store()`` opens the chosen store,
else ``$WORKBENCH_STORE``, else ``./.workbench``. Reading never creates a store: a missing
directory raises ``MetaflowNotFound("no store at ...")``.

Imports only ``workbench.store`` and ``workbench.flow`` (layer rule).
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from .flow import current
from .flow.errors import MetaflowException
from .queries import MAIN_KINDS, TaskDiff, latest_run, list_runs, task_diffs
from .queries.artifacts import load_blob
from .store.errors import BlobCorruptError, BlobMissingError, UnsafeStoreError
from .store import (ArtifactRecord, RunRecord, SerializationError, Store, StoreError,
                    TaskRecord, resolve_store_dir)

__all__ = [
    "Card", "DataArtifact", "Flow", "MetaflowInvalidPathspec", "MetaflowNotFound", "Run", "Step",
    "Task",
    "get_store",
    "open_store", "set_store",
]

_UNSET = object()


class MetaflowNotFound(MetaflowException, StoreError, KeyError):
    """A flow, run, step, task or artifact (or the store itself) does not exist.

    One line: what was not found and where it looked. A ``MetaflowException`` (the class
    ``from metaflow.exception import MetaflowNotFound`` gives inside a run), a ``StoreError``
    (so the CLI prints it and exits 2) and a ``KeyError`` (``run["nope"]`` fails as Metaflow's
    does).
    """

    headline = "Object not found"

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class MetaflowInvalidPathspec(MetaflowNotFound):
    """A pathspec of the wrong shape (``Run("Flow")``); Metaflow's class of the same name."""

    headline = "Invalid pathspec"


class _ArtifactNotFound(MetaflowNotFound, AttributeError):
    """``task.data.nope``: also an AttributeError, so ``hasattr``/``getattr(.., default)`` work."""


# ----------------------------------------------------------------------------- store choice

_chosen: Store | Path | None = None
_chosen_in_task = False
_opened: dict[Path, Store] = {}


def open_store(store: Store | str | os.PathLike[str] | None = None) -> Store:
    """Open an existing store for reading (a Store passes through); never creates one.

    ``None`` means ``$WORKBENCH_STORE`` or ``./.workbench``. Opened stores are reused per
    directory within a process.
    """
    if isinstance(store, Store):
        return store
    root = resolve_store_dir(store)
    cached = _opened.get(root)
    if cached is not None:
        return cached
    if not root.is_dir():
        raise MetaflowNotFound(
            f"no store at {root} (nothing has run there; pass --store DIR or set "
            "WORKBENCH_STORE)")
    opened = Store(root, create=False)
    _opened[root] = opened
    return opened


def set_store(store: Store | str | os.PathLike[str] | None) -> None:
    """Choose the store the client reads (a Store, a directory, or None for the default).

    A directory is resolved now and opened on first use.
    """
    global _chosen, _chosen_in_task
    _chosen_in_task = current.is_running_flow
    if store is None or isinstance(store, Store):
        _chosen = store
    else:
        _chosen = resolve_store_dir(store)


def get_store() -> Store:
    """The store chosen with ``set_store``, else ``$WORKBENCH_STORE``, else ``./.workbench``.

    Inside a running task the default is the store that task writes to (unless the step
    itself called ``set_store``), so flow B's step reads flow A's runs where B runs.
    """
    if current.is_running_flow and current.store_root and not _chosen_in_task:
        return open_store(current.store_root)
    return open_store(_chosen)


def _store(store: Any) -> Store:
    return get_store() if store is None else open_store(store)


# ----------------------------------------------------------------------------- helpers


def _dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch)


def _parse(pathspec: str, what: str, parts: int) -> list[str]:
    forms = ["Flow", "Flow/run", "Flow/run/step", "Flow/run/step/task",
             "Flow/run/step/task/artifact"]
    items = str(pathspec).split("/") if isinstance(pathspec, str) else []
    if len(items) != parts or not all(items):
        raise MetaflowInvalidPathspec(
            f"{what} {pathspec!r} not found: expected a pathspec like {forms[parts - 1]}")
    return items


def _int(value: Any, what: str, pathspec: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MetaflowNotFound(f"{what} {pathspec!r} not found: {value!r} is not a number") \
            from None


def _exec_order(records: list[TaskRecord]) -> dict[str, list[TaskRecord]]:
    """Tasks grouped by step, steps in execution order (first start time, then creation)."""
    groups: dict[str, list[TaskRecord]] = {}
    for rec in records:
        groups.setdefault(rec.step, []).append(rec)

    def key(item: tuple[str, list[TaskRecord]]) -> tuple:
        started = [t.started_at for t in item[1] if t.started_at is not None]
        return (not started, min(started) if started else 0.0, min(t.id for t in item[1]))

    ordered = sorted(groups.items(), key=key)
    return {step: sorted(tasks, key=_split_key) for step, tasks in ordered}


def _split_key(rec: TaskRecord) -> tuple:
    return (rec.split_index is not None, rec.split_index or 0, rec.id)


# ----------------------------------------------------------------------------- Flow


def _rebuild(cls: type, pathspec: str, root: str) -> Any:
    """Unpickle a client object: the same pathspec in the same store, read afresh."""
    try:
        return cls(pathspec, store=root, _namespace_check=False)
    except TypeError:  # workbench's own classes have no namespace check
        return cls(pathspec, store=root)


class _Picklable:
    """Client objects pickle as (class, pathspec, store directory), as Metaflow's pickle
    their pathspec, so ``self.run = current.run`` in a step is an artifact like any other."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.pathspec, str(self.store.root)))


class Flow(_Picklable):
    """All runs of one flow. ``Flow("Name")`` raises MetaflowNotFound when it has no runs.

    As in Metaflow's client, iteration, ``runs()``, ``latest_run`` and
    ``latest_successful_run`` give runs of kind ``run`` and ``resume``; spins, a development
    loop's iterations of one step, are kept apart: ``spins()``, ``flow[N]`` or ``Run("F/N")``.
    """

    def __init__(self, name: str, *, store: Store | str | os.PathLike[str] | None = None
                 ) -> None:
        if not isinstance(name, str) or not name or "/" in name:
            raise MetaflowNotFound(f"flow {name!r} not found: expected a flow name")
        self._store = _store(store)
        if self._store.catalog.count_runs(name) == 0:
            raise MetaflowNotFound(f"no runs of flow {name!r} in {self._store.root}")
        self.name = name

    @property
    def id(self) -> str:
        return self.name

    @property
    def pathspec(self) -> str:
        return self.name

    @property
    def store(self) -> Store:
        return self._store

    def __repr__(self) -> str:
        return f"Flow('{self.name}')"

    def _run(self, rec: RunRecord) -> "Run":
        return self._classes["run"]._from_record(rec, self._store)

    def __iter__(self) -> Iterator["Run"]:
        """Runs and resumes newest first (spins: ``spins()``)."""
        return iter(self.runs())

    def runs(self, *tags: str) -> list["Run"]:
        """Runs and resumes newest first, only those carrying every tag given."""
        wanted = set(tags)
        return [self._run(r) for r in list_runs(self._store.catalog, self.name, MAIN_KINDS)
                if wanted.issubset(r.tags)]

    def spins(self) -> list["Run"]:
        """Spin runs newest first."""
        return [self._run(r) for r in list_runs(self._store.catalog, self.name, ("spin",))]

    def __getitem__(self, run: int | str) -> "Run":
        number = _int(run, "run", f"{self.name}/{run}")
        rec = self._store.catalog.get_run(self.name, number)
        if rec is None:
            raise MetaflowNotFound(f"run {self.name}/{number} not found in {self._store.root}")
        return self._run(rec)

    def __contains__(self, run: object) -> bool:
        try:
            self[run]  # type: ignore[index]
        except MetaflowNotFound:
            return False
        return True

    @property
    def latest_run(self) -> "Run | None":
        """The newest run or resume, whatever its status (spins are not counted)."""
        rec = latest_run(self._store.catalog, self.name, kinds=MAIN_KINDS)
        return self._run(rec) if rec else None

    @property
    def latest_successful_run(self) -> "Run | None":
        """The newest succeeded run or resume (a run succeeds only when ``end`` did, so
        ``.data`` is there)."""
        rec = latest_run(self._store.catalog, self.name, kinds=MAIN_KINDS, successful=True)
        return self._run(rec) if rec else None


# ----------------------------------------------------------------------------- Run


class _CatalogObject(_Picklable):
    """What a Run and a Task share: one catalog row (by id) of one store."""

    _id: int
    _store: Store
    _base: type  # the client class equality is judged by (Run or Task)

    @classmethod
    def _from_record(cls, rec: Any, store: Store) -> Any:
        obj = cls.__new__(cls)
        obj._init(rec, store)
        return obj

    def _init(self, rec: Any, store: Store) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def store(self) -> Store:
        return self._store

    @property
    def pathspec(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self._base.__name__}('{self.pathspec}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self._base) and (other._store.root, other._id) == (
            self._store.root, self._id)

    def __hash__(self) -> int:
        return hash((self._store.root, self._id))


class Run(_CatalogObject):
    """One run: ``Run("Flow/3")``. Indexing by step name gives a Step; iteration, the steps in
    execution order. Attributes are read from the catalog on each access."""

    def __init__(self, pathspec: str, *, store: Store | str | os.PathLike[str] | None = None
                 ) -> None:
        flow, number = _parse(pathspec, "run", 2)
        the_store = _store(store)
        num = _int(number, "run", pathspec)
        rec = the_store.catalog.get_run(flow, num)
        if rec is None:
            raise MetaflowNotFound(f"run {flow}/{num} not found in {the_store.root}")
        self._init(rec, the_store)

    def _init(self, rec: RunRecord, store: Store) -> None:
        self._store = store
        self._id = rec.id
        self.flow_name = rec.flow
        self.number = rec.number

    # identity
    @property
    def id(self) -> str:
        return str(self.number)

    @property
    def pathspec(self) -> str:
        return f"{self.flow_name}/{self.number}"

    # the row, live
    @property
    def record(self) -> RunRecord:
        """The run's catalog row, read now (status is the effective one: crashed if dead)."""
        rec = self._store.catalog.get_run_by_id(self._id)
        if rec is None:  # rows are never deleted; only a replaced store gets here
            raise MetaflowNotFound(f"run {self.pathspec} not found in {self._store.root}")
        return rec

    @property
    def status(self) -> str:
        """running, succeeded, failed, cancelled or crashed."""
        return self.record.status

    @property
    def successful(self) -> bool:
        return self.record.successful

    @property
    def finished(self) -> bool:
        return self.record.finished

    @property
    def kind(self) -> str:
        """run, spin or resume."""
        return self.record.kind

    @property
    def parameters(self) -> dict:
        return dict(self.record.parameters)

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(self.record.tags)

    @property
    def origin_run(self) -> int | None:
        """For a spin or resume: the number of the run it started from."""
        return self.record.origin_run

    @property
    def origin_pathspec(self) -> str | None:
        origin = self.record.origin_run
        return None if origin is None else f"{self.flow_name}/{origin}"

    @property
    def spun_step(self) -> str | None:
        """For a spin (or resume): the step re-executed."""
        return self.record.spun_step

    @property
    def overrides(self) -> dict | None:
        return self.record.overrides

    @property
    def flow_file(self) -> str:
        return self.record.flow_file

    @property
    def user(self) -> str | None:
        return self.record.user

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.record.started_at)

    @property
    def finished_at(self) -> datetime | None:
        return _dt(self.record.finished_at)

    @property
    def duration(self) -> float:
        """Seconds from start to finish (to now while running)."""
        return self.record.duration

    # children
    def task_records(self) -> list[TaskRecord]:
        """All task rows, steps in execution order, each step's tasks by split index."""
        groups = _exec_order(self._store.catalog.list_tasks(self._id))
        return [t for tasks in groups.values() for t in tasks]

    def steps(self) -> list["Step"]:
        """Steps that have tasks, in execution order."""
        groups = _exec_order(self._store.catalog.list_tasks(self._id))
        return [self._classes["step"]._make(self, step) for step in groups]

    def __iter__(self) -> Iterator["Step"]:
        return iter(self.steps())

    def _repr_html_(self) -> str:
        """Jupyter: the run's steps as a table (``workbench.notebook``)."""
        from .notebook import run_html

        return run_html(self)

    def __rich__(self) -> Any:
        """``rich.print(run)``: the run's steps as a table."""
        from .notebook import run_rich

        return run_rich(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """A terminal IPython: the same table, as text."""
        from .notebook import as_text

        printer.text(as_text(self))

    def __getitem__(self, step: str) -> "Step":
        if not isinstance(step, str) or not self._store.catalog.has_step(self._id, step):
            raise MetaflowNotFound(
                f"step {self.pathspec}/{step} not found in {self._store.root}")
        return self._classes["step"]._make(self, step)

    def __contains__(self, step: object) -> bool:
        return isinstance(step, str) and self._store.catalog.has_step(self._id, step)

    def diffs(self, step: str | None = None) -> list[TaskDiff]:
        """For a spin or resume: each task of ``step`` (default: the spun step) it executed,
        against the same step in the nearest run of its lineage (``TaskDiff``: ``.before``,
        ``.diffs``). Empty for a plain run."""
        return task_diffs(self._store, self.record, step)

    @property
    def end_task(self) -> "Task | None":
        """The ``end`` step's task, None if ``end`` has not run."""
        tasks = self._store.catalog.list_tasks(self._id, "end")
        return (self._classes["task"]._from_record(sorted(tasks, key=_split_key)[0], self._store)
                if tasks else None)

    @property
    def data(self) -> "ArtifactData | None":
        """The end task's artifacts (``run.data.model``); None if ``end`` has not run."""
        end = self.end_task
        return end.data if end is not None else None


# ----------------------------------------------------------------------------- Step


class Step(_Picklable):
    """One step of a run: ``Step("Flow/3/train")``; its tasks ordered by split index."""

    def __init__(self, pathspec: str, *, store: Store | str | os.PathLike[str] | None = None
                 ) -> None:
        flow, number, step = _parse(pathspec, "step", 3)
        run = self._classes["run"](f"{flow}/{number}", store=store)
        if step not in run:
            raise MetaflowNotFound(f"step {run.pathspec}/{step} not found in {run.store.root}")
        self._init(run, step)

    def _init(self, run: Run, step: str) -> None:
        self._run = run
        self.name = step

    @property
    def store(self) -> Store:
        return self._run.store

    @classmethod
    def _make(cls, run: Run, step: str) -> "Step":
        obj = cls.__new__(cls)
        obj._init(run, step)
        return obj

    @property
    def id(self) -> str:
        return self.name

    @property
    def pathspec(self) -> str:
        return f"{self._run.pathspec}/{self.name}"

    @property
    def run(self) -> Run:
        return self._run

    def __repr__(self) -> str:
        return f"Step('{self.pathspec}')"

    def task_records(self) -> list[TaskRecord]:
        """The step's task rows ordered by split index (then id)."""
        recs = self._run.store.catalog.list_tasks(self._run._id, self.name)
        return sorted(recs, key=_split_key)

    def tasks(self) -> list["Task"]:
        """All tasks, ordered by split index."""
        return [self._classes["task"]._from_record(r, self._run.store)
                for r in self.task_records()]

    def __iter__(self) -> Iterator["Task"]:
        return iter(self.tasks())

    def __getitem__(self, task_id: int | str) -> "Task":
        tid = _int(task_id, "task", f"{self.pathspec}/{task_id}")
        for rec in self.task_records():
            if rec.id == tid:
                return self._classes["task"]._from_record(rec, self._run.store)
        raise MetaflowNotFound(f"task {self.pathspec}/{tid} not found in {self._run.store.root}")

    def __contains__(self, task_id: object) -> bool:
        try:
            self[task_id]  # type: ignore[index]
        except MetaflowNotFound:
            return False
        return True

    @property
    def task(self) -> "Task":
        """The first task (for a foreach body, split 0)."""
        recs = self.task_records()
        if not recs:
            raise MetaflowNotFound(f"step {self.pathspec} has no tasks in {self._run.store.root}")
        return self._classes["task"]._from_record(recs[0], self._run.store)

    @property
    def finished_at(self) -> datetime | None:
        """When the last task finished; None while any task is unfinished."""
        recs = self.task_records()
        if not recs or not all(r.finished for r in recs):
            return None
        ends = [r.finished_at for r in recs if r.finished_at is not None]
        return _dt(max(ends)) if ends else None

    @property
    def created_at(self) -> datetime | None:
        starts = [r.started_at for r in self.task_records() if r.started_at is not None]
        return _dt(min(starts)) if starts else None


# ----------------------------------------------------------------------------- Task


class Task(_CatalogObject):
    """One task: ``Task("Flow/3/train/17")`` (17 is the task's store-wide id)."""

    def __init__(self, pathspec: str, *, store: Store | str | os.PathLike[str] | None = None
                 ) -> None:
        flow, number, step, task_id = _parse(pathspec, "task", 4)
        the_store = _store(store)
        num = _int(number, "task", pathspec)
        tid = _int(task_id, "task", pathspec)
        rec = the_store.catalog.get_task(tid)
        if rec is None or (rec.flow, rec.run_number, rec.step) != (flow, num, step):
            raise MetaflowNotFound(
                f"task {flow}/{num}/{step}/{tid} not found in {the_store.root}")
        self._init(rec, the_store)

    def _init(self, rec: TaskRecord, store: Store) -> None:
        self._store = store
        self._id = rec.id
        self.flow_name = rec.flow
        self.run_number = rec.run_number
        self.step_name = rec.step
        self._data: ArtifactData | None = None

    @property
    def id(self) -> str:
        return str(self._id)

    @property
    def pathspec(self) -> str:
        return f"{self.flow_name}/{self.run_number}/{self.step_name}/{self._id}"

    @property
    def record(self) -> TaskRecord:
        """The task's catalog row, read now."""
        rec = self._store.catalog.get_task(self._id)
        if rec is None:
            raise MetaflowNotFound(f"task {self.pathspec} not found in {self._store.root}")
        return rec

    @property
    def run(self) -> Run:
        return self._classes["run"]._from_record(self._run_record(), self._store)

    def _run_record(self) -> RunRecord:
        rec = self._store.catalog.get_run_by_id(self.record.run_id)
        if rec is None:
            raise MetaflowNotFound(f"run of task {self.pathspec} not found in {self._store.root}")
        return rec

    @property
    def status(self) -> str:
        """pending, running, succeeded, failed, cancelled or crashed."""
        return self.record.status

    @property
    def successful(self) -> bool:
        return self.record.successful

    @property
    def finished(self) -> bool:
        return self.record.finished

    @property
    def index(self) -> int | None:
        """The foreach split index (None outside a foreach)."""
        return self.record.split_index

    @property
    def attempt(self) -> int:
        return self.record.attempt

    @property
    def created_at(self) -> datetime | None:
        return _dt(self.record.started_at)

    @property
    def finished_at(self) -> datetime | None:
        return _dt(self.record.finished_at)

    @property
    def duration(self) -> float | None:
        return self.record.duration

    @property
    def exception(self) -> str | None:
        """The exception as one line (``ValueError: bad``), None if the task did not fail."""
        exc = self.record.exception
        if not exc:
            return None
        lines = exc.strip().splitlines()
        return lines[0] if lines else None

    @property
    def traceback(self) -> str | None:
        return self.record.traceback or None

    @property
    def stdout(self) -> str:
        return self._store.read_log(self._id, "stdout")

    @property
    def stderr(self) -> str:
        return self._store.read_log(self._id, "stderr")

    @property
    def parent_tasks(self) -> list["Task"]:
        """The tasks whose artifacts this task started from."""
        out = []
        for tid in self.record.input_task_ids:
            rec = self._store.catalog.get_task(tid)
            if rec is not None:
                out.append(self._classes["task"]._from_record(rec, self._store))
        return out

    # artifacts
    def _artifact(self, name: str) -> "DataArtifact | None":
        rec = self._store.catalog.get_artifact(self._id, name)
        return self._classes["artifact"]._from_record(rec, self) if rec is not None else None

    def __getitem__(self, name: str) -> "DataArtifact":
        art = self._artifact(name) if isinstance(name, str) else None
        if art is None:
            raise MetaflowNotFound(
                f"artifact {self.pathspec}/{name} not found in {self._store.root}")
        return art

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._artifact(name) is not None

    def __iter__(self) -> Iterator["DataArtifact"]:
        return iter(self.artifacts)

    @property
    def artifacts(self) -> "ArtifactSet":
        """Artifact descriptions (``task.artifacts.model.size``); loads nothing."""
        return ArtifactSet(self, [self._classes["artifact"]._from_record(r, self)
                                  for r in self._store.catalog.list_artifacts(self._id)])

    @property
    def data(self) -> "ArtifactData":
        """Artifact values by attribute (``task.data.model``), each loaded when first read."""
        if self._data is None:
            self._data = ArtifactData(self)
        return self._data

    @property
    def cards(self) -> list["Card"]:
        """The cards the task made (``@card``), in decorator order (``[]`` when none)."""
        return [Card(self, i, c) for i, c in enumerate(self._store.cards(self._id))]

    def _repr_html_(self) -> str:
        """Jupyter: the task's status and artifacts, nothing loaded (``workbench.notebook``)."""
        from .notebook import task_html

        return task_html(self)

    def __rich__(self) -> Any:
        from .notebook import task_rich

        return task_rich(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .notebook import as_text

        printer.text(as_text(self))


class Card:
    """One card of a task: ``task.cards[0]``. ``type`` and ``id`` as given to ``@card``,
    ``data`` the card's document (Metaflow's card JSON), ``components`` every component in it,
    ``html`` a standalone page (``workbench.cardpage``)."""

    def __init__(self, task: Task, index: int, stored: dict[str, Any]) -> None:
        self.task = task
        self.index = index
        self.type: str = str(stored.get("type") or "default")
        self.id: str | None = stored.get("id")
        self.options: dict[str, Any] = dict(stored.get("options") or {})
        self.data: dict[str, Any] = dict(stored.get("data") or {})
        self.created_at = _dt(stored.get("created_at"))

    @property
    def components(self) -> list[dict[str, Any]]:
        """Every component of the card, depth first (pages and sections included)."""
        from .cardpage import walk

        return list(walk(self.data.get("components")))

    @property
    def html(self) -> str:
        """The card as one HTML page that needs no network."""
        from .cardpage import card_html

        return card_html({"type": self.type, "id": self.id, "data": self.data})

    def get(self) -> str:
        """The card's HTML (Metaflow's ``Card.get``)."""
        return self.html

    def get_data(self) -> dict[str, Any]:
        """The card's document (Metaflow's ``Card.get_data`` gives a card's data)."""
        return self.data

    @property
    def hash(self) -> str:
        import hashlib
        import json

        return hashlib.blake2b(json.dumps(self.data, sort_keys=True, default=str).encode(),
                               digest_size=16).hexdigest()

    def _repr_html_(self) -> str:
        """Jupyter: the card in a sandboxed frame (no script runs)."""
        import html as _html

        return (f'<iframe sandbox srcdoc="{_html.escape(self.html, quote=True)}" '
                'style="width:100%;height:560px;border:1px solid #d0d7de"></iframe>')

    def __repr__(self) -> str:
        label = f" id={self.id}" if self.id else ""
        return f"<Card {self.type}{label} of {self.task.pathspec}>"


class DataArtifact(_Picklable):
    """One artifact of a task: what it is without loading it, and ``.data`` to load it."""

    def __init__(self, pathspec: str, *, store: Store | str | os.PathLike[str] | None = None
                 ) -> None:
        flow, number, step, task_id, name = _parse(pathspec, "artifact", 5)
        task = self._classes["task"](f"{flow}/{number}/{step}/{task_id}", store=store)
        self._init(task[name]._rec, task)

    def _init(self, rec: ArtifactRecord, task: Task) -> None:
        self._rec = rec
        self._task = task
        self._value: Any = _UNSET

    @property
    def store(self) -> Store:
        return self._task.store

    @classmethod
    def _from_record(cls, rec: ArtifactRecord, task: Task) -> "DataArtifact":
        obj = cls.__new__(cls)
        obj._init(rec, task)
        return obj

    @property
    def id(self) -> str:
        return self._rec.name

    @property
    def name(self) -> str:
        return self._rec.name

    @property
    def pathspec(self) -> str:
        return f"{self._task.pathspec}/{self._rec.name}"

    @property
    def task(self) -> Task:
        return self._task

    @property
    def record(self) -> ArtifactRecord:
        return self._rec

    @property
    def sha(self) -> str:
        """The blob key (blake3 of the serialized bytes): equal keys, equal values."""
        return self._rec.key

    @property
    def type_name(self) -> str:
        return self._rec.type_name

    @property
    def size(self) -> int:
        """Bytes of the stored blob."""
        return self._rec.size

    @property
    def summary(self) -> str:
        return self._rec.summary

    @property
    def created_at(self) -> datetime | None:
        """When the task that stored it finished."""
        return self._task.finished_at

    @property
    def data(self) -> Any:
        """The value, unpickled on first access (then kept by this object)."""
        if self._value is _UNSET:
            try:
                self._value = load_blob(self._task.store, self._rec.key,
                                        self._task._run_record().flow_file)
            except SerializationError as exc:
                raise SerializationError(
                    f"artifact {self.pathspec} ({self.type_name}) can't be loaded: "
                    f"{str(exc).rpartition(' unpickled: ')[2]}") from exc
            except (BlobCorruptError, BlobMissingError, UnsafeStoreError) as exc:
                # one line naming the artifact and the file; other artifacts stay readable
                raise type(exc)(f"artifact {self.pathspec} ({self.type_name}) can't be "
                                f"loaded: {exc}") from None
        return self._value

    def __repr__(self) -> str:
        return f"DataArtifact('{self.pathspec}')"


Run._base = Run
Task._base = Task


class ArtifactSet:
    """A task's artifacts: attribute access (``.model``), ``["model"]``, iteration by name."""

    def __init__(self, task: Task, artifacts: list[DataArtifact]) -> None:
        self._task = task
        self._by_name = {a.name: a for a in artifacts}

    def __getattr__(self, name: str) -> DataArtifact:
        if name.startswith("__") or name in ("_task", "_by_name"):
            raise AttributeError(name)
        try:
            return self._by_name[name]
        except KeyError:
            raise _ArtifactNotFound(
                f"artifact {self._task.pathspec}/{name} not found in {self._task.store.root}"
            ) from None

    def __getitem__(self, name: str) -> DataArtifact:
        return self.__getattr__(name)

    def __iter__(self) -> Iterator[DataArtifact]:
        return iter(list(self._by_name.values()))

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __dir__(self) -> list[str]:
        return sorted(self._by_name)

    def __repr__(self) -> str:
        return f"<artifacts of {self._task.pathspec}: {', '.join(self._by_name)}>"


class ArtifactData:
    """``task.data``: artifact values as attributes, each blob loaded when its name is read."""

    def __init__(self, task: Task) -> None:
        self._task = task
        self._loaded: dict[str, DataArtifact] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_task", "_loaded"):
            raise AttributeError(name)
        art = self._loaded.get(name)
        if art is None:
            art = self._task._artifact(name)
            if art is None:
                raise _ArtifactNotFound(
                    f"artifact {self._task.pathspec}/{name} not found in "
                    f"{self._task.store.root}")
            self._loaded[name] = art
        return art.data

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._task

    def __dir__(self) -> list[str]:
        return [a.name for a in self._task.store.catalog.list_artifacts(self._task._id)]

    def __repr__(self) -> str:
        return f"<data of {self._task.pathspec}: {', '.join(dir(self))}>"


# Navigation (run["train"], step.tasks(), ...) builds objects through ``cls._classes``, so a
# family of subclasses (workbench.compat.metaflow) gets its own classes back.
_CLASSES: dict[str, type] = {"flow": Flow, "run": Run, "step": Step, "task": Task,
                             "artifact": DataArtifact}
for _cls in _CLASSES.values():
    _cls._classes = _CLASSES  # type: ignore[attr-defined]
del _cls
