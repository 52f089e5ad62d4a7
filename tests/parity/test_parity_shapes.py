"""Every graph shape Metaflow's own test suite uses (test/core/graphs), and a few more: a run,
a spin of every step (every split) and a resume from every step, all checked against the
artifacts real Metaflow 2.19 produces for the same flow.

The run goes through the CLI (``workbench FLOW.py run``, as ``python FLOW.py run`` under
Metaflow); spins and resumes through the Python API's warm worker. A spin with unchanged
code on run 1's inputs must reproduce run 1's artifacts byte for byte (every artifact
``unchanged``, compared with run 1's task by the lineage rule); a resume must end with the
same artifacts in every step. Run 1 must equal Metaflow's run, step by step and task by task,
so all three equal what Metaflow computes.

Joins over static branches sort what they collect: Metaflow hands a branch join its inputs
in the iteration order of a set of step names, which changes from one run to the next
(workbench: declaration order, tested in tests/engine/test_loop_rules.py).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parity_helpers import READER, _env, metaflow_python
from reader import artifacts as read_artifacts
from reader import normalize

SHAPES_DIR = Path(__file__).resolve().parent / "shapes"
SHAPES = sorted(p.stem for p in SHAPES_DIR.glob("*.py"))


def _flow_name(file: Path) -> str:
    from workbench.flow import parse_graph

    return parse_graph(file).name


def read_run(run) -> dict:
    """A workbench run as reader.py prints a Metaflow run (same normalization)."""
    steps = {}
    for step in run:
        tasks = [read_artifacts(task) for task in step]
        steps[step.id] = sorted(tasks, key=lambda t: json.dumps(t, sort_keys=True, default=repr))
    data = run.data
    end = {} if data is None else {name: normalize(getattr(data, name)) for name in dir(data)
                                   if not name.startswith("_") and name != "name"}
    return {"successful": run.successful, "steps": steps, "end": end}


@pytest.fixture(scope="module")
def metaflow_reads(tmp_path_factory):
    """``reads(shape)``: Metaflow's run of the shape, read by reader.py (None without it)."""
    root = tmp_path_factory.mktemp("shapes-metaflow")
    cache: dict[str, dict | None] = {}

    def get(shape: str) -> dict | None:
        python = metaflow_python()
        if python is None:
            return None
        if shape not in cache:
            work = root / shape
            work.mkdir()
            shutil.copy(SHAPES_DIR / f"{shape}.py", work / f"{shape}.py")
            env = _env("metaflow", work)
            proc = subprocess.run([python, f"{shape}.py", "run"], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            read = subprocess.run([python, str(READER), "metaflow",
                                   _flow_name(work / f"{shape}.py")], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=120)
            assert read.returncode == 0, read.stdout + read.stderr
            doc = json.loads(read.stdout)
            cache[shape] = {k: doc[k] for k in ("successful", "steps", "end")}
        return cache[shape]

    return get


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_runs_spins_and_resumes_like_metaflow(shape, tmp_path, metaflow_reads):
    import workbench
    from workbench.client import Run
    from workbench.queries import split_path

    flow = tmp_path / f"{shape}.py"
    shutil.copy(SHAPES_DIR / f"{shape}.py", flow)
    store = tmp_path / ".workbench"
    env = _env("workbench", tmp_path)
    proc = subprocess.run([sys.executable, "-m", "workbench", str(flow), "run"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    name = _flow_name(flow)
    run1 = Run(f"{name}/1", store=store)
    ours = read_run(run1)
    assert ours["successful"] and "end" in ours["steps"], ours
    theirs = metaflow_reads(shape)
    if theirs is not None:
        assert sorted(ours["steps"]) == sorted(theirs["steps"])  # the branches a switch took
        for step in theirs["steps"]:
            assert ours["steps"][step] == theirs["steps"][step], step
        assert ours["end"] == theirs["end"]

    ran = [step.id for step in run1]
    try:
        for step in ran:
            spun = workbench.spin(flow, step, run=1, all_splits=True, store=store)
            assert spun.successful, (step, spun.run.record.message)
            assert spun.diffs, step
            for task_diff in spun.diffs:
                before = task_diff.before
                assert before is not None and before.run_number == 1, (step, task_diff.error)
                assert split_path(before) == split_path(task_diff.task)
                changed = [(d.name, d.change) for d in task_diff.diffs
                           if d.change != "unchanged"]
                assert not changed, (step, task_diff.header, changed)
        for step in ran:
            resumed = workbench.resume(flow, step, run=1, store=store)
            assert resumed.successful, (step, resumed.run.record.message)
            again = read_run(resumed.run)
            assert again["end"] == ours["end"], step
            for name in ran:  # each re-executed task against run 1's (k-th loop: k-th)
                for task_diff in resumed.run.diffs(name):
                    assert task_diff.before is not None, (step, task_diff.header)
                    assert not task_diff.changed(), (step, task_diff.header)
            for name in ours["steps"]:
                assert again["steps"].get(name) == ours["steps"][name], (step, name)
    finally:
        workbench.api.shutdown_workers()
