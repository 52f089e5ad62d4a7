"""The app's side of the engine worker: start it, read its events in a thread, turn each
typed event into session state (busy, activity, live logs, the spin diffs it computed).

A mixin of ``WorkbenchApp``: it owns the session state the engine drives and dispatches
each event on its type; the panes are refreshed through the app's ``refresh_*`` methods.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from textual import work
from textual.worker import get_current_worker

from ..display import safe
from ..engine import protocol as P
from ..queries import TaskDiff
from .messages import EngineEvent

EngineFactory = Callable[..., P.EngineHandle]
LIVE_LOG_LINES = 20_000  # lines kept per task for tasks that ran in this session


def default_engine_factory() -> EngineFactory:
    """``workbench.engine.worker.EngineWorker``."""
    from ..engine.worker import EngineWorker

    return EngineWorker


class EngineBridge:
    """Session state driven by the engine worker, and its event handlers."""

    engine: P.EngineHandle | None
    engine_factory: EngineFactory | None
    busy: bool
    activity: str
    active_run: str | None
    live_logs: dict[int, list[tuple[str, str]]]
    queue: list[tuple[P.Command, str]]
    queue_held: bool
    spin_diffs: dict[tuple[int, str], list[TaskDiff]]  # (run, step) -> what the worker sent
    _command: str | None
    _worker_lost: bool  # the worker died under us: the next command starts a new one
    main: Any  # the app's MainScreen, which paints what the events change
    main_up: bool  # that screen is mounted (events arriving while the app exits are dropped)

    def init_engine_state(self, factory: EngineFactory | None) -> None:
        self.engine_factory = factory
        self.engine = None
        self.busy = False
        self.activity = "idle"
        self.active_run = None
        self.live_logs = {}
        self.spin_diffs = {}
        self._command = None
        self._worker_lost = False
        self.queue: list[tuple[P.Command, str]] = []  # commands waiting for the worker
        self.queue_held = False  # after x: the queue waits until x clears it or a command
        self.running_tasks: dict[int, tuple[str, float]] = {}  # task id -> (label, started)

    # ------------------------------------------------------------------ lifecycle

    def start_engine(self) -> None:
        if self.engine_factory is None:
            self.activity = "no engine worker (read only)"
            return
        try:
            self.engine = self.engine_factory(str(self.flow_file), str(self.store_dir),
                                              self.flow_name)
            self.engine.start()
        except Exception as exc:  # noqa: BLE001 - shown, the app stays a browser
            self.engine = None
            self.activity = "engine worker failed to start"
            self.notify(f"engine worker failed to start: {safe(exc)}", severity="error",
                        markup=False)
            return
        self.activity = "starting worker"
        self.read_events()

    def stop_engine(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            try:
                engine.stop()
            except Exception:  # noqa: BLE001
                pass

    def send(self, command: P.Command, activity: str) -> bool:
        """Send ``command`` to the worker, or queue it behind the one running (the header
        lists the queue; ``x`` cancels the running command, a second ``x`` the queue).
        False (and a note) when there is no worker to send it to.

        A worker that died (the OOM killer's likely target: it holds the cache) is replaced
        by a new one here, and the user is told.
        """
        if self.engine is None and self._worker_lost and self.engine_factory is not None:
            self._worker_lost = False
            self.notify("the engine worker had stopped; started a new one", timeout=4)
            self.start_engine()
        if self.engine is None:
            self.notify("no engine worker: this session can browse but not run",
                        severity="warning")
            return False
        if self.busy or self.engine.busy or self.queue_held:
            if (command, activity) in self.queue:  # watch mode saving twice: once is enough
                return True
            self.queue.append((command, activity))
            self.queue_held = False  # a new command lets a held queue go on
            self.notify(safe(f"queued: {activity} ({len(self.queue)} waiting; x cancels the "
                             f"running one, x twice the queue)"), timeout=3, markup=False)
            self.main.update_header()
            if not (self.busy or self.engine.busy):
                self.next_queued()
            return True
        self.busy, self._command = True, P.name_of(command)
        self.activity = activity
        self.engine.send(command)
        self.main.update_header()
        return True

    def next_queued(self) -> None:
        """The worker is free: send the first queued command, unless the queue is held."""
        if not self.queue or self.queue_held or self.engine is None:
            return
        if self.busy or self.engine.busy:
            return
        command, activity = self.queue.pop(0)
        self.send(command, activity)

    def cancel(self) -> None:
        """``x``: cancel the running command and hold the queue; with nothing running,
        clear the queue."""
        running = self.engine is not None and (self.busy or self.engine.busy)
        if running:
            self.activity = "cancelling…"
            self.engine.send(P.CancelCommand())
            if self.queue:
                self.queue_held = True
                self.notify(f"cancelling; {len(self.queue)} queued held: x clears them, "
                            f"a new command lets them go on", timeout=4)
        elif self.queue:
            n = len(self.queue)
            self.queue.clear()
            self.queue_held = False
            self.notify(f"cleared the queue ({n} command{'s' if n != 1 else ''})", timeout=3)
        else:
            self.notify("nothing is running", timeout=2)
        self.main.update_header()

    @work(thread=True, exclusive=True, exit_on_error=False, group="engine")
    def read_events(self) -> None:
        """Forward the worker's events as messages until it exits or we are cancelled."""
        worker = get_current_worker()
        engine = self.engine
        if engine is None:
            return
        for event in engine.events():
            if worker.is_cancelled:
                return
            self.post_message(EngineEvent(event))
        if not worker.is_cancelled:
            self.post_message(EngineEvent(P.WorkerExited()))

    def on_engine_event(self, message: EngineEvent) -> None:
        handler = self._HANDLERS.get(type(message.event))
        if handler is not None and self.main_up:  # nothing to paint while the app exits
            handler(self, message.event)

    # ------------------------------------------------------------------ handlers

    def _engine_ready(self, event: P.Ready) -> None:
        if not self.busy:
            self.activity = "idle"
        self.main.update_header()

    def _engine_run_started(self, event: P.RunStarted) -> None:
        self.busy = True
        self.active_run = event.pathspec
        self.activity = f"{event.kind} {event.pathspec}"
        self.selected_run = int(event.run)
        self.main.update_header()
        self.schedule_refresh()

    def running_elapsed(self) -> list[tuple[str, float]]:
        """The tasks running now and their seconds so far (the header ticks them)."""
        now = time.monotonic()
        return [(label, now - started) for label, started in self.running_tasks.values()]

    def _engine_task_started(self, event: P.TaskStarted) -> None:
        split = f"[{event.split_index}]" if event.split_index is not None else ""
        self.running_tasks[int(event.task_id)] = (f"{event.step}{split}", time.monotonic())
        self.live_logs.setdefault(int(event.task_id), [])
        self.activity = f"{self.active_run or 'run'} · {event.step}"
        self.main.update_header()
        self.schedule_refresh()

    def _engine_log_batch(self, event: P.LogBatch) -> None:
        lines = self.live_logs.setdefault(int(event.task_id), [])
        entries = [(event.stream, line.rstrip("\n")) for line in event.lines]
        room = LIVE_LOG_LINES - len(lines)
        if room > 0:
            lines.extend(entries[:room])
        self.main.live_log_lines(int(event.task_id), entries)

    def _engine_task_finished(self, event: P.TaskFinished) -> None:
        self.running_tasks.pop(int(event.task_id), None)
        if event.status != "succeeded" and not event.will_retry:
            self.notify(safe(f"{event.pathspec} {event.status}: "
                             f"{event.exception or event.status}"),
                        severity="error", timeout=6, markup=False)
        self.schedule_refresh()

    def _engine_run_finished(self, event: P.RunFinished) -> None:
        self.active_run = None
        took = f" in {event.seconds:.2f}s"
        why = f": {event.message}" if event.message else ""
        self.activity = f"{event.pathspec} {event.status}{took}"
        if self._command != "spin":
            severity = "information" if event.status == "succeeded" else "warning"
            self.notify(safe(f"{event.pathspec} {event.status}{took}{why}"),
                        severity=severity, timeout=4, markup=False)
            if event.status == "failed":
                self.show_failure(int(event.run))
        self.main.update_header()
        self.schedule_refresh()

    def _engine_spin_finished(self, event: P.SpinFinished) -> None:
        self.spin_diffs[(int(event.run), event.step)] = list(event.diffs)
        changed = [d.name for td in event.diffs for d in td.diffs if d.change != "unchanged"]
        what = (", ".join(changed[:4]) + ("…" if len(changed) > 4 else "")) if changed \
            else "no artifact changed"
        ok = event.status == "succeeded"
        took = f" in {event.seconds:.2f}s"
        self.notify(safe(f"spin {event.step} → run {event.run} {event.status}{took}: "
                         f"{what if ok else 'see the Task tab'}"),
                    severity="information" if ok else "error", timeout=5, markup=False)
        self.activity = f"spin {event.step} → run {event.run} {event.status}{took}"
        self.show_spun(int(event.run), event.step, event.diffs, ok)

    def _engine_command_finished(self, event: P.CommandFinished) -> None:
        self.running_tasks.clear()
        self.busy = False
        self._command = None
        if event.status == "error":
            self.activity = "idle"
        self.main.update_header()
        self.schedule_refresh()
        self.next_queued()

    def _engine_idle(self, event: P.Idle) -> None:
        if not self.busy:
            self.activity = self.activity if self.activity != "starting worker" else "idle"
            self.main.update_header()

    def _engine_error(self, event: P.Error) -> None:
        message = str(event.message or "engine error").strip().splitlines() or ["error"]
        self.notify(safe(message[0]), severity="error", timeout=8, markup=False)
        self.activity = f"error: {message[0][:60]}"
        self.main.update_header()

    def _engine_worker_log(self, event: P.WorkerLog) -> None:
        line = event.line.strip()
        if line.startswith(("workbench: warning:", "warning:")):  # meant for the user
            self.notify(safe(line), severity="warning", timeout=8, markup=False)
        elif line:
            self.log.info(f"worker: {line}")

    def _engine_worker_restart(self, event: P.WorkerRestart) -> None:
        self.activity = "restarting worker (a helper module changed)"
        self.main.update_header()

    def _engine_worker_exited(self, event: P.WorkerExited) -> None:
        if self.engine is not None:
            self.engine = None
            self.busy = False
            self._command = None
            self._worker_lost = True
            self.activity = "engine worker stopped: the next command starts a new one"
            self.notify("the engine worker stopped; the next run or spin starts a new one",
                        severity="warning")
            self.main.update_header()

    # Named _engine_*, never _on_*: Textual dispatches its own events (Idle, Ready...) to
    # methods called _on_<event>, and an engine handler there would run on every idle.
    _HANDLERS: dict[type, Callable[[Any, Any], None]] = {
        P.Ready: _engine_ready, P.RunStarted: _engine_run_started,
        P.TaskStarted: _engine_task_started, P.LogBatch: _engine_log_batch,
        P.TaskFinished: _engine_task_finished, P.RunFinished: _engine_run_finished,
        P.SpinFinished: _engine_spin_finished, P.CommandFinished: _engine_command_finished,
        P.Idle: _engine_idle, P.Error: _engine_error, P.WorkerLog: _engine_worker_log,
        P.WorkerRestart: _engine_worker_restart, P.WorkerExited: _engine_worker_exited,
    }
