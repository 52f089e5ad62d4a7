"""The engine worker process the TUI drives: commands in, events out, cancel within 2 s."""
from __future__ import annotations

import threading
import time
from queue import Empty, Queue

import pytest

from workbench.engine.protocol import LogBatch, name_of
from workbench.engine.worker import EngineWorker

FLOW = """
    import time
    from workbench import FlowSpec, Parameter, step

    class Worked(FlowSpec):
        wait = Parameter("wait", default=0.0)

        @step
        def start(self):
            self.value = 1
            print("start says hi")
            self.next(self.slow)

        @step
        def slow(self):
            time.sleep(self.wait)
            self.doubled = self.value * 2
            self.next(self.end)

        @step
        def end(self):
            pass
"""


@pytest.fixture
def worker(write_flow, store_dir):
    flow = write_flow(FLOW)
    handle = EngineWorker(flow, store_dir)
    handle.start()
    events: Queue = Queue()

    def pump() -> None:
        for event in handle.events():
            events.put(event)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    yield handle, events, flow
    handle.stop()
    thread.join(timeout=5)


def _until(events: Queue, kind: str, timeout: float = 30) -> list:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.1)
        except Empty:
            continue
        seen.append(event)
        if name_of(event) == kind:
            return seen
    raise AssertionError(f"no {kind} event; got {[name_of(e) for e in seen]}")


def test_run_then_spin_with_edited_code(worker):
    handle, events, flow = worker
    _until(events, "ready")
    handle.run()
    assert handle.busy
    seen = _until(events, "command_finished")
    kinds = [name_of(e) for e in seen]
    assert kinds[0] == "run_started" and "task_started" in kinds and "run_finished" in kinds
    assert any(isinstance(e, LogBatch) and "start says hi" in e.lines for e in seen)
    assert seen[-1].status == "succeeded" and not handle.busy
    flow.write_text(flow.read_text().replace("self.value * 2", "self.value * 3"))
    handle.spin("slow")
    seen = _until(events, "spin_finished")
    spun = seen[-1]
    assert spun.status == "succeeded" and spun.reference == 1
    doubled = next(d for d in spun.diffs[0].diffs if d.name == "doubled")
    assert doubled.change == "changed" and doubled.summary_after == "3"
    assert doubled.detail.lines()  # the typed detail travels whole


def test_cancel_stops_a_running_step_within_two_seconds(worker):
    handle, events, _ = worker
    _until(events, "ready")
    handle.run({"wait": "60"})
    _until(events, "task_started")
    _until(events, "task_started")  # the slow step
    started = time.monotonic()
    handle.cancel()
    finished = _until(events, "run_finished", timeout=10)[-1]
    assert finished.status == "cancelled"
    assert time.monotonic() - started < 2.0


def test_bad_command_reports_one_line_and_worker_survives(worker):
    handle, events, _ = worker
    _until(events, "ready")
    handle.spin("nosuchstep")
    error = _until(events, "error")[-1]
    assert "no step 'nosuchstep'" in error.message
    assert _until(events, "command_finished")[-1].status == "error"
    handle.run()
    assert _until(events, "command_finished")[-1].status == "succeeded"


CACHED = """
    import numpy as np
    from workbench import FlowSpec, step
    from helper import FACTOR

    class Cached(FlowSpec):
        @step
        def start(self):
            self.big = np.arange(2_000_000, dtype="float64")
            self.next(self.use)

        @step
        def use(self):
            self.total = float(self.big.sum()) * FACTOR
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def test_spin_after_run_reads_parents_from_memory_and_helpers_reload(write_flow, store_dir,
                                                                    tmp_path):
    (tmp_path / "helper.py").write_text("FACTOR = 1\n")
    flow = write_flow(CACHED)
    handle = EngineWorker(flow, store_dir)
    handle.start()
    events: Queue = Queue()
    thread = threading.Thread(target=lambda: [events.put(e) for e in handle.events()],
                              daemon=True)
    thread.start()
    try:
        _until(events, "ready")
        handle.run()
        assert _until(events, "command_finished")[-1].status == "succeeded"
        from workbench.client import Flow

        run = Flow("Cached", store=store_dir).latest_run
        blob = store_dir / "blobs" / run["start"].task["big"].sha[:2] / run["start"].task["big"].sha
        assert blob.exists()
        _until(events, "idle")  # the worker has loaded the run's artifacts into its cache
        blob.rename(blob.with_suffix(".away"))  # the spin can only get `big` from memory now
        flow.write_text(flow.read_text().replace("* FACTOR", "* FACTOR * 2"))
        handle.spin("use")
        spun = _until(events, "spin_finished")[-1]
        assert spun.status == "succeeded", spun
        total = next(d for d in spun.diffs[0].diffs if d.name == "total")
        assert total.change == "changed"
        blob.with_suffix(".away").rename(blob)

        (tmp_path / "helper.py").write_text("FACTOR = 10\n")
        handle.spin("use")
        seen = _until(events, "spin_finished")
        assert any(name_of(e) == "worker_restart" for e in seen)
        total = next(d for d in seen[-1].diffs[0].diffs if d.name == "total")
        assert float(total.summary_after) == float(total.summary_before) * 10
    finally:
        handle.stop()
