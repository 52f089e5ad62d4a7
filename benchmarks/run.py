"""workbench benchmarks: prints each figure next to its target and writes them as JSON.

    python benchmarks/run.py [--quick] [--json PATH] [--metaflow-python PYTHON]

Figures (targets from the speed issues):
  warm spin        request -> diff ready in the warm worker, parent holds a 1M x 5 frame
  cold CLI spin    `workbench spin` as a new process, minus `python -c "import pandas"`, in the
                   README's editable install and in a regular one (built from the wheel)
  handed-off spin  `workbench spin` wall time while `workbench serve` keeps the flow warm
  task overhead    a full run of 100 trivial foreach tasks, wall time per task
  9-task run       fresh random 48 MB frame each run, wall time against Metaflow's; and the
                   step that only reads the frame, beyond a trivial step and its own work
  blob throughput  write/read of a 1 GB frame against a plain file write/read of its bytes
  app start        the TUI with 1,000 runs in the store until the first screen is drawn
  frame diff       two 1M-row frames that differ in one column
  logs tab         the app's Logs tab on a 64 MB log (1M lines) until its last screen is drawn
  terminal         a step printing 64 MB through `workbench run` to a pty, against `cat`
  grown store      `workbench runs` and the app's first paint with 10,000 runs
  wide foreach     `workbench show` of a 5,000-split step, and the log files it left

When Metaflow is importable (by this interpreter or by --metaflow-python), the same flows also
run under Metaflow and the ratios are printed; otherwise that is said.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from queue import Queue
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPIN_FLOW = """
    import numpy as np
    import pandas as pd
    from metaflow import FlowSpec, step

    class SpinBench(FlowSpec):
        @step
        def start(self):
            rng = np.random.default_rng(0)
            self.df = pd.DataFrame(rng.random((1_000_000, 5)), columns=list("abcde"))
            self.next(self.train)

        @step
        def train(self):
            self.n = len(self.df)  # trivial work on a big parent
            self.next(self.end)

        @step
        def end(self):
            pass

    if __name__ == "__main__":
        SpinBench()
"""

FOREACH_FLOW = """
    from metaflow import FlowSpec, step

    class TaskBench(FlowSpec):
        @step
        def start(self):
            self.items = list(range(100))
            self.next(self.body, foreach="items")

        @step
        def body(self):
            self.value = self.input
            self.next(self.join)

        @step
        def join(self, inputs):
            self.total = sum(i.value for i in inputs)
            self.next(self.end)

        @step
        def end(self):
            pass

    if __name__ == "__main__":
        TaskBench()
"""

NINE_TASK_FLOW = """
    import numpy as np
    import pandas as pd
    from metaflow import FlowSpec, step

    class FreshFrames(FlowSpec):
        @step
        def start(self):
            rng = np.random.default_rng()  # fresh data every run: nothing to deduplicate
            self.df = pd.DataFrame(rng.random((1_000_000, 6)), columns=list("abcdef"))
            self.next(self.transform)

        @step
        def transform(self):
            self.df = self.df * 2.0  # a new 48 MB frame
            self.next(self.train, self.stats)

        @step
        def train(self):
            self.mean = float(self.df["f"].mean())  # reads the frame, does not change it
            self.next(self.join)

        @step
        def stats(self):
            self.std = float(self.df["a"].std())
            self.next(self.join)

        @step
        def join(self, inputs):
            self.mean = inputs.train.mean
            self.std = inputs.stats.std
            self.df = inputs.train.df
            self.next(self.evaluate)

        @step
        def evaluate(self):
            self.score = self.mean / self.std
            self.next(self.report)

        @step
        def report(self):
            self.text = f"score {self.score:.3f} over {len(self.df)} rows"
            self.next(self.publish)

        @step
        def publish(self):
            self.published = True
            self.next(self.end)

        @step
        def end(self):
            pass

    if __name__ == "__main__":
        FreshFrames()
