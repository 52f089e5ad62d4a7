"""Metaflow's client API over workbench's store: code written for Metaflow reads workbench runs.

    from workbench.compat.metaflow import Flow, namespace
    run = Flow("TrainFlow").latest_successful_run
    run.data.model, run["train"].task.stdout

Inside a flow run by workbench, ``from metaflow import Flow`` gives these classes (flow B's
step reads flow A's results from the store B runs against). They are the classes of
``workbench.client`` with Metaflow's semantics where the two differ:

- namespaces: a run belongs to ``user:<who started it>`` (and its tags); the default namespace
  is ``user:<you>``; ``namespace(None)`` sees everything. Objects outside the namespace raise
  ``MetaflowNamespaceMismatch``.
- ``Flow`` lists runs and resumes, not spins (Metaflow keeps spins out of the client too);
  ``Run("Flow/N")`` still reads a spin directly.
- a run is ``successful``/``finished`` when its ``end`` task is; steps and tasks iterate newest
  first; ``Task.exception`` is a ``MetaflowExceptionWrapper`` (None unless the task failed);
  ``Task.stdout``/``stderr`` are the latest attempt's; ``tags`` include system tags
  (``user:<name>``, ``runtime:dev``); runs take ``add_tag``/``remove_tag``/``replace_tag``.
- ``metadata("local@DIR")`` (or ``metadata(DIR)``) chooses the store directory;
  ``get_metadata()`` says ``local@<store>``.
"""
from __future__ import annotations

import os

import builtins
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

from ... import client as _client
from ...client import ArtifactData
from ...flow import current
from ...flow.exceptions import MetaflowExceptionWrapper
from ...queries import MAIN_KINDS, list_runs
from ...settings import current_user
from ...store import RunRecord, Store, TaskRecord, resolve_store_dir
from .exception import (MetaflowException, MetaflowInvalidPathspec, MetaflowNamespaceMismatch,
                        MetaflowNotFound, MetaflowTaggingError)

__all__ = [
    "Metaflow", "Flow", "Run", "Step", "Task", "DataArtifact", "MetaflowData",
    "namespace", "get_namespace", "default_namespace",
    "metadata", "get_metadata", "default_metadata",
    "MetaflowNotFound", "MetaflowNamespaceMismatch", "MetaflowInvalidPathspec", "get_cards",
]

# ----------------------------------------------------------------------------- namespace

_namespace: str | None | bool = False  # False: not resolved yet (Metaflow resolves lazily)
# The process that chose it: Metaflow runs each task in a fresh process with the default
# namespace, so a task forked from a process that switched namespace must not inherit that.
_namespace_pid: int | None = None


def namespace(ns: str | None) -> str | None:
    """Switch the namespace (a tag such as ``user:alice``); ``None`` sees every run."""
    global _namespace, _namespace_pid
    _namespace, _namespace_pid = ns, os.getpid()
    return get_namespace()


def get_namespace() -> str | None:
    """The namespace objects are filtered by (``user:<you>`` unless changed)."""
    if _namespace is False or _namespace_pid != os.getpid():
        default_namespace()
    return _namespace  # type: ignore[return-value]


def default_namespace() -> str | None:
    """Back to the default namespace, ``user:<you>``; returns it."""
    global _namespace, _namespace_pid
    user = current_user()
    _namespace, _namespace_pid = (f"user:{user}" if user else None), os.getpid()
    return _namespace


# ----------------------------------------------------------------------------- metadata


def get_metadata() -> str:
    """``local@<store directory>``: the store the client reads (inside a task: the task's)."""
    if current.is_running_flow and current.store_root and not _client._chosen_in_task:
        return f"local@{current.store_root}"
    chosen = _client._chosen
    root = chosen.root if isinstance(chosen, Store) else resolve_store_dir(chosen)
    return f"local@{root}"


def metadata(ms: str) -> str:
    """Choose the store to read: ``local@DIR`` or ``DIR`` (a store, or a directory holding a
    ``.workbench`` store). Returns ``get_metadata()``."""
    kind, sep, info = str(ms).partition("@")
    if not sep:
        kind, info = "local", str(ms)
    if kind != "local" or info.startswith("http"):
        raise MetaflowException(f"metadata '{ms}': workbench reads local stores only "
                                "(local@DIR or DIR)")
    path = Path(info).expanduser()
    if not (path / "catalog.sqlite").exists() and (path / ".workbench").is_dir():
        path = path / ".workbench"
    _client.set_store(path)
    return get_metadata()


