"""Helpers for the reliability suite: real processes, /proc measurements, store checks.

Every process a test starts carries ``WORKBENCH_TEST_TAG=<unique>`` in its environment, and
so does everything it forks or spawns; `tagged_pids` finds them all through /proc, orphans
re-parented to init included.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from tests.conftest import cli_env

TAG_VAR = "WORKBENCH_TEST_TAG"


def new_tag() -> str:
    return uuid.uuid4().hex


def tagged_pids(tag: str) -> list[int]:
    """Live (non-zombie) processes whose environment carries ``tag``."""
    needle = f"{TAG_VAR}={tag}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle not in fh.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        found.append(int(entry))
    return found


def wait_no_tagged(tag: str, timeout: float = 5.0) -> list[int]:
    """Wait until no process carries ``tag``; return the ones still alive after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        left = tagged_pids(tag)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def kill_tagged(tag: str) -> None:
    """Cleanup after a failed assertion: SIGKILL whatever still carries ``tag``."""
    for pid in tagged_pids(tag):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def anon_mb(pid: int) -> float:
    """Memory of ``pid`` that is its own (anonymous: a copy of data would land here), in MB;
    pages of a mapped file, read but not written, are not counted."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Anonymous:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def children(pid: int) -> list[int]:
    """Live direct children of ``pid``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry))
    return out


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, step: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def env_for(store: Path, tag: str, **extra: str) -> dict[str, str]:
    return cli_env(store, **{TAG_VAR: tag, **extra})


def start_cli(args: list[str], store: Path, tag: str, cwd: Path, log: Path | None = None,
              **extra: str) -> subprocess.Popen:
    """``workbench ARGS`` in its own session, output to ``log`` (or discarded)."""
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen([sys.executable, "-m", "workbench", *map(str, args)],
                                stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                env=env_for(store, tag, **extra), start_new_session=True)
    finally:
        if log is not None:
            out.close()


def run_cli(args: list[str], store: Path, cwd: Path, timeout: float = 60,
            **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=cli_env(store, **extra))


def check_store(store_dir: Path, flow: str | None = None,
                value_check: Callable[[str, Any, dict], None] | None = None) -> dict[str, int]:
    """Open the store afresh and load every artifact of every run: each must be there,
    hash to its key and unpickle. Returns counts by run status and of artifacts checked."""
    from workbench.store import Store

    store = Store(store_dir, create=False)
    counts: dict[str, int] = {"artifacts": 0}
    try:
        flows = [flow] if flow else store.catalog.list_flows()
        for name in flows:
            for run in store.catalog.list_runs(name):
                counts[run.status] = counts.get(run.status, 0) + 1
                for task in store.catalog.list_tasks(run.id):
                    arts = store.catalog.list_artifacts(task.id)
                    values = {}
                    for art in arts:
                        assert store.blobs.verify(art.key), f"{task.pathspec}/{art.name} corrupt"
                        values[art.name] = store.blobs.get(art.key, verify=False)
                        counts["artifacts"] += 1
                    if value_check is not None and arts:
                        value_check(task.step, values, run.parameters)
    finally:
        store.close()
    return counts


def referenced_and_present(store_dir: Path) -> tuple[set[str], set[str]]:
    """(keys some artifact row references, keys with a blob file)."""
    from workbench.store import Store

    store = Store(store_dir, create=False)
    try:
        referenced = store.catalog.referenced_keys()
    finally:
        store.close()
    present = {p.name for p in (store_dir / "blobs").glob("*/*")}
    return referenced, present
