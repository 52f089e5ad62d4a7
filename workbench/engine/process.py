"""Starting, watching and stopping one task process.

A task runs in a child forked from the process that imported the flow, in its own process
group so a cancel or timeout also stops whatever the step started. The child's stdout and
stderr are pipes the parent reads; a third pipe carries the task's result as JSON.
"""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from .. import settings


@dataclass
class TaskProcess:
    """Parent-side handle of a running task process."""

    pid: int
    stdout_fd: int
    stderr_fd: int
    result_fd: int
    pidfd: int | None
    started: float = field(default_factory=time.monotonic)
    exit_status: int | None = None
    result_chunks: list[bytes] = field(default_factory=list)
    open_fds: set[int] = field(default_factory=set)
    popen: subprocess.Popen | None = None  # set for spawned (not forked) task processes
    peak_rss: int | None = None  # bytes, from the kernel's accounting when reaped
    signalled: bool = False  # workbench itself signalled the task (timeout, cancel)

    @property
    def exited(self) -> bool:
        return self.exit_status is not None

    def poll(self) -> bool:
        """Reap the process if it has exited; True once it has.

        Before reaping, whatever is left in the task's process group (processes the step
        started) is killed: nothing a task started outlives it, and the group id cannot
        belong to anyone else while the leader is an unreaped zombie.
        """
        if self.exit_status is None and _exited_unreaped(self.pid):
            self.kill_group()
        if self.exit_status is None and self.popen is not None:
            code = self.popen.poll()
            if code is not None:  # back to a raw wait status, as os.waitpid gives it
                self.exit_status = -code if code < 0 else code << 8
            return self.exit_status is not None
        if self.exit_status is None:
            self.reap(os.WNOHANG)
        return self.exit_status is not None

    def reap(self, options: int = 0) -> None:
        """``wait4`` on the task (blocking unless ``options`` says WNOHANG): its exit status
        and its peak memory."""
        try:
            pid, status, usage = os.wait4(self.pid, options)
        except ChildProcessError:
            self.exit_status = 0
            return
        if pid:
            self.exit_status = status
            self.peak_rss = int(usage.ru_maxrss) * 1024  # kilobytes on Linux

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the task's whole process group."""
        self.signalled = True
        for target in (lambda: os.killpg(self.pid, sig), lambda: os.kill(self.pid, sig)):
            try:
                target()
                return
            except (ProcessLookupError, PermissionError):
                continue

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        """Signal the task's process group only (never a lone pid that may be reused)."""
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self) -> None:
        for fd in list(self.open_fds):
            _close(fd)
        self.open_fds.clear()
        if self.pidfd is not None:
            _close(self.pidfd)
            self.pidfd = None

    def describe_exit(self) -> str:
        """'exit code 3' or 'killed by SIGSEGV' for a process that died without a result."""
        status = self.exit_status or 0
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            if sig == signal.SIGKILL and not self.signalled:
                peak = (f", peak memory {self.peak_rss / 1e6:,.0f} MB"
                        if self.peak_rss else "")
                return (f"killed by SIGKILL, not by workbench: probably the kernel's "
                        f"out-of-memory killer{peak}")
            return f"killed by {name}"
        return f"exit code {os.WEXITSTATUS(status)}"


def _exited_unreaped(pid: int) -> bool:
    """True when child ``pid`` has exited but is not reaped yet (``waitid`` with WNOWAIT)."""
    if not hasattr(os, "waitid"):
        return False
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except (ChildProcessError, OSError):
        return False


_prctl = None


def _die_with_parent_setup() -> None:
    """Resolve libc's prctl in the parent (before fork), where ctypes may be imported."""
    global _prctl
    if _prctl is None and sys.platform.startswith("linux"):
        try:
            import ctypes

            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            _prctl = False


def die_with_parent(parent: int) -> None:
    """Linux: have the kernel SIGKILL this process when ``parent`` dies (PR_SET_PDEATHSIG).

    A kill -9 of the runtime then takes its task processes with it instead of leaving them
    running unobserved (their results could never be recorded).
    """
    if not _prctl:
        return
    _prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(70)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def fork_task(body: Callable[[int], None]) -> TaskProcess:
    """Fork a child that runs ``body(result_fd)`` with stdout/stderr on pipes, then exits.

    The child never returns into the caller's code: it leaves through ``os._exit``.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    _die_with_parent_setup()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            die_with_parent(parent)
            os.setpgid(0, 0)
            for fd in (out_r, err_r, res_r):
                os.close(fd)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.close(out_w)
            os.close(err_w)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            sys.stdout = _text_stream(1)
            sys.stderr = _text_stream(2)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)  # a step must not read the runtime's stdin (the worker's commands)
            os.close(null)
            sys.stdin = open(os.devnull)  # noqa: SIM115 - lives until the child exits
            body(res_w)
        except BaseException:  # noqa: BLE001 - the child must always exit through os._exit
            code = 70
            try:
                import traceback

                traceback.print_exc()
            except BaseException:  # noqa: BLE001
                pass
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # noqa: BLE001
                    pass
            os._exit(code)
    try:
        os.setpgid(pid, pid)
    except (PermissionError, ProcessLookupError):
        pass  # the child already did it, or already exited
    for fd in (out_w, err_w, res_w):
        os.close(fd)
    for fd in (out_r, err_r, res_r):
        os.set_blocking(fd, False)
    pidfd = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            pidfd = None
    return TaskProcess(pid, out_r, err_r, res_r, pidfd, open_fds={out_r, err_r, res_r})


def _text_stream(fd: int) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        io.FileIO(fd, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
        write_through=True,
    )


def start_method() -> str:
    """``fork`` where the platform has it, else ``spawn``; ``WORKBENCH_START_METHOD`` overrides."""
    method = settings.get("WORKBENCH_START_METHOD")
    if method is not None:
        return method if method == "spawn" or hasattr(os, "fork") else "spawn"
    return "fork" if hasattr(os, "fork") else "spawn"


def spawn_task(payload: bytes) -> TaskProcess:
    """Start a fresh interpreter running ``workbench.engine.spawned`` on a pickled job.

    Slower than a fork (it imports the flow again) but works where fork is missing.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    popen = subprocess.Popen(
        [sys.executable, "-m", "workbench.engine.spawned", str(res_w), str(os.getpid())],
        stdin=subprocess.PIPE, stdout=out_w, stderr=err_w, pass_fds=(res_w,),
        start_new_session=True,
    )
    for fd in (out_w, err_w, res_w):
        os.close(fd)
    try:
        popen.stdin.write(payload)
        popen.stdin.close()
    except BrokenPipeError:
        pass
    for fd in (out_r, err_r, res_r):
        os.set_blocking(fd, False)
    pidfd = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(popen.pid)
        except OSError:
            pidfd = None
    return TaskProcess(popen.pid, out_r, err_r, res_r, pidfd, open_fds={out_r, err_r, res_r},
                       popen=popen)
