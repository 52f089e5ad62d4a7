"""`workbench spin` hands itself to a warm worker of the same flow and store (`workbench serve`,
or the app's worker) over a private Unix socket, and prints what the cold command prints;
a stale socket is cleaned up and a foreign one is never used. Real processes, real sockets."""
from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from workbench.engine.handoff import socket_path


def cli_env(store: Path, **extra: str) -> dict[str, str]:
    """The environment the CLI runs in (as the suite's ``cli`` fixture builds it)."""
    env = dict(os.environ, WORKBENCH_STORE=str(store), COLUMNS="200")
    env.update(extra)
    return env

FLOW = """
from metaflow import FlowSpec, step


class Served(FlowSpec):
    @step
    def start(self):
        self.base = 10
        self.next(self.train)

    @step
    def train(self):
        self.score = self.base * 2
        print("training")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    Served()
"""


@pytest.fixture
def runtime_dir(monkeypatch):
    """A short private XDG_RUNTIME_DIR (a Unix socket path has a 108-byte limit)."""
    where = tempfile.mkdtemp(prefix="wbrt")
    monkeypatch.setenv("XDG_RUNTIME_DIR", where)
    yield Path(where)
    subprocess.run(["rm", "-rf", where])


@pytest.fixture
def served(tmp_path, store_dir, runtime_dir, cli):
    """A flow with one run, and `workbench serve` running for it."""
    flow = tmp_path / "served_flow.py"
    flow.write_text(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    env = cli_env(store_dir, XDG_RUNTIME_DIR=str(runtime_dir))
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "serve", str(flow)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path)
    path = socket_path(flow, store_dir)
    deadline = time.monotonic() + 60
    while not (path.exists() and _answers(path)):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the server never listened"
        time.sleep(0.05)
    yield flow, proc, env
    proc.terminate()
    proc.wait(10)
    assert not path.exists()  # a server that stops removes its socket