"""


def write(dir_: Path, name: str, source: str) -> Path:
    path = dir_ / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def wb_env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["WORKBENCH_STORE"] = str(store)
    # An installed package has its bytecode cached; a shell that forbids writing it would
    # time Python compiling every module of workbench on each cold start instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


class Results:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, name: str, value: float | None, unit: str, target: str, ok: bool | None,
            note: str = "") -> None:
        self.rows.append({"name": name, "value": value, "unit": unit, "target": target,
                          "met": ok, "note": note})
        shown = "-" if value is None else (f"{value:,.1f}" if value >= 10 else f"{value:.2f}")
        verdict = {True: "met", False: "NOT MET", None: ""}[ok]
        print(f"  {name:<34} {shown:>10} {unit:<6} target {target:<16} {verdict:<8} {note}",
              flush=True)


# -- figures -----------------------------------------------------------------------------
def bench_warm_spin(work: Path, results: Results, repeats: int) -> None:
    from workbench.engine.protocol import name_of
    from workbench.engine.worker import EngineWorker

    flow = write(work, "spin_bench.py", SPIN_FLOW)
    store = work / "store-spin"
    worker = EngineWorker(flow, store)
    worker.start()
    events: Queue = Queue()
    threading.Thread(target=lambda: [events.put(e) for e in worker.events()],
                     daemon=True).start()

    def until(kind: str) -> dict:
        while True:
            event = events.get(timeout=120)
            if name_of(event) == "error":
                raise RuntimeError(event.message)
            if name_of(event) == kind:
                return event

    until("ready")
    worker.run()
    until("idle")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        worker.spin("train")
        until("spin_finished")
        times.append((time.perf_counter() - started) * 1000)
        until("idle")
    worker.stop()
    median = statistics.median(times)
    results.add("warm spin (worker/API path)", median, "ms", "< 20 ms", median < 20,
                f"median of {repeats}, min {min(times):.1f}")


def regular_install(work: Path) -> Path:
    """workbench installed from its wheel (not editable) into a directory of its own: the
    path to put first on PYTHONPATH (dependencies come from this interpreter's site)."""
    wheels, target = work / "wheel", work / "regular-site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    return target


def bench_cold_cli_spin(work: Path, results: Results, repeats: int,
                        metaflow_python: str | None) -> None:
    flow = write(work, "spin_bench.py", SPIN_FLOW)
    store = work / "store-cli"
    env = wb_env(store)
    env["WORKBENCH_HANDOFF"] = "0"  # cold: its own process, whatever else runs
    workbench = [sys.executable, "-m", "workbench"]
    timed(workbench + ["run", str(flow), "-q"], env, work)
    pandas = statistics.median(timed([sys.executable, "-c", "import pandas"], env, work)
                               for _ in range(repeats))
    installs = {"editable (README)": env}
    try:
        site = regular_install(work)
        installs["regular (wheel)"] = {**env, "PYTHONPATH": str(site)}
        where = subprocess.run([sys.executable, "-c", "import workbench; print(workbench.__file__)"],
                               env=installs["regular (wheel)"], capture_output=True, text=True,
                               cwd=work).stdout.strip()
        assert where.startswith(str(site)), where
    except (subprocess.CalledProcessError, StopIteration, AssertionError) as exc:
        results.add("cold CLI spin, regular install", None, "ms", "<= 100 ms", None,
                    f"could not build the wheel: {exc}")
    for label, install_env in installs.items():
        spins = [timed(workbench + ["spin", str(flow), "train", "-q"], install_env, work)
                 for _ in range(repeats)]
        overhead = (statistics.median(spins) - pandas) * 1000
        note = (f"spin {statistics.median(spins) * 1000:.0f} ms, "
                f"pandas import {pandas * 1000:.0f} ms")
        if metaflow_python and label.startswith("editable"):
            home = work / "mf-spin"
            metaflow_run(metaflow_python, flow, home, "run")
            theirs = statistics.median(metaflow_run(metaflow_python, flow, home, "spin",
                                                    "train") for _ in range(3))
            note += (f"; Metaflow spin {theirs:.2f} s "
                     f"({theirs / statistics.median(spins):.0f}x our cold spin)")
        results.add(f"cold CLI spin - import pandas, {label}", overhead, "ms", "<= 100 ms",
                    overhead <= 100, note)


def bench_handoff(work: Path, results: Results, repeats: int) -> None:
    """`workbench spin` with `workbench serve` running for the flow: wall time of the whole
    command (the editor's save-and-spin), a new process each time."""
    from workbench.engine.handoff import socket_path

    flow = write(work, "spin_bench.py", SPIN_FLOW)
    store = work / "store-handoff"
    env = wb_env(store)
    workbench = [sys.executable, "-m", "workbench"]
    timed(workbench + ["run", str(flow), "-q"], env, work)
    server = subprocess.Popen(workbench + ["serve", str(flow)], env=env, cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        path = socket_path(flow, store)
        deadline = time.monotonic() + 60
        while path is None or not path.exists():
            if time.monotonic() > deadline or server.poll() is not None:
                results.add("handed-off spin (serve)", None, "ms", "< 80 ms", False,
                            "the server did not start")
                return
            time.sleep(0.05)
        timed(workbench + ["spin", str(flow), "train", "-q"], env, work)  # its first
        walls = [timed(workbench + ["spin", str(flow), "train", "-q"], env, work) * 1000
                 for _ in range(repeats)]
        bare = statistics.median(timed([sys.executable, "-c", "pass"], env, work) * 1000
                                 for _ in range(repeats))
    finally:
        server.terminate()
        server.wait(10)
    median = statistics.median(walls)
    results.add("handed-off spin (serve), wall", median, "ms", "< 80 ms", median < 80,
                f"median of {repeats}, min {min(walls):.0f}; `python -c pass` takes "
                f"{bare:.0f} ms here")


def run_workbench_flow(flow: Path, store: Path, work: Path) -> float:
    """Wall seconds of a run as the runtime saw it (first task start to run end)."""
    from workbench.store import Store

    timed([sys.executable, "-m", "workbench", "run", str(flow), "-q"], wb_env(store), work)
    catalog = Store(store).catalog
    run = catalog.list_runs(catalog.list_flows()[0])[0]
    return run.finished_at - run.started_at


def bench_task_overhead(work: Path, results: Results, metaflow_python: str | None) -> None:
    flow = write(work, "task_bench.py", FOREACH_FLOW)
    seconds = run_workbench_flow(flow, work / "store-tasks", work)
    tasks = 103
    per_task = seconds / tasks * 1000
    note = f"{tasks} tasks in {seconds:.2f} s"
    if metaflow_python:
        theirs = metaflow_run(metaflow_python, flow, work / "mf-tasks", "run")
        note += f"; Metaflow {theirs:.1f} s ({theirs / seconds:.0f}x)"
    results.add("per-task overhead (100 foreach)", per_task, "ms", "< 5 ms", per_task < 5,
                note)


def metaflow_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return dict(os.environ, METAFLOW_DEFAULT_DATASTORE="local",
                METAFLOW_DEFAULT_METADATA="local", USERNAME="bench",
                METAFLOW_DATASTORE_SYSROOT_LOCAL=str(home))


def metaflow_run(python: str, flow: Path, home: Path, *args: str) -> float:
    """Seconds of ``python FLOW.py ARGS`` under real Metaflow, in its own local datastore."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / flow.name
    if not target.exists():
        shutil.copy(flow, target)
    return timed([python, str(target), "--quiet", *args], metaflow_env(home), home)


def bench_nine_tasks(work: Path, results: Results, metaflow_python: str | None,
                     repeats: int = 3) -> None:
    """Wall time of `workbench run` (a new process each time, fresh random data each run)
    against `python flow.py run` under Metaflow; and what the step that only reads the big
    frame (train) costs beyond a trivial step (publish) and its own work (a column mean)."""
    import numpy as np
    import pandas as pd

    from workbench.store import Store

    flow = write(work, "fresh_bench.py", NINE_TASK_FLOW)
    store = work / "store-nine"
    cmd = [sys.executable, "-m", "workbench", "run", str(flow), "-q"]
    ours = statistics.median(timed(cmd, wb_env(store), work) for _ in range(repeats))
    catalog = Store(store).catalog
    extra = []
    for run in catalog.list_runs("FreshFrames"):
        took = {t.step: t.finished_at - t.started_at for t in catalog.list_tasks(run.id)}
        extra.append(took["train"] - took["publish"])
    frame = pd.DataFrame(np.random.default_rng().random((1_000_000, 6)), columns=list("abcdef"))
    started = time.perf_counter()
    float(frame["f"].mean())
    own = time.perf_counter() - started
    beyond = (statistics.median(extra) - own) * 1000
    results.add("read-only step beyond its work", beyond, "ms", "< 30 ms", beyond < 30,
                f"train (reads a 48 MB frame) minus a trivial step minus the mean itself "
                f"({own * 1000:.1f} ms)")
    if not metaflow_python:
        results.add("9-task run, fresh 48 MB frame", ours, "s", ">= 10x Metaflow", None,
                    "Metaflow not importable: ratio skipped")
        return
    theirs = statistics.median(metaflow_run(metaflow_python, flow, work / "mf-nine", "run")
                               for _ in range(2))
    ratio = theirs / ours
    results.add("9-task run, fresh 48 MB frame", ours, "s", ">= 10x Metaflow", ratio >= 10,
                f"wall, new process each; Metaflow {theirs:.2f} s, {ratio:.1f}x faster")


def bench_throughput(work: Path, results: Results, size_mb: int) -> None:
    import numpy as np
    import pandas as pd

    from workbench.store import BlobStore

    rows = size_mb * 1024 * 1024 // (8 * 8)
    df = pd.DataFrame(np.random.default_rng(2).random((rows, 8)), columns=list("abcdefgh"))
    raw = df.to_numpy().tobytes()  # the frame's bytes, for the plain-file baseline
    blobs = BlobStore(work / "store-blob")
    plain = work / "plain.bin"
    timings: dict[str, list[float]] = {"plain_write": [], "blob_write": [],
                                       "plain_read": [], "blob_read": []}
    for _ in range(3):
        # Each write starts from a clean slate with no dirty pages pending, so neither side
        # pays for the other's writeback.
        plain.unlink(missing_ok=True)
        os.sync()
        started = time.perf_counter()
        with open(plain, "wb") as fh:
            fh.write(raw)
        timings["plain_write"].append(time.perf_counter() - started)
        os.sync()
        info = blobs.put(df, name="df")
        blobs.path(info.key).unlink()
        os.sync()
        started = time.perf_counter()
        info = blobs.put(df, name="df")
        timings["blob_write"].append(time.perf_counter() - started)
        os.sync()
        started = time.perf_counter()
        with open(plain, "rb") as fh:
            data = fh.read()
        timings["plain_read"].append(time.perf_counter() - started)
        del data
        started = time.perf_counter()
        loaded = blobs.get(info.key)
        float(loaded["h"].sum())  # touch the data: zero-copy loads map pages lazily
        timings["blob_read"].append(time.perf_counter() - started)
        del loaded
    plain_write, blob_write, plain_read, blob_read = (
        statistics.median(timings[k]) for k in ("plain_write", "blob_write", "plain_read",
                                                "blob_read"))
    del raw
    mb = size_mb
    write_ratio = plain_write / blob_write
    read_ratio = plain_read / blob_read
    results.add(f"blob write {mb} MB frame", mb / blob_write, "MB/s", ">= 70% of plain",
                write_ratio >= 0.7, f"{write_ratio:.0%} of plain ({mb / plain_write:,.0f} MB/s)")
    results.add(f"blob read {mb} MB frame", mb / blob_read, "MB/s", ">= 70% of plain",
                read_ratio >= 0.7, f"{read_ratio:.0%} of plain ({mb / plain_read:,.0f} MB/s)")


def bench_diff(results: Results) -> None:
    import numpy as np
    import pandas as pd

    from workbench.compare import diff_values

    rng = np.random.default_rng(3)
    before = pd.DataFrame(rng.random((1_000_000, 5)), columns=list("abcde"))
    after = before.copy()
    after["c"] = after["c"] * 1.01
    diff_values(before.head(10), after.head(10))  # warm the imports
    times = []
    for _ in range(3):
        started = time.perf_counter()
        diff_values(before, after)
        times.append((time.perf_counter() - started) * 1000)
    best = min(times)
    results.add("diff of two 1M-row frames", best, "ms", "< 300 ms", best < 300, "best of 3")


def bench_app_start(work: Path, results: Results) -> None:
    script = ROOT / "benchmarks" / "app_start.py"
    if not script.exists():
        results.add("app start, 1,000 runs", None, "s", "< 1 s, < 200 MB", None,
                    "skipped: benchmarks/app_start.py not present yet")
        return
    proc = subprocess.run([sys.executable, str(script), "--work", str(work / "app")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        results.add("app start, 1,000 runs", None, "s", "< 1 s, < 200 MB", False,
                    f"failed: {proc.stderr.strip().splitlines()[-1:]}")
        return
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    results.add("app start, 1,000 runs", data["seconds"], "s", "< 1 s", data["seconds"] < 1)
    results.add("app memory, 1,000 runs", data["rss_mb"], "MB", "< 200 MB", data["rss_mb"] < 200)


def bench_log_view(work: Path, results: Results) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "log_view.py"),
                           "--work", str(work / "logs")], capture_output=True, text=True)
    if proc.returncode != 0:
        results.add("Logs tab, 64 MB log", None, "s", "< 0.5 s", False,
                    f"failed: {proc.stderr.strip().splitlines()[-1:]}")
        return
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    results.add("Logs tab, 64 MB log, to drawn", data["seconds"], "s", "< 0.5 s",
                data["seconds"] < 0.5, f"{data['lines']:,} lines")
    results.add("Logs tab, 64 MB log, memory", data["rss_growth_mb"], "MB", "< 100 MB",
                data["rss_growth_mb"] < 100, "growth of the app's resident memory")


LOUD_FLOW = """
    import sys
    from metaflow import FlowSpec, step

    class LoudBench(FlowSpec):
        @step
        def start(self):
            block = ("x" * 63 + "\\n") * 1024
            for _ in range(1024):  # 64 MB in 1M lines
                sys.stdout.write(block)
            self.next(self.end)

        @step
        def end(self):
            pass

    if __name__ == "__main__":
        LoudBench()
"""


def _on_a_terminal(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds ``cmd`` takes with its stdout and stderr on a pseudo-terminal read as fast as
    it comes (what a terminal emulator does)."""
    import pty

    master, slave = pty.openpty()

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 1 << 16):
                    return
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=slave, stderr=slave, env=env, cwd=cwd)
    elapsed = time.perf_counter() - started
    os.close(slave)
    reader.join(5)
    os.close(master)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed")
    return elapsed


