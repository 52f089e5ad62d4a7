"""Handing a CLI command to a warm worker over a local socket.

A worker that keeps a flow imported (the app's, or ``workbench serve FLOW.py``) listens on a
Unix socket named after the flow file and the store. ``workbench spin`` looks for it before it
imports anything heavy; when one answers, the command runs there, in the warm process, and
its output comes back as the bytes the cold command would have printed: the worker runs the
same CLI handler with the caller's terminal width and colours. "Save and spin" from an editor
then costs a request, not an interpreter start and a flow import.

Who may talk to whom:

- the socket lives in a directory only the user can enter (``$XDG_RUNTIME_DIR/workbench`` or
  ``/tmp/workbench-<uid>``, mode 0700, owned by the user; any other owner or mode and no
  socket is made there nor used);
- the socket file is mode 0600, and each side checks the other's uid with ``SO_PEERCRED``;
- a socket nobody answers (a worker that died) is stale: the client removes it and runs the
  command itself; a socket file it does not own is foreign: it is left alone and not used.

Only JSON crosses the socket (an argv, a working directory, terminal settings; output text
and an exit code): nothing is unpickled on either side.
"""
from __future__ import annotations

import json
import os
import socket
import stat
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable

# Terminal settings the worker's rich consoles read: the caller's are applied per request.
TERMINAL_VARS = ("COLUMNS", "LINES", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR")
CONNECT_TIMEOUT = 0.5  # seconds for a live worker to accept
SWEEP_AFTER = 30.0  # seconds a socket must be old before a refusal means its worker is dead
_CRED = struct.Struct("3i")  # pid, uid, gid of SO_PEERCRED


def socket_dir() -> Path | None:
    """The user's private directory for worker sockets (made 0700 if missing); None when it
    exists but someone else could plant or read sockets in it."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    path = Path(base) / "workbench" if base and os.path.isdir(base) else \
        Path(f"/tmp/workbench-{os.getuid()}")
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return path


def socket_path(flow_file: str | os.PathLike, store_dir: str | os.PathLike,
                flow_name: str | None = None) -> Path | None:
    """Where the warm worker of this flow file (and flow class) and store listens."""
    where = socket_dir()
    if where is None:
        return None
    key = "\0".join((os.path.realpath(flow_file), os.path.realpath(store_dir),
                     flow_name or ""))
    try:
        from _blake2 import blake2b  # hashlib's own C module, without hashlib's start-up
    except ImportError:  # pragma: no cover - another interpreter
        from hashlib import blake2b
    return where / (blake2b(key.encode(), digest_size=10).hexdigest() + ".sock")


def _peer_uid(sock: socket.socket) -> int | None:
    try:
        _pid, uid, _gid = _CRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                       _CRED.size))
    except (OSError, AttributeError, struct.error):
        return None
    return uid


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


def _lines(sock: socket.socket):
    buffer = b""
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.strip():
                yield json.loads(line)


# -- the client (the CLI) ---------------------------------------------------------------------


def try_handoff(argv: list[str], flow_file: str, store_dir: str, flow_name: str | None = None
                ) -> int | None:
    """Run ``argv`` in the warm worker of ``flow_file`` and ``store_dir``, if one listens:
    its output goes to this process's stdout and stderr as it comes; returns the exit code.
    None when there is no usable worker (the caller runs the command itself). The caller
    honours ``WORKBENCH_HANDOFF=0`` (``cli.entry``)."""
    path = socket_path(flow_file, store_dir, flow_name)
    if path is None:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
        return None  # foreign: not ours to use, nor to remove
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        sock.close()
        _remove_stale(path, st)
        return None
    except OSError:
        sock.close()
        return None
    try:
        if _peer_uid(sock) != os.getuid():
            return None
        sock.settimeout(None)
        _send(sock, {"argv": argv, "cwd": os.getcwd(),
                     "terminal": _terminal_settings()})
        code: int | None = None
        for message in _lines(sock):
            if "out" in message:
                sys.stdout.write(message["out"])
                sys.stdout.flush()
            elif "err" in message:
                sys.stderr.write(message["err"])
                sys.stderr.flush()
            elif "exit" in message:
                code = int(message["exit"])
                break
            elif "busy" in message:  # the worker cannot take it now: run it here
                return None
        return code
    except (OSError, ValueError):
        return None
    finally:
        sock.close()


def _terminal_settings() -> dict[str, str]:
    """The caller's terminal as rich would see it, for the worker's consoles."""
    settings = {name: os.environ[name] for name in TERMINAL_VARS if name in os.environ}
    if sys.stdout.isatty():
        size = os.get_terminal_size(sys.stdout.fileno())
        settings.setdefault("COLUMNS", str(size.columns))
        settings.setdefault("LINES", str(size.lines))
        if "NO_COLOR" not in settings:
            settings.setdefault("FORCE_COLOR", "1")
    else:
        settings.setdefault("COLUMNS", "80")  # rich's width for a pipe
    return settings


def _sweep(where: Path, keep: Path) -> None:
    """Remove the sockets in our directory that nobody answers any more (workers that were
    killed): they would otherwise pile up, one per flow and store ever served."""
    try:
        names = [n for n in os.listdir(where) if n.endswith(".sock")]
    except OSError:
        return
    for name in names:
        path = where / name
        if path == keep:
            continue
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
            continue
        if time.time() - st.st_mtime < SWEEP_AFTER:  # may be binding now, not yet listening
            continue
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(CONNECT_TIMEOUT)
        try:
            probe.connect(str(path))
        except ConnectionRefusedError:
            _remove_stale(path, st)
        except OSError:
            pass
        finally:
            probe.close()


def _remove_stale(path: Path, seen: os.stat_result) -> None:
    """Remove a socket nobody answers, if it is still the same file (ours)."""
    try:
        now = os.lstat(path)
        if (now.st_ino, now.st_dev) == (seen.st_ino, seen.st_dev):
            path.unlink()
    except OSError:
        pass


# -- the server (a warm worker) --------------------------------------------------------------


class HandoffServer:
    """A warm worker's listening socket. ``fileno()`` goes into its selector; ``serve_one()``
    takes one connection and runs its command through ``handle``."""

    def __init__(self, path: Path, sock: socket.socket) -> None:
        self.path = path
        self.sock = sock
        st = os.lstat(path)
        self._identity = (st.st_ino, st.st_dev)

    @classmethod
    def listen(cls, flow_file: str | os.PathLike, store_dir: str | os.PathLike,
               flow_name: str | None = None) -> "HandoffServer | None":
        """Listen for this flow and store; None when another live worker already does (or
        there is no private place for a socket)."""
        path = socket_path(flow_file, store_dir, flow_name)
        if path is None:
            return None
        if path.exists() or path.is_symlink():
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            probe.settimeout(CONNECT_TIMEOUT)
            try:
                probe.connect(str(path))
                return None  # a live worker answers there
            except OSError:
                try:
                    path.unlink()  # stale (our own directory: nobody else's file)
                except OSError:
                    return None
            finally:
                probe.close()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(path))
        except OSError:
            sock.close()
            return None
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        sock.listen(8)
        _sweep(path.parent, keep=path)
        return cls(path, sock)

    def fileno(self) -> int:
        return self.sock.fileno()

    def serve_one(self, handle: Callable[[list[str], str, dict[str, str], "Reply"], int],
                  busy: bool = False) -> None:
        """Accept one connection and answer it: ``handle(argv, cwd, terminal, reply)``
        returns the exit code; its output goes through ``reply``. A peer of another user is
        closed unread; with ``busy`` the caller is told to run the command itself."""
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            if _peer_uid(conn) != os.getuid():
                return
            conn.settimeout(5)
            try:
                request = next(_lines(conn))
                argv, cwd = list(request["argv"]), str(request["cwd"])
                terminal = {k: str(v) for k, v in dict(request.get("terminal") or {}).items()
                            if k in TERMINAL_VARS}
            except (StopIteration, OSError, ValueError, KeyError, TypeError):
                return
            if busy:
                _send_quietly(conn, {"busy": True})
                return
            conn.settimeout(None)
            reply = Reply(conn)
            code = handle(argv, cwd, terminal, reply)
            reply.send({"exit": code})

    def close(self) -> None:
        """Stop listening and remove the socket file (if it is still this one)."""
        self.sock.close()
        try:
            st = os.lstat(self.path)
            if (st.st_ino, st.st_dev) == self._identity:
                self.path.unlink()
        except OSError:
            pass


class Reply:
    """Output for one handed-off command; a caller that went away is not an error."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.gone = False

    def send(self, message: dict[str, Any]) -> None:
        if not self.gone:
            self.gone = not _send_quietly(self.conn, message)

    def stream(self, key: str) -> "_ReplyStream":
        """A text stream whose writes reach the caller's stdout (``out``) or stderr."""
        return _ReplyStream(self, key)


class _ReplyStream:
    def __init__(self, reply: Reply, key: str) -> None:
        self.reply, self.key = reply, key
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        if text:
            self.reply.send({self.key: text})
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("a handed-off command's output is a socket, not a file")


def _send_quietly(conn: socket.socket, message: dict[str, Any]) -> bool:
    try:
        _send(conn, message)
        return True
    except OSError:
        return False
