"""Store economy, cancellation, crashes, concurrent readers and script mode, on real processes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env


def _blob_files(store: Path) -> list[Path]:
    return [p for p in (store / "blobs").rglob("*") if p.is_file()]


def test_untouched_dataframe_is_stored_once_and_never_repickled(cli, write_flow, client,
                                                                 store_dir, tmp_path):
    pickles = tmp_path / "pickles.log"
    flow = write_flow(f"""
        import numpy as np
        import pandas as pd
        from workbench import FlowSpec, step

        class Tracked:
            '''Holds a frame and notes every time it is pickled.'''
            def __init__(self, df):
                self.df = df
            def __getstate__(self):
                with open({str(pickles)!r}, "a") as fh:
                    fh.write("pickled\\n")
                return self.__dict__

        class Dedup(FlowSpec):
            @step
            def start(self):
                df = pd.DataFrame(np.arange(5_000_000, dtype="float64").reshape(1_000_000, 5),
                                  columns=list("abcde"))
                self.big = Tracked(df)
                self.next(self.one)

            @step
            def one(self):
                self.small = 1
                self.next(self.two)

            @step
            def two(self):
                self.small += 1
                self.next(self.three)

            @step
            def three(self):
                self.small += 1
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stdout + result.stderr
    assert pickles.read_text().count("pickled") == 1
    run = client.Flow("Dedup").latest_run
    keys = {run[s].task["big"].sha for s in ("start", "one", "two", "three", "end")}
    assert len(keys) == 1
    big_files = [p for p in _blob_files(store_dir) if p.stat().st_size > 30_000_000]
    assert len(big_files) == 1
    assert run["end"].task.data.big.df.shape == (1_000_000, 5)


def _start_run(flow: Path, store: Path, tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workbench", "run", str(flow)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=tmp_path, env=cli_env(store))


def _wait_for_line(proc: subprocess.Popen, needle: str, timeout: float = 30) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never printed; got {seen!r}")


SLEEPY = """
    import os, time
    from workbench import FlowSpec, step

    class Sleepy(FlowSpec):
        @step
        def start(self):
            self.items = [1, 2]
            self.next(self.nap, foreach="items")

        @step
        def nap(self):
            print("napping", os.getpid(), flush=True)
            time.sleep(120)
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_ctrl_c_cancels_run_and_stops_tasks(write_flow, store_dir, tmp_path, client):
    flow = write_flow(SLEEPY)
    proc = _start_run(flow, store_dir, tmp_path)
    lines = _wait_for_line(proc, "napping")
    task_pid = int(next(l for l in lines if "napping" in l).split()[-1])
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    assert time.monotonic() - started < 5
    assert proc.returncode != 0
    run = client.Flow("Sleepy").latest_run
    assert run.status == "cancelled"
    assert all(t.status == "cancelled" for t in run["nap"].tasks())
    deadline = time.monotonic() + 3
    while _pid_alive(task_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _pid_alive(task_pid)


def test_killed_runtime_reads_as_crashed(write_flow, store_dir, tmp_path, cli):
    flow = write_flow(SLEEPY)
    proc = _start_run(flow, store_dir, tmp_path)
    lines = _wait_for_line(proc, "napping")
    task_pid = int(next(l for l in lines if "napping" in l).split()[-1])
    proc.kill()
    proc.wait(timeout=10)
    try:
        result = cli("runs", flow, "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)[0]["status"] == "crashed"
        shown = cli("show", "Sleepy/1", "--json")
        assert shown.returncode == 0
        assert shown.json()["status"] == "crashed"
    finally:
        try:
            os.killpg(task_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_client_reads_from_another_process_while_running(write_flow, store_dir, tmp_path):
    flow = write_flow("""
        import time
        from workbench import FlowSpec, step

        class Progress(FlowSpec):
            @step
            def start(self):
                self.stage = "started"
                self.next(self.slow)

            @step
            def slow(self):
                print("slow step running", flush=True)
                time.sleep(3)
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    proc = _start_run(flow, store_dir, tmp_path)
    _wait_for_line(proc, "slow step running")
    reader = subprocess.run(
        [sys.executable, "-c",
         "from workbench import Flow, set_store; import sys; set_store(sys.argv[1]);"
         "run = Flow('Progress').latest_run;"
         "print(run.finished, run['start'].task.data.stage, run['slow'].task.finished)",
         str(store_dir)],
        capture_output=True, text=True, timeout=60, env=cli_env(store_dir))
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.split() == ["False", "started", "False"]
    proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_flow_file_runs_as_a_script_with_metaflow_style_parameters(write_flow, store_dir,
                                                                    tmp_path, client):
    flow = write_flow("""
        from workbench import FlowSpec, Parameter, step

        class Script(FlowSpec):
            alpha = Parameter("alpha", default=0.1, help="learning rate")
            use_gpu = Parameter("use_gpu", default=False, type=bool)

            @step
            def start(self):
                self.seen = (self.alpha, self.use_gpu)
                self.next(self.end)

            @step
            def end(self):
                pass

        if __name__ == "__main__":
            Script()
    """)
    env = cli_env(store_dir)
    help_text = subprocess.run([sys.executable, str(flow), "run", "--help"], capture_output=True,
                               text=True, env=env, cwd=tmp_path)
    assert "--alpha" in help_text.stdout and "learning rate" in help_text.stdout
    proc = subprocess.run([sys.executable, str(flow), "run", "--alpha", "0.5", "--use-gpu"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert client.Flow("Script").latest_run["start"].task.data.seen == (0.5, True)
    shown = subprocess.run([sys.executable, str(flow), "show"], capture_output=True, text=True,
                           env=env, cwd=tmp_path)
    assert "Step start" in shown.stdout and "=> end" in shown.stdout
    check = subprocess.run([sys.executable, str(flow), "check"], capture_output=True, text=True,
                           env=env, cwd=tmp_path)
    assert check.returncode == 0 and "looks good" in check.stderr  # Metaflow's stream
    bad = subprocess.run([sys.executable, str(flow), "run", "--alpha", "abc"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_foreach_splits_run_in_parallel(cli, write_flow, client):
    flow = write_flow("""
        import time
        from workbench import FlowSpec, step

        class Parallel(FlowSpec):
            @step
            def start(self):
                self.items = list(range(4))
                self.next(self.work, foreach="items")

            @step
            def work(self):
                time.sleep(1)
                self.next(self.join)

            @step
            def join(self, inputs):
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    started = time.monotonic()
    result = cli("run", flow, "--max-workers", "4")
    assert result.returncode == 0
    assert time.monotonic() - started < 3.5  # four 1 s tasks at once, not one after another
    tasks = client.Flow("Parallel").latest_run["work"].tasks()
    assert [t.index for t in tasks] == [0, 1, 2, 3]
