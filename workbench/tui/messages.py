"""Messages the app's threads post to its main thread (no widget is touched from a thread)."""
from __future__ import annotations

from typing import Any

from textual.message import Message

from ..queries import TaskDiff


class EngineEvent(Message):
    """One decoded event of the engine worker (an ``engine.protocol`` dataclass)."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class LogsLoaded(Message):
    """A finished task's log, indexed (``store.logs.LogLines``; its receiver closes it)."""

    def __init__(self, task_id: int, lines: Any, pathspec: str) -> None:
        super().__init__()
        self.task_id = task_id
        self.lines = lines
        self.pathspec = pathspec


class CardsLoaded(Message):
    """A task's cards read from the store, with their images decoded (in a thread)."""

    def __init__(self, key: Any, cards: list, pixels: dict, error: str | None,
                 pathspec: str) -> None:
        super().__init__()
        self.key = key
        self.cards = cards
        self.pixels = pixels
        self.error = error
        self.pathspec = pathspec


class DiffsLoaded(Message):
    """The diffs of one step of one run (``queries.task_diffs``), read in a thread."""

    def __init__(self, key: tuple[int, str], diffs: list[TaskDiff]) -> None:
        super().__init__()
        self.key = key
        self.diffs = diffs
