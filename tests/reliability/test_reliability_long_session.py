"""Point 6: 500 spins in a row in one warm worker on a flow with a 100 MB artifact.

Measured and asserted: the worker's memory stays under its cache bound (plus the
interpreter), its open file descriptors and child processes do not grow, and spin time does
not drift (median of the last 50 spins against the first 50)."""
from __future__ import annotations

import statistics
import threading
import time
from queue import Queue

import pytest

from rel_helpers import children, env_for, fd_count, rss_mb, wait_no_tagged
from workbench.engine.protocol import name_of

SPINS = 500
CACHE_MB = 256

FLOW = """
    import numpy as np
    from workbench import FlowSpec, step

    class Long(FlowSpec):
        @step
        def start(self):
            self.big = np.random.default_rng(0).random(100 * 131072)  # 100 MB
            self.next(self.train)

        @step
        def train(self):
            self.score = float(self.big[:: 1 + current_spin()].sum())
            self.next(self.end)

        @step
        def end(self):
            pass

    def current_spin():
        import time
        return int(time.time() * 1000) % 97
"""


def _next(events: Queue, kind: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = events.get(timeout=max(0.01, deadline - time.monotonic()))
        if name_of(event) == "error":
            raise AssertionError(event)
        if name_of(event) == kind:
            return event


@pytest.mark.heavy
@pytest.mark.timeout(240)
def test_500_spins_in_one_worker(write_flow, store_dir, tag, monkeypatch):
    from workbench.engine.worker import EngineWorker

    flow = write_flow(FLOW)
    for key, value in env_for(store_dir, tag, WORKBENCH_CACHE_MB=str(CACHE_MB)).items():
        monkeypatch.setenv(key, value)
    worker = EngineWorker(flow, store_dir)
    worker.start()
    pid = worker._proc.pid
    events: Queue = Queue()
    threading.Thread(target=lambda: [events.put(e) for e in worker.events()],
                     daemon=True).start()
    try:
        _next(events, "ready")
        interpreter = rss_mb(pid)  # the flow and its imports, nothing cached yet
        worker.run()
        assert _next(events, "command_finished").status == "succeeded"
        _next(events, "idle")
        seconds, walls, rss, fds = [], [], [], []
        for i in range(SPINS):
            started = time.monotonic()
            worker.spin("train")
            done = _next(events, "spin_finished")
            assert done.status == "succeeded", done
            _next(events, "idle")
            walls.append(time.monotonic() - started)
            seconds.append(done.seconds)
            if i % 50 == 49:
                rss.append(rss_mb(pid))
                fds.append(fd_count(pid))
        assert children(pid) == []  # every task process reaped, nothing left running
        first, last = statistics.median(walls[:50]), statistics.median(walls[-50:])
        engine_first = statistics.median(seconds[:50])
        engine_last = statistics.median(seconds[-50:])
        report = (f"spin wall median first 50 {first * 1000:.1f} ms, last 50 {last * 1000:.1f} "
                  f"ms; engine {engine_first * 1000:.1f} -> {engine_last * 1000:.1f} ms; "
                  f"rss {interpreter:.0f} MB at start, {rss} MB; fds {fds}")
        print(report)
        assert last < first * 1.5 + 0.010, report
        assert engine_last < engine_first * 1.5 + 0.010, report
        assert max(rss) < interpreter + CACHE_MB, report  # under the cache bound
        assert max(rss) - rss[0] < 30, report  # no creeping growth after the first 50
        assert fds[-1] == fds[0], report
    finally:
        worker.stop()
    assert wait_no_tagged(tag, 5) == []