def bench_log_terminal(work: Path, results: Results) -> None:
    flow = write(work, "loud_bench.py", LOUD_FLOW)
    text = work / "loud.txt"
    text.write_text(("x" * 63 + "\n") * 1024 * 1024)
    env = wb_env(work / "store-loud")
    cat = statistics.median(_on_a_terminal(["cat", str(text)], env, work) for _ in range(3))
    ours = statistics.median(
        _on_a_terminal([sys.executable, "-m", "workbench", "run", str(flow)], env, work)
        for _ in range(3))
    results.add("64 MB of step output to a terminal", ours, "s", "<= 3x cat", ours <= 3 * cat,
                f"{ours / cat:.1f}x cat's {cat:.2f} s (a pty read as fast as it comes)")


def bench_grown_store(work: Path, results: Results, runs: int) -> None:
    """`workbench runs` and the app's first paint with ``runs`` runs in the store."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import app_start

    where = work / "grown"
    where.mkdir()
    flow, store = app_start.build_store(where, runs)
    env = wb_env(store)
    listing = statistics.median(
        timed([sys.executable, "-m", "workbench", "runs", str(flow)], env, where)
        for _ in range(3))
    results.add(f"`workbench runs`, {runs:,} runs", listing, "s", "< 0.5 s", listing < 0.5,
                "newest 50 and a line saying how many more")
    firsts, rss = [], []
    for _ in range(3):
        started = time.time()
        proc = subprocess.run([sys.executable, "-c", app_start.CHILD, str(flow), str(store)],
                              capture_output=True, text=True, env=env, cwd=where, timeout=300)
        if proc.returncode != 0:
            results.add(f"app first paint, {runs:,} runs", None, "s", "< 1 s", False,
                        proc.stderr.strip().splitlines()[-1:])
            return
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        firsts.append(data["drawn_at"] - started)
        rss.append(data["rss_mb"])
    bare = statistics.median(timed([sys.executable, "-c", "import textual.app, "
                                    "workbench.tui.app"], env, where) for _ in range(3))
    first = statistics.median(firsts)
    results.add(f"app first paint, {runs:,} runs", first, "s", "< 1 s", first < 1,
                f"importing the app alone takes {bare:.2f} s here")
    results.add(f"app memory, {runs:,} runs", max(rss), "MB", "< 200 MB", max(rss) < 200)


WIDE_FLOW = """
    from metaflow import FlowSpec, step

    class WideBench(FlowSpec):
        @step
        def start(self):
            self.items = list(range(5000))
            self.next(self.work, foreach="items")

        @step
        def work(self):
            self.value = self.input * 2
            self.next(self.join)

        @step
        def join(self, inputs):
            self.total = sum(i.value for i in inputs)
            self.next(self.end)

        @step
        def end(self):
            pass

    if __name__ == "__main__":
        WideBench()
