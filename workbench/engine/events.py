"""Events a run emits while it executes: what a console printer or the TUI shows live.

Each event is a small frozen dataclass; ``engine.protocol`` encodes them as lines on the
worker's pipe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class RunStarted:
    flow: str
    run: int
    kind: str
    pathspec: str
    parameters: dict


@dataclass(frozen=True)
class TaskStarted:
    pathspec: str
    step: str
    task_id: int
    attempt: int
    split_index: int | None


@dataclass(frozen=True)
class LogBatch:
    """Lines a task wrote to one stream, as many as one read of its pipe brought (a step
    printing 64 MB makes a thousand events, not a million)."""

    pathspec: str
    step: str
    task_id: int
    stream: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class TaskFinished:
    pathspec: str
    step: str
    task_id: int
    attempt: int
    status: str
    seconds: float
    exception: str | None = None
    traceback: str | None = None
    will_retry: bool = False


@dataclass(frozen=True)
class RunFinished:
    flow: str
    run: int
    pathspec: str
    status: str
    seconds: float
    message: str | None = None  # why, when no task says it (a run that never reached end)


Event = RunStarted | TaskStarted | LogBatch | TaskFinished | RunFinished
EventSink = Callable[[Event], None]

def ignore_events(event: Event) -> None:
    """An event sink that drops everything."""
