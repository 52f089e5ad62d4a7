"""The engine worker: a process that keeps a flow imported and executes commands for the TUI
and the Python API.

The TUI never forks (its threads make fork unsafe); it starts this worker instead. Commands
arrive on the worker's stdin and events leave on its stdout, one line each, as the dataclasses
of ``engine.protocol`` encode them. The flow module is reloaded only when its file changed;
third-party imports stay loaded.

:class:`EngineWorker` is the parent-side handle (an ``EngineHandle``): it starts the process,
sends commands and offers ``events()``, a blocking iterator of decoded events read in a thread.
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from . import protocol as P


def _emit(out: io.TextIOBase, message: Any) -> None:
    out.write(P.encode(message) + "\n")
    out.flush()


class LineStream(io.TextIOBase):
    """A text stream that hands each complete line written to it to ``on_line``."""

    def __init__(self, on_line: Any) -> None:
        self.on_line = on_line
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.on_line(line)
        return len(text)


def _stderr_to_events(out: io.TextIOBase) -> LineStream:
    """The worker's own stderr (warnings, ignored-decorator notes) as ``worker_log`` events."""
    return LineStream(lambda line: _emit(out, P.WorkerLog(line)))


class WorkerLoop:
    """The worker process's main loop (runs in the child started by EngineWorker)."""

    def __init__(self, flow_file: str, store_dir: str, flow_name: str | None,
                 out: io.TextIOBase, *, commands_fd: int | None = 0,
                 on_handed_off: Any = None) -> None:
        self.flow_file = Path(flow_file)
        self.commands_fd = commands_fd  # None: no command pipe (``workbench serve``)
        self.on_handed_off = on_handed_off  # told (argv, exit code, seconds) after each one
        self.handoff: Any = None
        self.store_dir = store_dir
        self.flow_name = flow_name
        self.out = out
        self.runtime: Any = None
        self.loaded_mtime: float | None = None
        self.buffer = b""
        self.queue: list[Any] = []
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
                command = P.decode(line)
            except P.ProtocolError as exc:
                _emit(self.out, P.Error(f"bad command: {exc}"))
                continue
            if isinstance(command, (P.CancelCommand, P.QuitCommand)):
                self.quit = self.quit or isinstance(command, P.QuitCommand)
                if self.runtime is not None:
                    self.runtime.cancel()
            else:
                self.queue.append(command)

    def _on_event(self, event: Any) -> None:
        _emit(self.out, event)

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
            if self.commands_fd is not None:
                self.runtime.watch(self.commands_fd, self._read_commands)
            if self.handoff is not None:  # a CLI asking while a run executes: run it yourself
                self.runtime.watch(self.handoff.fileno(),
                                   lambda: self.handoff.serve_one(self._handed_off, busy=True))
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

    def _restart(self, command: Any) -> None:
        """Replace this process with a fresh worker that runs ``command`` first.

        A helper module changed: reloading modules in place leaves stale references around,
        a fresh interpreter does not. stdin/stdout (fds 0 and the event fd) carry over.
        """
        _emit(self.out, P.WorkerRestart("a module imported by the flow changed"))
        self.out.flush()
        args = [sys.executable, "-m", "workbench.engine.worker", str(self.flow_file),
                "--store", self.store_dir, "--event-fd", str(self.out.fileno()),
                "--first", P.encode(command)]
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

    def _prefetch_latest(self) -> None:
        """Cache the newest run's artifacts (a spin's inputs come from it by default)."""
        if self.runtime is None:
            return
        try:
            latest = self.runtime.catalog.latest_run(self.runtime.graph.name)
            if latest is not None:
                self._prefetch(latest.number)
        except Exception:  # noqa: BLE001 - a cache warm-up never fails the worker
            pass

    def _execute(self, command: Any) -> None:
        from ..errors import WorkbenchError

        name = P.name_of(command)
        if self.runtime is not None and self._helpers_changed():
            self._restart(command)
        handler = {P.RunCommand: self._run, P.SpinCommand: self._spin,
                   P.ResumeCommand: self._resume}[type(command)]
        try:
            record = handler(self._ensure_loaded(), command)
        except WorkbenchError as exc:
            _emit(self.out, P.Error(str(exc), name))
            _emit(self.out, P.CommandFinished(name, "error"))
        except Exception as exc:  # noqa: BLE001 - the worker must survive and say what happened
            import traceback

            _emit(self.out, P.Error(f"{type(exc).__name__}: {exc}", name,
                                    traceback.format_exc()))
            _emit(self.out, P.CommandFinished(name, "error"))
            return
        else:
            _emit(self.out, P.CommandFinished(name, record.status, record.number))
            self._prefetch(record.number)
        if not self.queue:
            _emit(self.out, P.Idle())

    def _run(self, runtime: Any, command: P.RunCommand) -> Any:
        from ..flow.parameters import resolve_parameters

        values = resolve_parameters(runtime.flow_cls, command.params or {}, runtime.loaded.file)
        runtime.reuse = bool(command.reuse)
        try:
            return runtime.run(values)
        finally:
            runtime.reuse = False

    def _spin(self, runtime: Any, command: P.SpinCommand) -> Any:
        from .replay import Replayer

        outcome = Replayer(runtime).spin(
            command.step, run_number=command.run, index=command.index,
            all_splits=command.all_splits, overrides=command.overrides,
            set_values=command.set_values, artifacts_file=command.artifacts_file,
            against=command.against,
            warn=lambda message: _emit(self.out, P.WorkerLog(message)))
        _emit(self.out, P.SpinFinished(
            outcome.run.number, outcome.reference.number, outcome.step, outcome.status,
            outcome.seconds, [t.pathspec for t in outcome.tasks], outcome.diffs))
        return outcome.run

    def _resume(self, runtime: Any, command: P.ResumeCommand) -> Any:
        from .replay import Replayer

        return Replayer(runtime).resume(command.step, run_number=command.run)

    # -- commands handed off by the CLI (engine.handoff) ------------------------------------
    def _handed_off(self, argv: list[str], cwd: str, terminal: dict[str, str],
                    reply: Any) -> int:
        """Run a CLI command here, warm: the CLI's own handler, its output to ``reply``, the
        caller's working directory and terminal settings, and this worker's runtime."""
        import importlib

        from . import api
        # the CLI's own handlers, run here warm (declared late-bound edge, tests/test_layers)
        run_handed_off = importlib.import_module("workbench.cli.app").run_handed_off
        from ..store.paths import ENV_VAR as STORE_ENV
        from .handoff import TERMINAL_VARS

        flow_real = os.path.realpath(self.flow_file)
        store_real = os.path.realpath(self.store_dir)

        def warm(flow_file: Path, root: Path, flow_name: str | None, on_event: Any) -> Any:
            if (os.path.realpath(flow_file) != flow_real
                    or os.path.realpath(root) != store_real
                    or (flow_name or None) != (self.flow_name or None)):
                return None
            runtime = self._ensure_loaded()
            runtime.on_event = on_event
            return runtime

        started = time.perf_counter()
        # the caller's store is this worker's (the socket is named after it), whatever
        # this process's own environment says
        saved_env = {name: os.environ.get(name) for name in (*TERMINAL_VARS, STORE_ENV)}
        saved_cwd, saved_out, saved_err = os.getcwd(), sys.stdout, sys.stderr
        for name in TERMINAL_VARS:
            os.environ.pop(name, None)
        os.environ.update(terminal)
        os.environ[STORE_ENV] = store_real
        code = 1
        try:
            os.chdir(cwd)
            sys.stdout, sys.stderr = reply.stream("out"), reply.stream("err")
            api.use_warm_runtime(warm)
            code = run_handed_off(argv)
        except SystemExit as exc:
            code = int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else 1
        except Exception as exc:  # noqa: BLE001 - the worker survives; the caller is told
            reply.send({"err": f"workbench: error: {type(exc).__name__}: {exc}\n"})
        finally:
            api.use_warm_runtime(None)
            sys.stdout, sys.stderr = saved_out, saved_err
            os.chdir(saved_cwd)
            for name, value in saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            if self.runtime is not None:
                self.runtime.on_event = self._on_event
        if self.on_handed_off is not None:
            self.on_handed_off(argv, code, time.perf_counter() - started)
        return code

    def serve(self, first: Any = None, listen: bool = True) -> int:
        import selectors

        from .handoff import HandoffServer

        if listen and self.handoff is None:
            self.handoff = HandoffServer.listen(self.flow_file, self.store_dir, self.flow_name)
        try:  # import the flow now, so the first command starts at once
            self._ensure_loaded()
        except Exception:  # noqa: BLE001 - reported by the first command that needs the flow
            self.runtime = None
        _emit(self.out, P.Ready(str(self.flow_file), os.getpid()))
        if self.handoff is not None:
            self._prefetch_latest()  # the first handed-off spin reads no disk either
        selector = selectors.DefaultSelector()
        if self.commands_fd is not None:
            selector.register(self.commands_fd, selectors.EVENT_READ, "commands")
        if self.handoff is not None:
            selector.register(self.handoff.fileno(), selectors.EVENT_READ, "handoff")
        if first is not None:
            self.queue.append(first)
        try:
            while not self.quit:
                if not self.queue:
                    for key, _ in selector.select(None):
                        if key.data == "handoff":
                            self.handoff.serve_one(self._handed_off)
                            self._prefetch_latest()  # after the answer: the next is warm
                        else:
                            self._read_commands()
                    continue
                self._execute(self.queue.pop(0))
        finally:
            if self.handoff is not None:
                self.handoff.close()
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
    sys.stdout = _stderr_to_events(out)
    sys.stderr = _stderr_to_events(out)
    first = P.decode(args.first) if args.first else None
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

    def send(self, command: P.Command) -> None:
        """Queue ``command`` (a cancel or quit acts at once and is not counted as work)."""
        if self._proc is None or self._proc.stdin is None:
            raise RuntimeError("the engine worker is not started")
        counts = not isinstance(command, (P.CancelCommand, P.QuitCommand))
        with self._lock:
            if counts:
                self._pending += 1
            self._proc.stdin.write((P.encode(command) + "\n").encode())
            self._proc.stdin.flush()

    def events(self) -> Iterator[P.Event]:
        """Decoded events, in order; ends when the worker exits."""
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                event = P.decode(line)
            except P.ProtocolError:
                continue
            if isinstance(event, P.CommandFinished):
                with self._lock:
                    self._pending = max(0, self._pending - 1)
            yield event

    # Shorthands for scripts and tests: each sends one command.
    def run(self, params: dict[str, Any] | None = None) -> None:
        """Run the whole flow (``params``: CLI-style strings or values)."""
        self.send(P.RunCommand(dict(params or {})))

    def spin(self, step: str, **options: Any) -> None:
        """Spin ``step``; ``options`` are ``SpinCommand`` fields."""
        self.send(P.SpinCommand(step, **options))

    def resume(self, step: str, run: int | None = None) -> None:
        """Resume from ``step``."""
        self.send(P.ResumeCommand(step, run))

    def cancel(self) -> None:
        """Stop what is running: tasks are killed, the run reads cancelled."""
        self.send(P.CancelCommand())

    def request_stop(self) -> None:
        """Ask the worker to quit (cancelling what runs) without waiting for it."""
        if self._proc is None:
            return
        try:
            self.send(P.QuitCommand())
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
