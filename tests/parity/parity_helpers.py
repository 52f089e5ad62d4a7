"""Helpers of tests/parity: run the same Metaflow-style flows under workbench and under real Metaflow, and read both.

Workbench runs use the script habits (``workbench FLOW.py run --name value``, the command line
``python FLOW.py run --name value`` gets under Metaflow). Metaflow runs are subprocesses of an
interpreter that has Metaflow (this one with the ``parity`` extra installed, or
``$WORKBENCH_PARITY_PYTHON``) with a local datastore and metadata in a temporary directory.
Each scenario runs once per test process and system; results are read by ``reader.py``
through each system's Metaflow client.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata as dist_metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOWS = HERE / "flows"
READER = HERE / "reader.py"
REPO = HERE.parents[1]
USER = "parity"

# scenario -> (commands: (flow file, arguments after it), flow whose latest run is read)
SCENARIOS: dict[str, tuple[list[tuple[str, list[str]]], str | None]] = {
    "branch": ([("branch_flow.py", ["run"])], "ParityBranchFlow"),
    "foreach": ([("foreach_flow.py", ["run", "--mode", "slow"])], "ParityForeachFlow"),
    "catch": ([("catch_retry_flow.py", ["run"])], "ParityCatchFlow"),
    "params": ([("params_flow.py", ["run", "--alpha", "2", "--flag", "True", "--on", "false",
                                     "--n", "5", "--cfg", '{"b": [1, 2]}'])],
               "ParityParamsFlow"),
    "consumer": ([("producer_flow.py", ["run"]), ("consumer_flow.py", ["run"])],
                 "ParityConsumer"),
    "no_next": ([("no_next_flow.py", ["run"])], None),
    "which": ([("which_flow.py", ["run"])], "ParityWhichFlow"),
    "api": ([("api_flow.py", ["run", "--tag", "t1", "--tag", "t0"])], "ParityApiFlow"),
    "client": ([("client_flow.py", ["run", "--tag", "TAG"])], "ParityClientFlow"),
    "parallel": ([("parallel_flow.py", ["run"])], "ParityParallelFlow"),
    "config": ([("config_flow.py", ["--config", "data", "data_config.json", "run"])],
               "ParityConfigFlow"),
}


def real_metaflow_installed() -> bool:
    """Whether this interpreter can import the real Metaflow (installed, not an alias)."""
    try:
        dist_metadata.distribution("metaflow")
    except dist_metadata.PackageNotFoundError:
        return False
    return True


def metaflow_python() -> str | None:
    """An interpreter with real Metaflow: ``$WORKBENCH_PARITY_PYTHON``, else this one."""
    explicit = os.environ.get("WORKBENCH_PARITY_PYTHON")
    if explicit:
        return explicit
    return sys.executable if real_metaflow_installed() else None


SKIP_REASON = ("real Metaflow is not installed: pip install -e '.[test,parity]' (or set "
               "WORKBENCH_PARITY_PYTHON to a Python that has metaflow) to compare with it")


@dataclass
class Outcome:
    """What one scenario did under one system."""

    returncodes: list[int]
    outputs: list[str]
    data: dict | None = None
    workdir: Path = field(default=Path("."))

    @property
    def output(self) -> str:
        return "\n".join(self.outputs)


def _env(system: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("METAFLOW_", "WORKBENCH_"))}
    env.update(METAFLOW_USER=USER, USERNAME=USER, COLUMNS="200", PYTHONDONTWRITEBYTECODE="1")
    if system == "workbench":
        env["WORKBENCH_STORE"] = str(workdir / ".workbench")
    else:
        env.update(METAFLOW_DEFAULT_DATASTORE="local", METAFLOW_DEFAULT_METADATA="local",
                   METAFLOW_DATASTORE_SYSROOT_LOCAL=str(workdir),
                   METAFLOW_HOME=str(workdir / "mfhome"))
    return env


def execute(system: str, scenario: str, root: Path) -> Outcome:
    """Copy the flows to a fresh directory and run the scenario there (cwd = that directory)."""
    commands, read_flow = SCENARIOS[scenario]
    workdir = root / f"{system}-{scenario}"
    shutil.copytree(FLOWS, workdir)
    env = _env(system, workdir)
    python = sys.executable if system == "workbench" else metaflow_python()
    outcome = Outcome([], [], workdir=workdir)
    for flow, args in commands:
        launcher = [python, "-m", "workbench"] if system == "workbench" else [python]
        proc = subprocess.run([*launcher, flow, *args], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=180)
        outcome.returncodes.append(proc.returncode)
        outcome.outputs.append(proc.stdout + proc.stderr)
        if proc.returncode:
            return outcome
    if read_flow:
        extra = [str(workdir / ".workbench")] if system == "workbench" else []
        proc = subprocess.run([python, str(READER), system, read_flow, *extra], cwd=workdir,
                              env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outcome.data = json.loads(proc.stdout)
    return outcome