def default_metadata() -> str:
    """Back to the default store (``$WORKBENCH_STORE`` or ``./.workbench``; in a task, its
    store); returns ``get_metadata()``."""
    _client.set_store(None)
    _client._chosen_in_task = False
    return get_metadata()


# ----------------------------------------------------------------------------- helpers


def _system_tags(rec: RunRecord) -> frozenset[str]:
    base = {f"user:{rec.user}", "runtime:dev"} if rec.user else {"runtime:dev"}
    return frozenset(base | set(rec.system_tags))


MAX_TAG_SIZE, MAX_USER_TAGS = 500, 50  # Metaflow's tagging_util limits


def _validate_tag(tag: Any) -> None:
    """Metaflow's ``validate_tag``: a non-empty string of at most 500 characters."""
    if isinstance(tag, bytes):
        try:
            tag = tag.decode("utf-8")
        except UnicodeError:
            raise MetaflowTaggingError("Tags must be UTF-8 decodable") from None
    elif not isinstance(tag, str):
        raise MetaflowTaggingError(
            f"Tags must be some kind of string (bytes or unicode), got {type(tag)}")
    if not tag:
        raise MetaflowTaggingError("Tags must not be empty string")
    if len(tag) > MAX_TAG_SIZE:
        raise MetaflowTaggingError(f"Tag is too long {len(tag)} > {MAX_TAG_SIZE}")


def _in_namespace(rec: RunRecord, ns: str | None) -> bool:
    if ns is None or rec.user is None:  # a run with no recorded user belongs everywhere
        return True
    return ns in rec.tags or ns in _system_tags(rec)


class Metadata(NamedTuple):
    """One metadata entry of a task (Metaflow's ``metaflow.client.core.Metadata``)."""

    name: str
    value: str
    created_at: int
    type: str
    task: Any


def _next_steps(rec: TaskRecord) -> list[str]:
    transition = rec.transition if isinstance(rec.transition, dict) else {}
    return list(transition.get("steps") or ())


def _newest_first(tasks: list[TaskRecord]) -> list[TaskRecord]:
    return sorted(tasks, key=lambda t: (t.started_at or 0.0, t.id), reverse=True)


def _only_latest_attempt(task: Any, attempt: int | None) -> None:
    """Workbench keeps a task's latest attempt (its artifacts and status) only."""
    if attempt is not None and int(attempt) != task.record.attempt:
        raise MetaflowNotFound(f"task {task.pathspec} attempt {attempt} not found: workbench "
                               f"keeps the latest attempt ({task.record.attempt}) only")


class _RunTags:
    """Tags of the run an object belongs to (Metaflow's ``tags``, ``user_tags``,
    ``system_tags``) and its place in the hierarchy."""

    def _run_rec(self) -> RunRecord:
        raise NotImplementedError

    @property
    def user_tags(self) -> frozenset[str]:
        return frozenset(self._run_rec().tags)

    @property
    def system_tags(self) -> frozenset[str]:
        return _system_tags(self._run_rec())

    @property
    def tags(self) -> frozenset[str]:
        rec = self._run_rec()
        return frozenset(rec.tags) | _system_tags(rec)

    @property
    def path_components(self) -> list[str]:
        return self.pathspec.split("/")  # type: ignore[attr-defined]

    def is_in_namespace(self) -> bool:
        return _in_namespace(self._run_rec(), get_namespace())

    def _check_namespace(self) -> None:
        ns = get_namespace()
        if not _in_namespace(self._run_rec(), ns):
            raise MetaflowNamespaceMismatch(ns)

    def __str__(self) -> str:
        return repr(self)


# ----------------------------------------------------------------------------- classes


class Metaflow:
    """Every flow in the store with at least one run in the current namespace."""

    def __init__(self, _current_metadata: str | None = None) -> None:
        if _current_metadata:
            metadata(_current_metadata)

    @property
    def flows(self) -> list["Flow"]:
        return list(self)

    def __iter__(self) -> Iterator["Flow"]:
        store = _client.get_store()
        for name in store.catalog.list_flows():
            try:
                yield Flow(name, store=store)
            except (MetaflowNamespaceMismatch, MetaflowNotFound):
                continue

    def __getitem__(self, name: str) -> "Flow":
        return Flow(name)

    def __str__(self) -> str:
        return "Metaflow()"

    __repr__ = __str__


