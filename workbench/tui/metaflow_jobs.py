"""The app's Metaflow jobs: the headless commands run as a child process, lines streamed back.

``workbench import-metaflow`` and ``workbench run --metaflow`` import the real Metaflow and
(for a run) its Runner, which reloads Metaflow's CLI modules and starts subprocesses of its
own. None of that belongs in the app's process, so the app runs the same commands a user would
type, with ``--json``: progress lines arrive on stderr, the result as JSON on stdout.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable

from ..display import safe


@dataclass
class JobResult:
    """How a job ended: its exit code, its JSON result (None if it printed none), and its
    last error line (what to show when it failed)."""

    returncode: int
    result: Any
    error: str = ""


def import_args(target: str, all_runs: bool, root: str, store: str) -> list[str]:
    """``workbench import-metaflow`` arguments for the import form's values."""
    args = ["import-metaflow", target, "--json", "--store", store]
    if all_runs:
        args.append("--all")
    if root:
        args += ["--root", root]
    return args


def run_args(flow_file: str, params: dict[str, str], with_specs: list[str], datastore: str,
             store: str) -> list[str]:
    """``workbench run FLOW --metaflow`` arguments for the run form's values."""
    args = ["run", flow_file, "--metaflow", "--json", "--store", store]
    for name, value in params.items():
        args += ["--param", f"{name}={value}"]
    for spec in with_specs:
        args += ["--with", spec]
    if datastore:
        args += ["--datastore", datastore]
    return args


def run_job(args: list[str], on_line: Callable[[str, bool], None],
            cancelled: Callable[[], bool] = lambda: False) -> JobResult:
    """Run ``workbench *args`` and call ``on_line(text, is_error)`` for each stderr line
    (sanitised) as it comes; returns when the command has exited."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, errors="replace")
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    last_error = ""
    for raw in proc.stderr:  # type: ignore[union-attr]
        line = safe(raw.rstrip("\n"))
        is_error = line.startswith("workbench: error:")
        if is_error:
            last_error = line.removeprefix("workbench: error:").strip()
        on_line(line, is_error)
        if cancelled():
            proc.terminate()
    code = proc.wait()
    reader.join()
    try:
        result = json.loads(out[0]) if out and out[0].strip() else None
    except ValueError:
        result = None
    return JobResult(code, result, last_error)
