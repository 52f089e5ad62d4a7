"""Helpers for the TUI tests: a store filled by the real engine, a frozen clock, waiting for
the app to settle, and an engine stand-in for snapshots."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

os.environ["TEXTUAL_ANIMATIONS"] = "none"

import pytest  # noqa: E402,F401

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_flows"
FROZEN = 1_767_261_600.0  # 2026-01-01 10:00:00 UTC


class IdleEngine:
    """An engine worker that is there but never runs anything (for snapshots): an
    ``EngineHandle`` like the real worker (a test checks it), recording what it was sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._stop = threading.Event()
        self.sent: list[Any] = []

    @property
    def busy(self) -> bool:
        return False

    @property
    def alive(self) -> bool:
        return not self._stop.is_set()

    def start(self) -> None:
        pass

    def send(self, command: Any) -> None:
        self.sent.append(command)

    def events(self):
        from workbench.engine.protocol import Ready

        yield Ready("x", 0)
        self._stop.wait()

    def stop(self) -> None:
        self._stop.set()


def run_flow(workdir: Path, flow: str = "churn_flow.py", **params: Any) -> Any:
    from workbench.engine.api import run_flow as engine_run

    return engine_run(workdir / flow, {k: str(v) for k, v in params.items()},
                      store=workdir / "store")


def spin(workdir: Path, step: str, flow: str = "churn_flow.py", **kwargs: Any) -> Any:
    from workbench.engine.api import spin_step

    return spin_step(workdir / flow, step, store=workdir / "store", **kwargs)


def freeze_store(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every run and task fixed times, and freeze the app's clock (for snapshots)."""
    from workbench.store import Store
    from workbench.tui import model

    store = Store(workdir / "store", create=False)
    catalog = store.catalog
    for flow in catalog.list_flows():
        for run in catalog.list_runs(flow):
            start = FROZEN + run.number * 60
            catalog.update_run(run.id, started_at=start, finished_at=start + 1.25,
                               heartbeat_at=start + 1.25)
            for i, task in enumerate(sorted(catalog.list_tasks(run.id), key=lambda t: t.id)):
                catalog.update_task(task.id, started_at=start + 0.1 * i,
                                    finished_at=start + 0.1 * i + 0.05)
    monkeypatch.setattr(model, "clock", lambda: FROZEN + 3600)
    _freeze_cards(store.root / "cards")


def _freeze_cards(folder: Path) -> None:
    """The times a card states (made when its task ran) set to the frozen clock's, and its
    task's duration to 0:00:00."""
    import re

    for path in folder.glob("*.json") if folder.is_dir() else ():
        text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [AP]M", "2026-01-01 10:00:00 AM",
                      path.read_text())
        text = re.sub(r'"\d+:\d\d:\d\d"', '"0:00:00"', text)  # the task's duration
        path.write_text(re.sub(r'"created_at": [0-9.e+]+', f'"created_at": {FROZEN}', text))


def edit_flow(path: Path, old: str, new: str) -> None:
    """Change the flow file (and its mtime, even within the same clock tick)."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 20.0,
                   what: str = "condition") -> None:
    """Let the app run until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def settle(pilot: Any, timeout: float = 20.0) -> None:
    """Until no worker but the engine reader is pending or running, and the screen caught up."""
    from textual.worker import WorkerState

    app = pilot.app
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2:
        busy = [w for w in app.workers if w.group != "engine"
                and w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        quiet = 0 if busy else quiet + 1
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still busy: {busy}")
        await pilot.pause(0.02)


async def wait_idle(pilot: Any, timeout: float = 30.0) -> None:
    """Until the app has no command in flight (the engine answered)."""
    await wait_for(pilot, lambda: not pilot.app.busy, timeout, "the engine to finish")
    await pilot.pause(0.2)
    await settle(pilot)


def plain(widget: Any, width: int = 200) -> str:
    """The text a Static-like widget shows (its content rendered without styles)."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None, file=open(os.devnull, "w"))
    console.print(widget.content)
    return console.export_text()
