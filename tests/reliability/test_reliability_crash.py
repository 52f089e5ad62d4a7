"""Point 1: kill -9 of the runtime (CLI) or the warm worker at chosen and random moments.

A test-only hook (``workbench/store/faults.py``: ``WORKBENCH_FAULT``) pauses the process
inside a blob write, after a task's blobs exist but before its catalog commit, and inside that
commit; the test kills it there with SIGKILL (12 kills: 9 of the CLI runtime, 3 of the warm worker).
Fourteen more kill the CLI at random moments of the run. After every kill: the run reads crashed, every artifact the catalog lists is present,
hashes to its key and unpickles to the right value, the first run is untouched, no process
is left, and the store keeps working. At the end ``workbench gc`` leaves no temp file and no
unreferenced blob, and a new run gets the next number.
"""
from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rel_helpers import (TAG_VAR, check_store, env_for, referenced_and_present, run_cli,
                         start_cli, tagged_pids, wait_for, wait_no_tagged)

MB = 24  # per large artifact: two are written per run (~48 MB)

FLOW = """
    import numpy as np
    from workbench import FlowSpec, Parameter, step

    class Crashy(FlowSpec):
        seed = Parameter("seed", default=0)
        mb = Parameter("mb", default=24)

        @step
        def start(self):
            self.a = np.random.default_rng(self.seed).random(self.mb * 131072)
            self.label = f"seed {self.seed}"
            self.next(self.middle)

        @step
        def middle(self):
            self.b = self.a + 1.0
            self.next(self.end)

        @step
        def end(self):
            self.total = float(self.b[:1000].sum())
"""


def _values_ok(step: str, values: dict, params: dict) -> None:
    """Every artifact a task row lists has the value the step computed."""
    seed = params["seed"]
    if "a" in values:
        expected = np.random.default_rng(seed).random(MB * 131072)
        assert np.array_equal(values["a"], expected), f"{step}: a differs for seed {seed}"
        assert values["label"] == f"seed {seed}"
    if "b" in values:
        assert np.array_equal(values["b"], values["a"] + 1.0), f"{step}: b != a + 1"
    if "total" in values:
        assert values["total"] == float(values["b"][:1000].sum())


def _run_row(store_dir: Path, number: int):
    from workbench.store import Catalog

    catalog = Catalog(store_dir / "catalog.sqlite")
    try:
        return catalog.get_run("Crashy", number)
    finally:
        catalog.close()


