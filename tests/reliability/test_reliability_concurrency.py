"""Point 2: two ``workbench run`` processes, a CLI spin and a warm-worker spin on one flow and
store at once, while a reader polls the client API: all finish, run numbers never collide,
every artifact loads, and the reader sees the new runs appear without stalling."""
from __future__ import annotations

import threading
import time

import pytest

from rel_helpers import check_store, start_cli, wait_for, wait_no_tagged
from workbench.engine.protocol import name_of

FLOW = """
    import time
    import numpy as np
    from workbench import FlowSpec, Parameter, step

    class Busy(FlowSpec):
        seed = Parameter("seed", default=0)

        @step
        def start(self):
            self.data = np.random.default_rng(self.seed).random(1_000_000)
            self.items = list(range(4))
            self.next(self.work, foreach="items")

        @step
        def work(self):
            time.sleep(0.3)
            self.part = self.data[self.input::4] * 2
            self.next(self.join)

        @step
        def join(self, inputs):
            self.data = inputs[0].data
            self.total = float(sum(i.part.sum() for i in inputs))
            self.next(self.end)

        @step
        def end(self):
            self.check = float(self.data.sum() * 2)
"""


def _consistent(step: str, values: dict, params: dict) -> None:
    if step == "end":
        assert abs(values["check"] - values["total"]) < 1e-6 * abs(values["total"])


class Reader(threading.Thread):
    """Polls the client API as a notebook or the app would: newest runs, their tasks,
    artifact listings and values."""

    def __init__(self, client) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.stop = threading.Event()
        self.seen_running: set[int] = set()
        self.seen: set[int] = set()
        self.worst = 0.0
        self.polls = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                flow = self.client.Flow("Busy")
                for run in flow.runs()[:6] + flow.spins()[:6]:
                    self.seen.add(run.number)
                    if run.status == "running":
                        self.seen_running.add(run.number)
                    for step in run:
                        for task in step:
                            if task.status == "succeeded":
                                names = [a.name for a in task.artifacts]
                                if "part" in names:
                                    assert task.data.part.shape == (250_000,)
            except Exception as exc:  # noqa: BLE001 - recorded, asserted by the test
                self.errors.append(f"{type(exc).__name__}: {exc}")
            self.worst = max(self.worst, time.monotonic() - started)
            self.polls += 1
            time.sleep(0.05)


@pytest.mark.heavy
def test_two_runs_and_spins_at_once_with_a_reader(cli, write_flow, client, store_dir,
                                                  tmp_path, tag, monkeypatch):
    flow = write_flow(FLOW)
    first = cli("run", flow, "--quiet", "--json")
    assert first.returncode == 0, first.stderr
    reader = Reader(client)
    reader.start()
    monkeypatch.setenv("WORKBENCH_TEST_TAG", tag)
    from workbench.engine.worker import EngineWorker

    worker = EngineWorker(flow, store_dir)
    worker.start()
    events: list[dict] = []
    threading.Thread(target=lambda: events.extend(worker.events()), daemon=True).start()
    wait_for(lambda: any(name_of(e) == "ready" for e in events), 30, "the worker")
    logs = [tmp_path / f"proc{i}.log" for i in range(3)]
    procs = [
        start_cli(["run", flow, "--param", "seed=1", "--quiet"], store_dir, tag, tmp_path, logs[0]),
        start_cli(["run", flow, "--param", "seed=2", "--quiet"], store_dir, tag, tmp_path, logs[1]),
        start_cli(["spin", flow, "work", "--all-splits", "--quiet"], store_dir, tag, tmp_path,
                  logs[2]),
    ]
    worker.spin("join")
    try:
        for proc, log in zip(procs, logs):
            assert proc.wait(90) == 0, log.read_text()
        done = wait_for(lambda: [e for e in events if name_of(e) == "command_finished"], 60,
                        "the worker's spin")
        assert done[0].status == "succeeded", events
        time.sleep(0.3)  # one more poll after the last write
    finally:
        reader.stop.set()
        worker.stop()
        reader.join(10)
    print(f"reader: {reader.polls} polls, worst {reader.worst * 1000:.0f} ms")
    assert reader.errors == []
    listed = cli("runs", flow, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = listed.json()
    numbers = [r["run"] for r in rows]
    assert sorted(numbers) == [1, 2, 3, 4, 5], numbers  # no collision, no gap
    assert sorted(r["kind"] for r in rows) == ["run", "run", "run", "spin", "spin"]
    assert all(r["status"] == "succeeded" for r in rows), rows
    counts = check_store(store_dir, "Busy", _consistent)
    assert counts["succeeded"] == 5 and counts["artifacts"] > 40
    # The reader kept polling while four processes wrote, and saw the new runs appear.
    assert reader.seen == {1, 2, 3, 4, 5}
    assert reader.seen_running, "the reader never saw a run in progress"
    assert reader.polls > 10 and reader.worst < 1.0, (reader.polls, reader.worst)
    assert wait_no_tagged(tag, 5) == []
