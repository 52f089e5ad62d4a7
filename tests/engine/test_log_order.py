"""A task's stdout and stderr read back in the order they were written: by `workbench logs`,
by the app's Logs tab, across retries (real flows, real CLI, real child processes)."""
from __future__ import annotations

from workbench.store import Store

FLOW = """
    import sys, time
    from workbench import FlowSpec, current, retry, step

    class Mixed(FlowSpec):
        @retry(times=1, minutes_between_retries=0)
        @step
        def start(self):
            for i in range(3):
                print(f"out {i} try {current.retry_count}", flush=True)
                time.sleep(0.02)
                print(f"err {i} try {current.retry_count}", file=sys.stderr, flush=True)
                time.sleep(0.02)
            if current.retry_count == 0:
                raise ValueError("first try fails")
            self.next(self.end)

        @step
        def end(self):
            print("only stdout here")
"""


def test_cli_logs_and_log_lines_keep_the_written_order_across_retries(cli, write_flow,
                                                                         store_dir):
    flow = write_flow(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    out = cli("logs", "Mixed/1/start").stdout.splitlines()
    body = [line for line in out if line.startswith(("out", "err"))]
    assert body == [f"{kind} {i} try {t}" for t in (0, 1) for i in range(3)
                    for kind in ("out", "err")]
    # the traceback of the first attempt comes before the second attempt's header
    traceback_at = next(i for i, line in enumerate(out) if "first try fails" in line)
    assert traceback_at < out.index("--- attempt 1 ---")
    # one stream alone is still the plain file
    assert cli("logs", "Mixed/1/start", "--stderr").stdout.count("err 0") == 2
    store = Store(store_dir, create=False)
    task = store.catalog.list_tasks(store.catalog.get_run("Mixed", 1).id)
    start = next(t for t in task if t.step == "start")
    end = next(t for t in task if t.step == "end")
    lines = store.log_lines(start.id)
    streams = [s for s, text in lines if text.startswith(("out", "err"))]
    assert streams == ["stdout", "stderr"] * 6
    lines.close()
    # a task that wrote one stream keeps no order file
    assert not store.log_path(end.id, "order").exists()
    assert store.log_path(start.id, "order").exists()
    # a resume's clone of start shows the log of the task that ran
    assert cli("resume", flow, "end", "-q").returncode == 0
    clone = next(t for t in store.catalog.list_tasks(store.catalog.get_run("Mixed", 2).id)
                 if t.step == "start")
    assert [t for _, t in store.log_lines(clone.id)] == [t for _, t in store.log_lines(start.id)]
