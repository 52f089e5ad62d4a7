"""``current``: what the running task is (Metaflow's ``from metaflow import current``).

The engine binds the fields before a task runs (``current._bind(...)``) and
resets them afterwards (``current._reset()``). Outside a task every field is
None and ``is_running_flow`` is False.
"""
from __future__ import annotations

import importlib
import shutil
import tempfile
from typing import Any, NamedTuple

from ..settings import current_user
from .cards.collector import CardCollector

_FIELDS = ("flow_name", "run_id", "step_name", "task_id", "retry_count", "origin_run_id",
           "namespace", "username", "tempdir", "tags", "store_root", "parameter_names",
           "project", "parallel")
# Set from @project (``flow.project.project_env``); absent (AttributeError) without it, as
# under Metaflow, so ``"project_name" in current`` tells whether the flow has a project.
_PROJECT_FIELDS = ("project_name", "branch_name", "is_user_branch", "is_production",
                   "project_flow_name")


class Parallel(NamedTuple):
    """``current.parallel`` (Metaflow's ``metaflow_current.Parallel``)."""

    main_ip: str
    num_nodes: int
    node_index: int
    control_task_id: str | None


class Current:
    """The state of the running task. Use the module-level ``current`` singleton."""

    def __init__(self) -> None:
        self._reset()

    # ---- engine side
    def _bind(self, **fields: Any) -> None:
        """Set the task's fields; ``is_running_flow`` becomes True.

        Accepts flow_name, run_id, step_name, task_id, retry_count, origin_run_id,
        namespace, username, tempdir, tags, store_root, parameter_names and project (the
        dict of ``_PROJECT_FIELDS``). Ids are stored as strings; username defaults to the
        OS user, namespace to ``user:<username>``, retry_count to 0.
        """
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise TypeError(f"current._bind() got unknown fields: {', '.join(sorted(unknown))}")
        self._reset()
        for name in ("run_id", "task_id", "origin_run_id"):
            if fields.get(name) is not None:
                fields[name] = str(fields[name])
        self._values.update(fields)
        if self._values.get("username") is None:
            self._values["username"] = current_user()
        if self._values.get("namespace") is None and self._values["username"]:
            self._values["namespace"] = f"user:{self._values['username']}"
        if self._values.get("retry_count") is None:
            self._values["retry_count"] = 0
        self._running = True

    def _reset(self) -> None:
        """Back to "not in a task"; removes the task's temp dir if one was created."""
        created = getattr(self, "_created_tempdir", None)
        if created:
            shutil.rmtree(created, ignore_errors=True)
        self._values: dict[str, Any] = {name: None for name in _FIELDS}
        self._running = False
        self._created_tempdir: str | None = None
        self._card = CardCollector()

    # ---- user side
    @property
    def is_running_flow(self) -> bool:
        """True inside a running task."""
        return self._running

    @property
    def flow_name(self) -> str | None:
        return self._values["flow_name"]

    @property
    def run_id(self) -> str | None:
        return self._values["run_id"]

    @property
    def step_name(self) -> str | None:
        return self._values["step_name"]

    @property
    def task_id(self) -> str | None:
        return self._values["task_id"]

    @property
    def retry_count(self) -> int | None:
        return self._values["retry_count"]

    @property
    def origin_run_id(self) -> str | None:
        return self._values["origin_run_id"]

    @property
    def namespace(self) -> str | None:
        return self._values["namespace"]

    @property
    def username(self) -> str | None:
        return self._values["username"]

    @property
    def tags(self) -> Any:
        """The run's tags given with ``--tag`` (a set)."""
        return self._values["tags"]

    @property
    def parameter_names(self) -> list[str] | None:
        """The attribute names of the flow's Parameters (IncludeFiles too), sorted."""
        return self._values["parameter_names"]

    @property
    def parallel(self) -> "Parallel":
        """In a ``@parallel`` task: ``main_ip``, ``num_nodes``, ``node_index`` and
        ``control_task_id`` (elsewhere one node of one, as under Metaflow)."""
        return self._values["parallel"] or Parallel("127.0.0.1", 1, 0, None)

    @property
    def is_parallel(self) -> bool:
        """True inside a ``@parallel`` step's task."""
        if self._values["parallel"] is None:
            raise AttributeError("'Current' object has no attribute 'is_parallel'")
        return True

    def __getattr__(self, name: str) -> Any:
        if name in _PROJECT_FIELDS:
            project = (self.__dict__.get("_values") or {}).get("project") or {}
            if name in project:
                return project[name]
        raise AttributeError(f"'Current' object has no attribute '{name}'")

    @property
    def store_root(self) -> str | None:
        """The store directory the running task writes to (workbench's; the client reads it
        by default inside a task, as Metaflow's reads the running flow's metadata)."""
        return self._values["store_root"]

    @property
    def pathspec(self) -> str | None:
        """``flow/run_id/step/task_id`` of the running task."""
        parts = (self.flow_name, self.run_id, self.step_name, self.task_id)
        if any(p is None for p in parts):
            return None
        return "/".join(parts)

    @property
    def tempdir(self) -> str | None:
        """A temporary directory for this task, created on first use, removed after it."""
        if not self._running:
            return None
        if self._values["tempdir"] is None:
            prefix = f"workbench-{self.step_name or 'task'}-{self.task_id or ''}-"
            self._created_tempdir = tempfile.mkdtemp(prefix=prefix)
            self._values["tempdir"] = self._created_tempdir
        return self._values["tempdir"]

    @property
    def card(self) -> CardCollector:
        """The components of the step's cards: ``current.card.append(Markdown("# Hi"))``
        adds to the default editable card, ``current.card["id"]`` reaches a card by id."""
        return self._card

    def _use_cards(self, cards: list[dict[str, Any]]) -> None:
        """Engine side: the step's ``@card`` settings, in decorator order."""
        self._card = CardCollector(cards, step=self.step_name)

    # The client is a higher layer: it is looked up by name at access time on purpose,
    # so this package keeps importing nothing else of workbench.
    @property
    def run(self) -> Any:
        """The client ``Run`` of the running task, or None outside a task."""
        if self.flow_name is None or self.run_id is None:
            return None
        return importlib.import_module("workbench.client").Run(f"{self.flow_name}/{self.run_id}")

    @property
    def task(self) -> Any:
        """The client ``Task`` of the running task, or None outside a task."""
        if self.pathspec is None:
            return None
        return importlib.import_module("workbench.client").Task(self.pathspec)

    def __contains__(self, key: str) -> bool:
        return getattr(self, key, None) is not None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def __repr__(self) -> str:
        if not self._running:
            return "<current: not in a running task>"
        return f"<current: {self.pathspec} retry {self.retry_count}>"


current = Current()

__all__ = ["current", "Current", "CardCollector", "Parallel"]