def _answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _spin(flow: Path, env: dict, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", "spin", str(flow), *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def _pid_of_run(store_dir: Path, number: int) -> int:
    with sqlite3.connect(store_dir / "catalog.sqlite") as conn:
        return conn.execute("SELECT pid FROM runs WHERE number = ?", (number,)).fetchone()[0]


def _shape(text: str) -> str:
    """Output with numbers and times blanked: two spins print the same shape."""
    return re.sub(r"\d+(\.\d+)?", "N", text)


def test_a_spin_is_answered_by_the_warm_server_as_the_cold_command_prints_it(
        served, store_dir, tmp_path):
    flow, proc, env = served
    warm = _spin(flow, env, "train", cwd=tmp_path)
    assert warm.returncode == 0, warm.stderr
    assert _pid_of_run(store_dir, 2) == proc.pid  # executed in the server, not here
    cold = _spin(flow, {**env, "WORKBENCH_HANDOFF": "0"}, "train", cwd=tmp_path)
    assert cold.returncode == 0, cold.stderr
    assert _pid_of_run(store_dir, 3) != proc.pid
    assert _shape(warm.stdout) == _shape(cold.stdout)
    assert "[train/" in warm.stdout and "training" in warm.stdout
    assert "no artifact changed" in warm.stdout

    # the editor's loop: save an edit, spin again: the server re-imports the flow file
    flow.write_text(FLOW.replace("self.base * 2", "self.base * 3"))
    edited = _spin(flow, env, "train", "--json", cwd=tmp_path)
    assert edited.returncode == 0, edited.stderr
    assert _pid_of_run(store_dir, 4) == proc.pid
    import json

    doc = json.loads(edited.stdout)
    assert doc["before"].startswith("Served/3/train/")  # the chained spin's before
    score = next(d for d in doc["diff"] if d["name"] == "score")
    assert score["change"] == "changed"
    assert "30" in json.dumps(score)

    # errors come back as the CLI prints them: one line, exit 2
    bad = _spin(flow, env, "nosuchstep", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("workbench: error:")
    assert "Traceback" not in bad.stderr


def test_a_stale_socket_is_removed_and_the_spin_runs_here(tmp_path, store_dir, runtime_dir,
                                                          cli):
    flow = tmp_path / "served_flow.py"
    flow.write_text(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    path = socket_path(flow, store_dir)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # a worker that died without removing its socket
    dead.close()
    assert path.exists()
    env = cli_env(store_dir, XDG_RUNTIME_DIR=str(runtime_dir))
    done = _spin(flow, env, "train", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not path.exists()
    assert "no artifact changed" in done.stdout


def test_a_listening_worker_sweeps_the_sockets_of_dead_workers(tmp_path, store_dir,
                                                              runtime_dir):
    from workbench.engine.handoff import HandoffServer, socket_dir

    where = socket_dir()
    dead = where / "0123456789abcdef0000.sock"
    gone = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    gone.bind(str(dead))  # a worker killed before it could remove its socket
    gone.close()
    young = where / "0123456789abcdef1111.sock"
    binding = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    binding.bind(str(young))  # bound a moment ago, not listening yet: maybe starting
    an_hour_ago = time.time() - 3600
    os.utime(dead, (an_hour_ago, an_hour_ago), follow_symlinks=False)
    alive_path = where / "fedcba98765432100000.sock"
    alive = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    alive.bind(str(alive_path))
    alive.listen(1)
    flow = tmp_path / "served_flow.py"
    flow.write_text(FLOW)
    server = HandoffServer.listen(flow, store_dir)
    try:
        assert server is not None and server.path.exists()
        assert not dead.exists()  # swept
        assert alive_path.exists()  # a worker that answers is left alone
        assert young.exists()  # too young to tell
    finally:
        server.close()
        alive.close()
        binding.close()


def test_a_socket_directory_others_may_write_is_never_used(tmp_path, store_dir, cli,
                                                          monkeypatch):
    flow = tmp_path / "served_flow.py"
    flow.write_text(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    base = Path(tempfile.mkdtemp(prefix="wbrt"))
    shared = base / "workbench"
    shared.mkdir()
    shared.chmod(0o777)  # anyone could plant a socket here
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    assert socket_path(flow, store_dir) is None
    from workbench.engine.handoff import HandoffServer

    assert HandoffServer.listen(flow, store_dir) is None  # nor does a worker listen there
    env = cli_env(store_dir, XDG_RUNTIME_DIR=str(base))
    done = _spin(flow, env, "train", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert list(shared.iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a file another user owns")
def test_a_socket_another_user_owns_is_left_alone(tmp_path, store_dir, runtime_dir, cli):
    flow = tmp_path / "served_flow.py"
    flow.write_text(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    path = socket_path(flow, store_dir)
    planted = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    planted.bind(str(path))
    planted.listen(1)
    os.chown(path, 65534, 65534)
    env = cli_env(store_dir, XDG_RUNTIME_DIR=str(runtime_dir))
    done = _spin(flow, env, "train", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert path.exists()  # not ours: neither used nor removed
    planted.setblocking(False)
    with pytest.raises(BlockingIOError):
        planted.accept()  # nobody connected to it
    planted.close()


def test_the_apps_worker_answers_too(tmp_path, store_dir, runtime_dir, cli, monkeypatch):
    """The app's engine worker (EngineWorker, what the app starts) listens as serve does."""
    from workbench.engine.protocol import name_of
    from workbench.engine.worker import EngineWorker

    flow = tmp_path / "served_flow.py"
    flow.write_text(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    monkeypatch.delenv("WORKBENCH_STORE", raising=False)  # the worker knows its store by arg
    monkeypatch.chdir(tmp_path)
    worker = EngineWorker(flow, store_dir)
    worker.start()
    try:
        events = worker.events()
        assert name_of(next(events)) == "ready"
        path = socket_path(flow, store_dir)
        assert path.exists()
        env = cli_env(store_dir, XDG_RUNTIME_DIR=str(runtime_dir))
        done = _spin(flow, env, "train", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert _pid_of_run(store_dir, 2) == worker._proc.pid
    finally:
        worker.stop()
    assert not path.exists()
