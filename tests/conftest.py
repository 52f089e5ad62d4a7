"""Shared fixtures: a temporary store, flow files written on the fly, the real CLI."""
from __future__ import annotations

import asyncio
import inspect
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_FLOWS = REPO / "sample_flows"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def write_flow(tmp_path: Path):
    """Write ``source`` (dedented) to ``tmp_path/name`` and return its path."""

    def write(source: str, name: str = "flow.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source).lstrip())
        return path

    return write


def cli_env(store: Path | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WORKBENCH_STORE", None)
    if store is not None:
        env["WORKBENCH_STORE"] = str(store)
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


@pytest.fixture
def cli(store_dir: Path, tmp_path: Path):
    """Run ``workbench ARGS...`` as a real process against the test store."""

    def run(*args: str, timeout: float = 120, cwd: Path | None = None,
            **env: str) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-m", "workbench", *map(str, args)],
            capture_output=True, text=True, timeout=timeout, cwd=cwd or tmp_path,
            env=cli_env(store_dir, **env),
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    run.store_dir = store_dir  # type: ignore[attr-defined]
    return run


@pytest.fixture
def client(store_dir: Path):
    """The client API pointed at the test store."""
    import workbench.client as client_module

    client_module.set_store(store_dir)
    yield client_module
    client_module.set_store(None)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (the app's, with the Pilot) in a fresh event loop (no asyncio
    plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames  # noqa: SLF001
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True
