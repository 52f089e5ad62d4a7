"""The engine worker: a process that keeps a flow imported and executes commands for the TUI.

The TUI never forks (its threads make fork unsafe); it starts this worker instead. Commands
arrive as JSON lines on the worker's stdin (``run``, ``spin``, ``resume``, ``cancel``,
``quit``); events leave as JSON lines on its stdout (the kinds of ``engine.events`` plus
``ready``, ``spin_finished``, ``command_finished``, ``idle`` (caches warm, nothing queued),
``error``, ``worker_log`` and ``worker_restart``). The flow
module is reloaded only when its file changed; third-party imports stay loaded.

:class:`EngineWorker` is the parent-side handle: it starts the process and offers ``events()``,
a blocking iterator the TUI reads in a thread.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

from .events import Event, event_to_json


def _emit(out: io.TextIOBase, data: dict[str, Any]) -> None:
    out.write(json.dumps(data, default=str) + "\n")
    out.flush()


class _StderrToEvents(io.TextIOBase):
    """The worker's own stderr (warnings, ignored-decorator notes) as ``worker_log`` events."""

    def __init__(self, out: io.TextIOBase) -> None:
        self.out = out
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            _emit(self.out, {"event": "worker_log", "line": line})
        return len(text)


class WorkerLoop:
    """The worker process's main loop (runs in the child started by EngineWorker)."""

    def __init__(self, flow_file: str, store_dir: str, flow_name: str | None,
                 out: io.TextIOBase) -> None:
        self.flow_file = Path(flow_file)
        self.store_dir = store_dir
        self.flow_name = flow_name
        self.out = out
        self.runtime: Any = None
        self.loaded_mtime: float | None = None
        self.buffer = b""
        self.queue: list[dict[str, Any]] = []
        self.quit = False
        self.cache: Any = None
        self.helper_mtimes: dict[str, float] = {}

    # -- commands --------------------------------------------------------------------------
    def _read_commands(self) -> None:
        chunk = os.read(0, 65536)
        if not chunk:
            self.quit = True
            if self.runtime is not None:
                self.runtime.cancel()
            return
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                command = json.loads(line)
            except ValueError:
                _emit(self.out, {"event": "error", "message": f"bad command: {line[:80]!r}"})
                continue
            if command.get("cmd") == "cancel":
                if self.runtime is not None:
                    self.runtime.cancel()
            elif command.get("cmd") == "quit":
                self.quit = True
                if self.runtime is not None:
                    self.runtime.cancel()
            else:
                self.queue.append(command)

    def _on_event(self, event: Event) -> None:
        _emit(self.out, event_to_json(event))

    def _ensure_loaded(self) -> Any:
        """The runtime for the current flow file; reloaded when the file changed."""
        from ..flow import load_flow
        from ..store import Store
        from .runtime import Runtime

        mtime = self.flow_file.stat().st_mtime_ns if self.flow_file.exists() else None
        if self.runtime is None or mtime != self.loaded_mtime:
            loaded = load_flow(self.flow_file, self.flow_name)
            store = Store.open(self.store_dir)
            if self.cache is None:
                from .cache import ArtifactCache

                self.cache = ArtifactCache(store.blobs)
            self.runtime = Runtime(loaded, store, on_event=self._on_event)
            self.runtime.cache = self.cache
            self.runtime.watch(0, self._read_commands)
            self.loaded_mtime = mtime
            self.helper_mtimes = self._helper_modules()
        return self.runtime

    def _helper_modules(self) -> dict[str, float]:
        """mtimes of the user's own modules the flow imported (files beside the flow file)."""
        root = str(self.flow_file.resolve().parent)
        found: dict[str, float] = {}
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if not path or not path.startswith(root) or "site-packages" in path:
                continue
            if os.path.abspath(path) == str(self.flow_file.resolve()):
                continue
            try:
                found[path] = os.stat(path).st_mtime_ns
            except OSError:
                continue
        return found

    def _helpers_changed(self) -> bool:
        for path, mtime in self.helper_mtimes.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return True
            except OSError:
                return True
        return False

    def _restart(self, command: dict[str, Any]) -> None:
        """Replace this process with a fresh worker that runs ``command`` first.

        A helper module changed: reloading modules in place leaves stale references around,
        a fresh interpreter does not. stdin/stdout (fds 0 and the event fd) carry over.
        """
        _emit(self.out, {"event": "worker_restart",
                         "reason": "a module imported by the flow changed"})
        self.out.flush()
        args = [sys.executable, "-m", "workbench.engine.worker", str(self.flow_file),
                "--store", self.store_dir, "--event-fd", str(self.out.fileno()),
                "--first", json.dumps(command)]
        if self.flow_name:
            args += ["--flow", self.flow_name]
        os.set_inheritable(self.out.fileno(), True)
        os.execv(sys.executable, args)

    def _prefetch(self, run_number: int | None) -> None:
        """Load a finished run's artifacts into the cache so the next spin reads no disk."""
        if self.cache is None or self.runtime is None or run_number is None:
            return
        catalog = self.runtime.catalog
        run = catalog.get_run(self.runtime.graph.name, run_number)
        if run is None:
            return
        for task in catalog.list_tasks(run.id):
            if task.status == "succeeded":
                self.cache.prefetch(catalog.list_artifacts(task.id))

    def _execute(self, command: dict[str, Any]) -> None:
        from ..flow.errors import FlowError
        from ..flow.parameters import resolve_parameters
        from ..store.errors import StoreError
        from .errors import EngineInputError
        from .replay import Replayer

        name = command.get("cmd")
        if self.runtime is not None and self._helpers_changed():
            self._restart(command)
        finished_run: int | None = None
        try:
            runtime = self._ensure_loaded()
            if name == "run":
                values = resolve_parameters(runtime.flow_cls, command.get("params") or {},
                                            runtime.loaded.file)
                record = runtime.run(values)
                finished_run = record.number
                _emit(self.out, {"event": "command_finished", "cmd": name, "run": record.number,
                                 "status": record.status})
            elif name == "spin":
                outcome = Replayer(runtime).spin(
                    command["step"], run_number=command.get("run"), index=command.get("index"),
                    all_splits=bool(command.get("all_splits")),
                    overrides=command.get("overrides") or {},
                    artifacts_file=command.get("artifacts_file"),
                    with_diff=command.get("with_diff", True),
                    warn=lambda message: _emit(self.out, {"event": "worker_log",
                                                          "line": message}))
                _emit(self.out, {
                    "event": "spin_finished", "run": outcome.run.number,
                    "reference": outcome.reference.number, "step": outcome.step,
                    "status": outcome.status, "seconds": outcome.seconds,
                    "tasks": [t.pathspec for t in outcome.tasks],
                    "diff": [d.to_json() for d in outcome.diff],
                })
                finished_run = outcome.run.number
                _emit(self.out, {"event": "command_finished", "cmd": name,
                                 "run": outcome.run.number, "status": outcome.status})
            elif name == "resume":
                record = Replayer(runtime).resume(command["step"],
                                                  run_number=command.get("run"))
                finished_run = record.number
                _emit(self.out, {"event": "command_finished", "cmd": name, "run": record.number,
                                 "status": record.status})
            else:
                raise EngineInputError(f"unknown command {name!r}")
        except (FlowError, StoreError, EngineInputError) as exc:
            _emit(self.out, {"event": "error", "cmd": name, "message": str(exc)})
            _emit(self.out, {"event": "command_finished", "cmd": name, "status": "error"})
        except Exception as exc:  # noqa: BLE001 - the worker must survive and say what happened
            import traceback

            _emit(self.out, {"event": "error", "cmd": name,
                             "message": f"{type(exc).__name__}: {exc}",
                             "traceback": traceback.format_exc()})
            _emit(self.out, {"event": "command_finished", "cmd": name, "status": "error"})
            return
        self._prefetch(finished_run)
        if not self.queue:
            _emit(self.out, {"event": "idle"})

    def serve(self, first: dict[str, Any] | None = None) -> int:
        import selectors

        try:  # import the flow now, so the first command starts at once
            self._ensure_loaded()
        except Exception:  # noqa: BLE001 - reported by the first command that needs the flow
            self.runtime = None
        _emit(self.out, {"event": "ready", "flow_file": str(self.flow_file), "pid": os.getpid()})
        selector = selectors.DefaultSelector()
        selector.register(0, selectors.EVENT_READ)
        if first is not None:
            self.queue.append(first)
        while not self.quit:
            if not self.queue:
                selector.select(None)
                self._read_commands()
                continue
            self._execute(self.queue.pop(0))
        return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m workbench.engine.worker FLOW --store DIR [--flow NAME]``."""
    parser = argparse.ArgumentParser(prog="workbench-worker")
    parser.add_argument("flow_file")
    parser.add_argument("--store", required=True)
    parser.add_argument("--flow", dest="flow_name")
    parser.add_argument("--event-fd", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--first", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Events own the real stdout; anything else printed in this process becomes a log event.
    if args.event_fd is None:
        out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    else:  # restarted in place: the event pipe is already off fd 1
        out = os.fdopen(args.event_fd, "w", buffering=1, encoding="utf-8")
    sys.stdout = _StderrToEvents(out)
    sys.stderr = _StderrToEvents(out)
    first = json.loads(args.first) if args.first else None
    return WorkerLoop(args.flow_file, args.store, args.flow_name, out).serve(first)


class EngineWorker:
    """Parent-side handle of a worker process. Commands are thread-safe; read ``events()``
    from one thread."""

    def __init__(self, flow_file: str | os.PathLike, store_dir: str | os.PathLike,
                 flow_name: str | None = None) -> None:
        self.flow_file = str(flow_file)
        self.store_dir = str(store_dir)
        self.flow_name = flow_name
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._pending = 0

    def start(self) -> None:
        """Start the worker process (it imports the flow on its first command)."""
        args = [sys.executable, "-m", "workbench.engine.worker", self.flow_file,
                "--store", self.store_dir]
        if self.flow_name:
            args += ["--flow", self.flow_name]
        self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, bufsize=0)

    @property
    def busy(self) -> bool:
        """True while a command is queued or executing."""
        return self._pending > 0

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _send(self, command: dict[str, Any], counts: bool = True) -> None:
        if self._proc is None or self._proc.stdin is None:
            raise RuntimeError("the engine worker is not started")
        with self._lock:
            if counts:
                self._pending += 1
            self._proc.stdin.write((json.dumps(command) + "\n").encode())
            self._proc.stdin.flush()

    def events(self) -> Iterator[dict[str, Any]]:
        """Events as dicts, in order; ends when the worker exits."""
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "command_finished":
                with self._lock:
                    self._pending = max(0, self._pending - 1)
            yield event

    def run(self, params: dict[str, Any] | None = None) -> None:
        """Run the whole flow (``params``: CLI-style strings or values)."""
        self._send({"cmd": "run", "params": params or {}})

    def spin(self, step: str, run: int | None = None, index: int | None = None,
             all_splits: bool = False, overrides: dict[str, Any] | None = None,
             artifacts_file: str | None = None, with_diff: bool = True) -> None:
        """Spin ``step`` (a ``spin_finished`` event carries the diff unless ``with_diff`` is
        False)."""
        self._send({"cmd": "spin", "step": step, "run": run, "index": index,
                    "all_splits": all_splits, "overrides": overrides or {},
                    "artifacts_file": artifacts_file, "with_diff": with_diff})

    def resume(self, step: str, run: int | None = None) -> None:
        """Resume from ``step``."""
        self._send({"cmd": "resume", "step": step, "run": run})

    def cancel(self) -> None:
        """Stop what is running: tasks are killed, the run reads cancelled."""
        self._send({"cmd": "cancel"}, counts=False)

    def request_stop(self) -> None:
        """Ask the worker to quit (cancelling what runs) without waiting for it."""
        if self._proc is None:
            return
        try:
            self._send({"cmd": "quit"}, counts=False)
            self._proc.stdin.close()
        except (OSError, ValueError, RuntimeError):
            pass

    def stop(self, timeout: float = 3.0) -> None:
        """Ask the worker to quit (cancelling what runs), then make sure it is gone."""
        if self._proc is None:
            return
        self.request_stop()
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


if __name__ == "__main__":
    raise SystemExit(main())
