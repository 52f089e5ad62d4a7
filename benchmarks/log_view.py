"""The Logs tab on a 64 MB log: seconds from selecting the tab until the log's last screen is
drawn, and the memory it took.

    python benchmarks/log_view.py [--work DIR] [--mb 64]

Runs the churn sample once, replaces its start task's stdout with MB megabytes of fresh
lines (1M lines of 64 bytes at 64 MB), then opens the app headlessly at 120x36 in a fresh
interpreter, selects start and the Logs tab, and waits until the last line is on screen.
Prints one JSON line: {"seconds": ..., "rss_growth_mb": ..., "lines": ...}.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import asyncio, json, os, resource, sys, time
os.environ["TEXTUAL_ANIMATIONS"] = "none"
from workbench.tui.app import WorkbenchApp
from workbench.tui.widgets.logs import LogView

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

async def main():
    app = WorkbenchApp(sys.argv[1], store=sys.argv[2], engine_factory=False)
    async with app.run_test(size=(120, 36)) as pilot:
        while app.selected_step != "start":
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        before = rss_mb()
        started = time.perf_counter()
        await pilot.press("1")
        log = app.query_one(LogView)
        while not log.line_count > 1000:
            await pilot.pause(0.001)
        await pilot.pause()  # the paint
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "rss_growth_mb": rss_mb() - before,
                          "lines": log.line_count}), flush=True)

asyncio.run(main())
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default=None)
    parser.add_argument("--mb", type=int, default=64)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from workbench.engine.api import run_flow
    from workbench.store import Store

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="wb-logs-"))
    work.mkdir(parents=True, exist_ok=True)
    flow = work / "churn_flow.py"
    shutil.copy(ROOT / "sample_flows" / "churn_flow.py", flow)
    store_dir = work / "store"
    run = run_flow(flow, {}, store=store_dir)
    store = Store(store_dir)
    task = next(t for t in store.catalog.list_tasks(run.id) if t.step == "start")
    lines = args.mb * 2**20 // 64
    with open(store.log_path(task.id, "stdout"), "w", encoding="utf-8") as fh:
        for start in range(0, lines, 100_000):
            fh.writelines(f"{i:09d} loss={i * 1e-6:.6f} " + "y" * 32 + "\n"
                          for i in range(start, min(lines, start + 100_000)))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    figures = []
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", CHILD, str(flow), str(store_dir)],
                              capture_output=True, text=True, env=env, cwd=work, timeout=300)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        figures.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    figures.sort(key=lambda f: f["seconds"])
    print(json.dumps({**figures[1], "mb": args.mb}))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
