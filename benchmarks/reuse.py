"""``run --reuse`` after an edit to one step, against a full run and against ``resume``.

    python benchmarks/reuse.py

The churn sample flow runs once; then, ROUNDS times, ``pick_best`` is edited (a new constant
each round, so it must run again) and the flow is brought up to date three ways, each in this
process through the engine (no interpreter start-up in the figures): a full run, ``resume
pick_best`` on the previous run, and ``run --reuse`` (every task before pick_best cloned
because its code and inputs are unchanged, pick_best and end executed). Medians are printed
beside the target (issue 15): ``run --reuse`` within 30 ms of the resume.
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROUNDS = 5
TARGET_MS = 30.0


def main() -> int:
    from workbench.engine.api import open_store as store_of
    from workbench.engine.api import resume_step, run_flow

    with tempfile.TemporaryDirectory(prefix="wb-bench-reuse-") as tmp:
        work = Path(tmp)
        flow = work / "churn_flow.py"
        shutil.copy(ROOT / "sample_flows" / "churn_flow.py", flow)
        store = work / ".workbench"
        original = flow.read_text()
        first = run_flow(flow, {}, store=store)
        assert first.status == "succeeded"
        full, resume, reuse = [], [], []
        for i in range(ROUNDS):
            flow.write_text(original.replace(
                '        self.accuracy = best.accuracy\n',
                f'        self.accuracy = best.accuracy\n        self.round = {i}\n'))
            # first after the edit, so pick_best's new code has never run: it must execute
            t = time.perf_counter()
            reused = run_flow(flow, {}, store=store, reuse=True)
            reuse.append(time.perf_counter() - t)
            t = time.perf_counter()
            resumed = resume_step(flow, "pick_best", run=first.number, store=store)
            resume.append(time.perf_counter() - t)
            t = time.perf_counter()
            ran = run_flow(flow, {}, store=store)
            full.append(time.perf_counter() - t)
            assert ran.status == resumed.status == reused.status == "succeeded"
            executed = [t.step for t in store_of(store).catalog.list_tasks(reused.id)
                        if t.reused_from is None]
            assert executed == ["end", "pick_best"], executed
        m_full, m_resume, m_reuse = (statistics.median(v) * 1000 for v in (full, resume, reuse))
        gap = m_reuse - m_resume
        print(f"churn flow after an edit to pick_best, median of {ROUNDS}:")
        print(f"  full run          {m_full:8.1f} ms")
        print(f"  resume pick_best  {m_resume:8.1f} ms")
        print(f"  run --reuse       {m_reuse:8.1f} ms   {gap:+.1f} ms against the resume, "
              f"target within {TARGET_MS:.0f} ms   {'ok' if gap <= TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