class Flow(_client.Flow):
    """All runs of a flow (newest first) in the current namespace; spins are not listed."""

    def __init__(self, name: str, *, store: Any = None, _namespace_check: bool = True) -> None:
        super().__init__(name, store=store)
        if _namespace_check and not any(True for _ in self._records()):
            raise MetaflowNamespaceMismatch(get_namespace())

    def _records(self) -> Iterator[RunRecord]:
        ns = get_namespace()
        for rec in list_runs(self._store.catalog, self.name, MAIN_KINDS):
            if _in_namespace(rec, ns):
                yield rec

    def __iter__(self) -> Iterator["Run"]:
        return (self._run(rec) for rec in self._records())

    def runs(self, *tags: str) -> Iterator["Run"]:  # type: ignore[override]
        """Runs newest first, only those carrying every tag given (system tags too)."""
        return (run for run in self if all(tag in run.tags for tag in tags))

    def __getitem__(self, run: int | str) -> "Run":
        found = super().__getitem__(run)
        found._check_namespace()  # type: ignore[attr-defined]
        return found  # type: ignore[return-value]

    @property
    def latest_run(self) -> "Run | None":
        return next(iter(self), None)

    @property
    def latest_successful_run(self) -> "Run | None":
        return next((run for run in self if run.successful), None)

    @property
    def parent(self) -> None:
        return None

    @property
    def tags(self) -> frozenset[str]:
        return frozenset()

    def __str__(self) -> str:
        return repr(self)