"""


def bench_wide_foreach(work: Path, results: Results) -> None:
    flow = write(work, "wide_bench.py", WIDE_FLOW)
    store = work / "store-wide"
    env = wb_env(store)
    timed([sys.executable, "-m", "workbench", "run", str(flow), "-q"], env, work)
    show = statistics.median(
        timed([sys.executable, "-m", "workbench", "show", "WideBench/1/work"], env, work)
        for _ in range(3))
    logs = list((store / "logs").iterdir()) if (store / "logs").is_dir() else []
    empty = [p for p in logs if p.stat().st_size == 0]
    results.add("show of a 5,000-split step", show, "s", "< 0.5 s", show < 0.5,
                f"{len(logs)} log files in the store, {len(empty)} empty (none printed)")


def find_metaflow(explicit: str | None) -> str | None:
    candidates = [explicit] if explicit else [sys.executable]
    for python in candidates:
        if python and subprocess.run([python, "-c", "import metaflow.cli"],
                                     capture_output=True).returncode == 0:
            return python
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 256 MB blob")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "latest.json"),
                        help="where to write the figures")
    parser.add_argument("--metaflow-python", default=None,
                        help="an interpreter that has metaflow (default: this one, if it has)")
    parser.add_argument("--only", default=None, help="comma-separated subset: warm,cold,"
                        "handoff,tasks,nine,blob,diff,app,logs,terminal,grown,wide")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    repeats = 5 if args.quick else 15
    metaflow_python = find_metaflow(args.metaflow_python)
    print(f"workbench benchmarks on {platform.node()} ({os.cpu_count()} cores, "
          f"{platform.python_version()}); Metaflow: "
          f"{'via ' + metaflow_python if metaflow_python else 'not importable, skipped'}")
    results = Results()
    work = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    steps: list[tuple[str, Callable[[], None]]] = [
        ("warm", lambda: bench_warm_spin(work, results, repeats)),
        ("cold", lambda: bench_cold_cli_spin(work, results, max(3, repeats // 3),
                                             metaflow_python)),
        ("handoff", lambda: bench_handoff(work, results, max(5, repeats // 2))),
        ("tasks", lambda: bench_task_overhead(work, results, metaflow_python)),
        ("nine", lambda: bench_nine_tasks(work, results, metaflow_python)),
        ("blob", lambda: bench_throughput(work, results, 256 if args.quick else 1024)),
        ("diff", lambda: bench_diff(results)),
        ("app", lambda: bench_app_start(work, results)),
        ("logs", lambda: bench_log_view(work, results)),
        ("terminal", lambda: bench_log_terminal(work, results)),
        ("grown", lambda: bench_grown_store(work, results, 2000 if args.quick else 10000)),
        ("wide", lambda: bench_wide_foreach(work, results)),
    ]
    try:
        for name, step in steps:
            if only is None or name in only:
                step()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "machine": {"node": platform.node(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "metaflow": metaflow_python,
        "figures": results.rows,
    }, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