def _baseline(cli, flow: Path) -> tuple[dict, float]:
    """Run 1, completed: the keys of its artifacts (checked untouched after every kill)."""
    result = cli("run", flow, "--param", "seed=1000", "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    from workbench.client import Flow

    run = Flow("Crashy")[1]
    keys = {(t.step_name, a.name): a.sha for t in (s.task for s in run) for a in t.artifacts}
    return keys, run.duration


def _after_kill(store_dir: Path, tag: str, number: int, baseline: dict) -> str:
    """The checks every kill is followed by; returns the killed run's status."""
    assert wait_no_tagged(tag, 5) == [], "processes left running after the kill"
    row = _run_row(store_dir, number)
    assert row is not None
    assert row.status in ("crashed", "succeeded"), row.status  # succeeded: killed after it ended
    check_store(store_dir, "Crashy", _values_ok)
    from workbench.client import Flow

    first = Flow("Crashy")[1]
    now = {(t.step_name, a.name): a.sha for t in (s.task for s in first) for a in t.artifacts}
    assert now == baseline and first.status == "succeeded"
    return row.status


def _final_checks(cli, flow: Path, store_dir: Path, runs_so_far: int) -> None:
    """Every command works, gc cleans temp files and orphan blobs, numbering continues."""
    listed = cli("runs", flow, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = listed.json()
    assert sorted(r["run"] for r in rows) == list(range(1, runs_so_far + 1))
    crashed = [r["run"] for r in rows if r["status"] == "crashed"]
    assert crashed, "no run reads as crashed"
    shown = cli("show", f"Crashy/{crashed[0]}", "--json")
    assert shown.returncode == 0 and shown.json()["status"] == "crashed", shown.stderr
    for task in shown.json()["tasks"]:
        assert cli("logs", task["pathspec"]).returncode == 0
        assert cli("show", task["pathspec"]).returncode == 0
    assert cli("status", flow).returncode == 0
    gc = cli("gc", "Crashy", "--json")
    assert gc.returncode == 0, gc.stderr
    assert list((store_dir / "tmp").iterdir()) == [], "gc left temp files"
    # Blobs of killed tasks have no rows; gc removes them once past the grace period.
    from workbench.store.gc import gc as run_gc
    from workbench.store import Store

    store = Store(store_dir)
    try:
        run_gc(store, "Crashy", keep_spins=5, blob_grace=0)
    finally:
        store.close()
    referenced, present = referenced_and_present(store_dir)
    assert referenced <= present, "an artifact row points at a missing blob"
    assert present <= referenced, "gc left unreferenced blobs"
    again = cli("run", flow, "--param", "seed=7", "--json", "--quiet")
    assert again.returncode == 0, again.stderr
    assert again.json()["run"] == runs_so_far + 1 and again.json()["status"] == "succeeded"
    check_store(store_dir, "Crashy", _values_ok)


def _kill_cli_at(flow: Path, store_dir: Path, tmp_path: Path, tag: str, seed: int,
                 fault: str, rng: random.Random) -> None:
    mark = tmp_path / f"mark-{seed}"
    proc = start_cli(["run", flow, "--param", f"seed={seed}", "--quiet"], store_dir, tag,
                     tmp_path, WORKBENCH_FAULT=fault, WORKBENCH_FAULT_MARK=str(mark))
    try:
        wait_for(mark.exists, 30, f"fault point {fault}")
        time.sleep(rng.uniform(0, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(10)


@pytest.mark.heavy
def test_kill_at_fault_points(cli, write_flow, client, store_dir, tmp_path, tag, monkeypatch):
    flow = write_flow(FLOW)
    baseline, _ = _baseline(cli, flow)
    rng = random.Random(1)
    number = 1
    # skip=N pauses at the (N+1)th time the point is reached: start's, middle's, end's.
    cases = [f"{point}:sleep=3:skip={skip}" for point in ("blob_write", "after_blobs", "commit")
             for skip in (0, 1, 2)]
    for seed, fault in enumerate(cases):
        number += 1
        _kill_cli_at(flow, store_dir, tmp_path, tag, seed, fault, rng)
        assert _after_kill(store_dir, tag, number, baseline) == "crashed", fault
        if fault.startswith("blob_write") and fault.endswith("skip=0"):
            assert list((store_dir / "tmp").iterdir()), "the kill left no half-written blob"
    # The same through the warm worker the TUI and the Python API use.
    from workbench.engine.worker import EngineWorker

    for seed, point in enumerate(("blob_write", "after_blobs", "commit"), start=100):
        number += 1
        mark = tmp_path / f"mark-w{seed}"
        for key, value in env_for(store_dir, tag, WORKBENCH_FAULT=f"{point}:sleep=3:skip=1",
                                  WORKBENCH_FAULT_MARK=str(mark)).items():
            if key.startswith("WORKBENCH_") or key == TAG_VAR:
                monkeypatch.setenv(key, value)
        worker = EngineWorker(flow, store_dir)
        worker.start()
        events = worker.events()
        threading.Thread(target=lambda: [None for _ in events], daemon=True).start()
        worker.run({"seed": str(seed)})
        wait_for(mark.exists, 30, f"worker at {point}")
        time.sleep(rng.uniform(0, 0.3))
        os.kill(worker._proc.pid, signal.SIGKILL)
        worker._proc.wait(10)
        assert _after_kill(store_dir, tag, number, baseline) == "crashed", point
    for key in ("WORKBENCH_FAULT", "WORKBENCH_FAULT_MARK"):
        monkeypatch.delenv(key)
    _final_checks(cli, flow, store_dir, number)


@pytest.mark.heavy
def test_kill_at_random_moments(cli, write_flow, client, store_dir, tmp_path, tag):
    flow = write_flow(FLOW)
    baseline, duration = _baseline(cli, flow)
    rng = random.Random(2)
    statuses = []
    number = 1
    for seed in range(14):
        number += 1
        proc = start_cli(["run", flow, "--param", f"seed={seed}", "--quiet"], store_dir, tag,
                         tmp_path)
        try:  # time the kill from the moment the run exists, across its whole execution
            wait_for(lambda: _run_row(store_dir, number), 30, f"run {number} to start")
            time.sleep(rng.uniform(0, duration))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(10)
        statuses.append(_after_kill(store_dir, tag, number, baseline))
    print("random kills:", statuses)
    assert "crashed" in statuses
    _final_checks(cli, flow, store_dir, number)


PAUSED = """
    import time
    import numpy as np
    from workbench import FlowSpec, step

    class Paused(FlowSpec):
        @step
        def start(self):
            self.next(self.fast, self.slow)

        @step
        def fast(self):
            self.data = np.random.default_rng(1).random(200_000)
            print("fast done", flush=True)
            self.next(self.join)

        @step
        def slow(self):
            time.sleep(2)
            self.next(self.join)

        @step
        def join(self, inputs):
            self.total = float(inputs.fast.data.sum())
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def test_a_paused_run_stays_running_and_loses_nothing(write_flow, store_dir, tmp_path, tag):
    """Ctrl-Z on `workbench run`: long past the heartbeat limit the run still reads running
    (its process is alive), gc leaves its fresh blobs alone, and after `fg` it finishes with
    every artifact (issue 8/14 item 1)."""
    flow = write_flow(PAUSED)
    log = tmp_path / "paused.log"
    proc = start_cli(["run", flow], store_dir, tag, tmp_path, log)
    try:
        wait_for(lambda: "fast done" in log.read_text(errors="replace"), 60, "the fast branch")
        time.sleep(0.3)  # its blobs written and committed
        os.killpg(proc.pid, signal.SIGSTOP)
        time.sleep(2.5)
        stale = {"WORKBENCH_STALE_AFTER": "1"}  # readers that would call a 1 s-old heartbeat dead
        runs = run_cli(["runs", flow, "--json"], store_dir, tmp_path, **stale)
        assert [r["status"] for r in json.loads(runs.stdout)] == ["running"], runs.stdout
        swept = run_cli(["gc", flow, "--json"], store_dir, tmp_path, **stale)
        assert swept.returncode == 0, swept.stderr
        report = json.loads(swept.stdout)
        assert report["removed_blobs"] == 0 and "is running" in report["blob_sweep_skipped"]
    finally:
        os.killpg(proc.pid, signal.SIGCONT)
    assert proc.wait(60) == 0, log.read_text(errors="replace")
    shown = run_cli(["show", "Paused/1", "--json"], store_dir, tmp_path)
    doc = json.loads(shown.stdout)
    assert doc["status"] == "succeeded"
    assert {t["step"]: t["status"] for t in doc["tasks"]}["join"] == "succeeded"
    check_store(store_dir, "Paused")


def test_a_task_whose_blobs_vanish_before_its_commit_fails_clearly(write_flow, store_dir,
                                                                   tmp_path, tag):
    """Blobs removed between a task writing them and the runtime recording it: the task
    fails naming the artifact and the file, never succeeds without its data (item 1)."""
    flow = write_flow(PAUSED)
    mark = tmp_path / "mark"
    log = tmp_path / "vanish.log"
    # pause where fast's blobs are written but not recorded (start is the 1st time, then
    # fast and slow race: pause at both, remove whatever blob files exist meanwhile)
    proc = start_cli(["run", flow, "--max-workers", "1"], store_dir, tag, tmp_path, log,
                     WORKBENCH_FAULT="after_blobs:sleep=2:skip=1",
                     WORKBENCH_FAULT_MARK=str(mark))
    wait_for(mark.exists, 60, "the pause after fast's blobs")
    for blob in (store_dir / "blobs").rglob("*"):
        if blob.is_file():
            blob.unlink()
    assert proc.wait(60) == 1, log.read_text(errors="replace")
    shown = json.loads(run_cli(["show", "Paused/1", "--json"], store_dir, tmp_path).stdout)
    failed = [t for t in shown["tasks"] if t["status"] == "failed"]
    assert failed and failed[0]["exception"].startswith("BlobMissingError: the task wrote"), \
        shown["tasks"]
    assert "is gone before it was recorded" in failed[0]["exception"]