class Run(_RunTags, _client.Run):
    """One run: ``Run("Flow/3")``; steps iterate newest first."""

    def __init__(self, pathspec: str, *, store: Any = None,
                 _namespace_check: bool = True) -> None:
        super().__init__(pathspec, store=store)
        if _namespace_check:
            self._check_namespace()

    def _run_rec(self) -> RunRecord:
        return self.record

    def __iter__(self) -> Iterator["Step"]:
        return iter(self.steps())

    def steps(self, *tags: str) -> list["Step"]:  # type: ignore[override]
        """Newest first; with ``tags``, none unless the run has them all (a step's tags are
        its run's)."""
        if tags and not set(tags) <= self.tags:
            return []
        return list(reversed(super().steps()))

    @property
    def successful(self) -> bool:  # type: ignore[override]
        """True when the ``end`` task succeeded (Metaflow's definition)."""
        end = self.end_task
        return bool(end is not None and end.successful)

    @property
    def finished(self) -> bool:  # type: ignore[override]
        end = self.end_task
        return bool(end is not None and end.finished)

    @property
    def finished_at(self) -> datetime | None:  # type: ignore[override]
        end = self.end_task
        return end.finished_at if end is not None else None

    @property
    def parent(self) -> Flow:
        return Flow(self.flow_name, store=self._store, _namespace_check=False)

    @property
    def code(self) -> None:
        """Metaflow's code package: runs here are local, so there is none."""
        return None

    # tags
    def _set_tags(self, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        """Metaflow's ``mutate_user_tags_for_run``: removals first, then additions (system
        tags are never added as user tags, nor removed), validated, in one transaction."""
        for what, tags in (("tags_to_add", add), ("tags_to_remove", remove)):
            if isinstance(tags, (str, bytes)):
                raise MetaflowTaggingError(f"{what} may not be a string")
        add, remove = list(add), list(remove)
        if not add and not remove:
            raise MetaflowTaggingError("Must add or remove at least one tag")
        for tag in add + remove:
            _validate_tag(tag)

        def change(tags: tuple[str, ...], system: tuple[str, ...]) -> list[str]:
            system_set = set(system) | _system_tags(self.record)
            if set(remove) & system_set:
                raise MetaflowTaggingError(
                    "Cannot remove a tag that is an existing system tag "
                    f"({sorted(set(remove) & system_set)})")
            kept = [t for t in tags if t not in remove]
            new = kept + [t for t in dict.fromkeys(add) if t not in kept and t not in system_set]
            if len(set(new)) > MAX_USER_TAGS and len(set(new)) > len(set(tags)):
                raise MetaflowTaggingError(
                    f"Cannot increase size of tag set beyond {MAX_USER_TAGS}")
            return new

        self._store.catalog.mutate_run_tags(self._id, change)

    def add_tag(self, tag: str) -> None:
        self._set_tags(add=[tag])

    def add_tags(self, tags: Iterable[str]) -> None:
        self._set_tags(add=tags)

    def remove_tag(self, tag: str) -> None:
        self._set_tags(remove=[tag])

    def remove_tags(self, tags: Iterable[str]) -> None:
        self._set_tags(remove=tags)

    def replace_tag(self, tag_to_remove: str, tag_to_add: str) -> None:
        self._set_tags(add=[tag_to_add], remove=[tag_to_remove])

    def replace_tags(self, tags_to_remove: Iterable[str], tags_to_add: Iterable[str]) -> None:
        self._set_tags(add=tags_to_add, remove=tags_to_remove)


class Step(_RunTags, _client.Step):
    """One step of a run: ``Step("Flow/3/train")``; tasks iterate newest first."""

    def __init__(self, pathspec: str, *, store: Any = None,
                 _namespace_check: bool = True) -> None:
        super().__init__(pathspec, store=store)
        if _namespace_check:
            self._check_namespace()

    def _run_rec(self) -> RunRecord:
        return self._run.record

    def tasks(self, *tags: str) -> list["Task"]:  # type: ignore[override]
        """Newest first; with ``tags``, none unless the run has them all."""
        if tags and not set(tags) <= self.tags:
            return []
        return [self._classes["task"]._from_record(r, self._run.store)  # type: ignore[misc]
                for r in _newest_first(self.task_records())]

    @property
    def origin_pathspec(self) -> str | None:
        """``Flow/origin/step`` for a step of a resumed (or spun) run."""
        origin = self._run.origin_pathspec
        return f"{origin}/{self.id}" if origin else None

    @property
    def parent_steps(self) -> Iterator["Step"]:
        """The steps of this run whose transitions led here."""
        for step in self._run.steps():
            if any(self.id in _next_steps(t) for t in step.task_records()):
                yield step

    @property
    def child_steps(self) -> Iterator["Step"]:
        """The steps this step's tasks went on to, in this run."""
        seen: list[str] = []
        for rec in self.task_records():
            seen += [s for s in _next_steps(rec) if s not in seen]
        for name in seen:
            if name in self._run:
                yield self._run[name]

    def __iter__(self) -> Iterator["Task"]:
        return iter(self.tasks())

    @property
    def task(self) -> "Task | None":  # type: ignore[override]
        """A task of the step (the only one, outside a foreach); None if it has none."""
        return next(iter(self), None)

    @property
    def parent(self) -> Run:
        return self._run  # type: ignore[return-value]


class Task(_RunTags, _client.Task):
    """One task: ``Task("Flow/3/train/17")``."""

    def __init__(self, pathspec: str, attempt: int | None = None, *, store: Any = None,
                 _namespace_check: bool = True) -> None:
        super().__init__(pathspec, store=store)
        _only_latest_attempt(self, attempt)
        if _namespace_check:
            self._check_namespace()

    def _run_rec(self) -> RunRecord:
        return self._run_record()

    @property
    def successful(self) -> bool:  # type: ignore[override]
        return self.record.status == "succeeded"

    @property
    def finished(self) -> bool:  # type: ignore[override]
        """Metaflow's ``finished``: the task completed its step (a failed task did not)."""
        return self.record.status == "succeeded"

    @property
    def current_attempt(self) -> int:
        return self.record.attempt

    @property
    def exception(self) -> MetaflowExceptionWrapper | None:  # type: ignore[override]
        """What made the task fail, as Metaflow stores it (``str()`` is the stack trace)."""
        rec = self.record
        if rec.status == "succeeded" or not rec.exception:
            return None
        head = rec.exception.strip().splitlines()[0]
        name, _, message = head.partition(": ")
        if "." not in name and isinstance(getattr(builtins, name, None), type):
            name = f"builtins.{name}"
        wrapped = MetaflowExceptionWrapper()
        wrapped.type, wrapped.exception = name, message
        wrapped.stacktrace = rec.traceback or None
        return wrapped

    def _latest_attempt(self, text: str) -> str:
        marker = f"--- attempt {self.record.attempt} ---\n"
        head, sep, tail = text.rpartition(marker)
        return tail if sep else text

    @property
    def stdout(self) -> str:  # type: ignore[override]
        """The latest attempt's standard output."""
        return self._latest_attempt(super().stdout)

    @property
    def stderr(self) -> str:  # type: ignore[override]
        """The latest attempt's standard error."""
        return self._latest_attempt(super().stderr)

    @property
    def data(self) -> "MetaflowData":  # type: ignore[override]
        if self._data is None:
            self._data = MetaflowData(self)
        return self._data  # type: ignore[return-value]

    @property
    def parent(self) -> Step:
        return Step._make(self.run, self.step_name)  # type: ignore[return-value]

    @property
    def origin_pathspec(self) -> str | None:  # type: ignore[override]
        """For a task a resume (or spin) cloned: the task it was copied from."""
        rec = self.record
        if rec.cloned_from is None:
            return None
        origin = self._store.catalog.get_task(rec.cloned_from)
        return origin.pathspec if origin is not None else None

    @property
    def metadata(self) -> list[Metadata]:
        """What Metaflow records as a task's metadata, from the catalog: attempt,
        attempt_ok, ds-type/ds-root, the foreach path, origin-run-id/origin-task-id for a
        resumed task (origin-task-id for a clone)."""
        rec = self.record
        at = int((rec.finished_at or rec.started_at or 0) * 1000)
        fields = {"attempt": str(rec.attempt), "ds-type": "local",
                  "ds-root": str(self._store.root)}
        if rec.finished:
            fields["attempt-done"] = str(rec.attempt)
            fields["attempt_ok"] = str(rec.status == "succeeded")
        if rec.foreach_stack:
            fields["foreach-indices"] = str([f[2] for f in rec.foreach_stack])
        run = self._run_record()
        if run.kind == "resume" and run.origin_run is not None:
            fields["origin-run-id"] = str(run.origin_run)
            if rec.cloned_from is not None:
                fields["origin-task-id"] = str(rec.cloned_from)
        return [Metadata(name, value, at, name, self) for name, value in fields.items()]

    @property
    def metadata_dict(self) -> dict[str, str]:
        """The newest value of each metadata name."""
        return {m.name: m.value for m in sorted(self.metadata, key=lambda m: m.created_at)}

    def loglines(self, stream: str, as_unicode: bool = True,
                 meta_dict: Any = None) -> Iterator[tuple[datetime | None, Any]]:
        """(timestamp, line) of the latest attempt's ``stream``; workbench keeps no time per
        line, so each carries the task's start."""
        if stream not in ("stdout", "stderr"):
            raise ValueError(f"stream must be 'stdout' or 'stderr', got {stream!r}")
        rec = self.record
        at = datetime.fromtimestamp(rec.started_at) if rec.started_at else None
        for line in getattr(self, stream).splitlines():
            yield at, line if as_unicode else line.encode("utf-8")

    @property
    def parent_task_pathspecs(self) -> Iterator[str]:
        for task in self.parent_tasks:
            yield task.pathspec

    @property
    def child_tasks(self) -> Iterator["Task"]:
        """The tasks of this run that started from this one's artifacts."""
        for rec in self._store.catalog.list_tasks(self.record.run_id):
            if self._id in rec.input_task_ids:
                yield self._classes["task"]._from_record(rec, self._store)  # type: ignore[misc]

    @property
    def child_task_pathspecs(self) -> Iterator[str]:
        for task in self.child_tasks:
            yield task.pathspec

    @property
    def runtime_name(self) -> str:
        return "dev"

    @property
    def code(self) -> None:
        return None


class DataArtifact(_RunTags, _client.DataArtifact):
    """One artifact: ``.data`` (loaded on first access), ``.sha``, ``.created_at``."""

    def __init__(self, pathspec: str, attempt: int | None = None, *, store: Any = None,
                 _namespace_check: bool = True) -> None:
        super().__init__(pathspec, store=store)
        _only_latest_attempt(self._task, attempt)
        if _namespace_check:
            self._check_namespace()

    def _run_rec(self) -> RunRecord:
        return self._task._run_record()

    @property
    def finished_at(self) -> datetime | None:
        return self.created_at

    @property
    def parent(self) -> Task:
        return self._task  # type: ignore[return-value]


class MetaflowData(ArtifactData):
    """``task.data``: artifact values by attribute, each loaded on first access."""

    def __repr__(self) -> str:
        return f"<MetaflowData: {', '.join(dir(self))}>"

    __str__ = __repr__


_COMPAT: dict[str, type] = {"flow": Flow, "run": Run, "step": Step, "task": Task,
                            "artifact": DataArtifact}
for _cls in _COMPAT.values():
    _cls._classes = _COMPAT  # type: ignore[attr-defined]
del _cls


def __getattr__(name: str) -> Any:
    # ``get_cards`` (Metaflow's ``metaflow.cards.get_cards``) lives in .cards, which imports
    # this module's classes: resolved on first use
    if name == "get_cards":
        from .cards import get_cards

        return get_cards
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
