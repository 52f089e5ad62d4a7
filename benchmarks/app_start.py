"""App start with 1,000 runs in the store: seconds until the first screen is drawn, and memory.

    python benchmarks/app_start.py [--work DIR] [--runs 1000]

Builds a store with one real run of the churn sample and 999 more runs made of its tasks
(catalog rows, as spins and resumes clone them), then starts a fresh interpreter that opens the
app headlessly at 120x36 and reports when the first screen is painted. Prints one JSON line:
{"seconds": ..., "rss_mb": ..., "runs": ...}.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import asyncio, json, os, sys, time
os.environ["TEXTUAL_ANIMATIONS"] = "none"
from workbench.tui.app import WorkbenchApp

async def main():
    app = WorkbenchApp(sys.argv[1], store=sys.argv[2])
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        drawn = time.time()
        # peak resident memory of this interpreter (VmHWM: ru_maxrss would carry over the
        # peak of the process that forked it, Linux keeps it across exec)
        with open("/proc/self/status") as status:
            rss = next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
        print(json.dumps({"drawn_at": drawn, "rss_mb": rss}), flush=True)

asyncio.run(main())
"""


def build_store(work: Path, runs: int) -> tuple[Path, Path]:
    sys.path.insert(0, str(ROOT))
    from workbench.engine.api import run_flow
    from workbench.store import Store

    flow = work / "churn_flow.py"
    shutil.copy(ROOT / "sample_flows" / "churn_flow.py", flow)
    store_dir = work / "store"
    first = run_flow(flow, {}, store=store_dir)
    catalog = Store(store_dir).catalog
    task_ids = [t.id for t in catalog.list_tasks(first.id)]
    for number in range(2, runs + 1):
        run = catalog.create_run("ChurnFlow", "run", flow_file=str(flow),
                                 parameters={"n_customers": 5000 + number, "seed": number})
        catalog.clone_tasks(task_ids, run.id)
        catalog.finish_run(run.id, "succeeded")
    return flow, store_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default=None)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="wb-app-"))
    work.mkdir(parents=True, exist_ok=True)
    flow, store = build_store(work, args.runs)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    times, rss = [], []
    for _ in range(3):
        started = time.time()
        proc = subprocess.run([sys.executable, "-c", CHILD, str(flow), str(store)],
                              capture_output=True, text=True, env=env, cwd=work, timeout=120)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        times.append(data["drawn_at"] - started)
        rss.append(data["rss_mb"])
    print(json.dumps({"seconds": sorted(times)[1], "rss_mb": max(rss), "runs": args.runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
