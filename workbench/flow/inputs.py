"""The ``inputs`` argument of a join step: one read-only view per parent task, in split order."""
from __future__ import annotations

from itertools import islice
from typing import Any, Iterator

from .artifacts import ArtifactSet, ForeachFrame


class InputTask:
    """One parent task of a join, its artifacts loaded lazily on attribute access."""

    def __init__(self, step: str, artifacts: ArtifactSet, frames: list[ForeachFrame],
                 pathspec: str = "") -> None:
        object.__setattr__(self, "_wb_step", step)
        object.__setattr__(self, "_wb_artifacts", artifacts)
        object.__setattr__(self, "_wb_frames", list(frames))
        object.__setattr__(self, "_wb_pathspec", pathspec)
        object.__setattr__(self, "_wb_cache", {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        cache = self._wb_cache
        if name in cache:
            return cache[name]
        if name in self._wb_artifacts:
            value = self._wb_artifacts.load(name)
            cache[name] = value
            return value
        raise AttributeError(
            f"Input from step *{self._wb_step}* has no attribute '{name}'"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Inputs of a join are read-only; set artifacts on self instead.")

    @property
    def index(self) -> int | None:
        """The foreach index of this parent task, or None."""
        return self._wb_frames[-1].index if self._wb_frames else None

    @property
    def input(self) -> Any:
        """The foreach element this parent task handled, or None."""
        if not self._wb_frames:
            return None
        frame = self._wb_frames[-1]
        if frame.var not in self._wb_artifacts:
            return None
        items = getattr(self, frame.var)
        try:
            return items[frame.index]
        except TypeError:
            return next(islice(iter(items), frame.index, frame.index + 1))

    def foreach_stack(self) -> list[tuple[int, int, Any]]:
        return [(f.index, f.num_splits, None) for f in self._wb_frames]

    def __contains__(self, name: str) -> bool:
        return name in self._wb_artifacts

    def __repr__(self) -> str:
        return f"<input from {self._wb_pathspec or self._wb_step}>"


class Inputs:
    """Sequence of :class:`InputTask` in split order; ``inputs.<step>`` picks a branch."""

    def __init__(self, tasks: list[InputTask]) -> None:
        self._tasks = list(tasks)

    def __iter__(self) -> Iterator[InputTask]:
        return iter(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def __getitem__(self, index: int) -> InputTask:
        return self._tasks[index]

    def __getattr__(self, name: str) -> InputTask:
        if name.startswith("_"):
            raise AttributeError(name)
        for task in self._tasks:
            if task._wb_step == name:
                return task
        raise AttributeError(f"This join has no input from a step named '{name}'")

    def __repr__(self) -> str:
        return f"<inputs: {', '.join(t._wb_step for t in self._tasks)}>"
