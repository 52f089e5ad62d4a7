"""The Logs tab (issue 9/14 item 12): a big log costs what is on screen, and a finished
task's stdout and stderr show in the order they were written."""
from __future__ import annotations

import time

from tui_helpers import IdleEngine, run_flow, settle, wait_for


def make_app(workdir):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=0.2)
    app.animation_level = "none"
    return app


def _start_task(workdir):
    from workbench.store import Store

    store = Store(workdir / "store", create=False)
    run = store.catalog.get_run("ChurnFlow", 1)
    return store, next(t for t in store.catalog.list_tasks(run.id) if t.step == "start")


async def test_a_big_log_is_read_by_the_lines_on_screen(workdir):
    from workbench.store.logs import LogLines
    from workbench.tui.widgets.logs import LogView

    run_flow(workdir)
    store, task = _start_task(workdir)
    # a 40 MB stdout, as a step that printed 500,000 lines leaves it
    with open(store.log_path(task.id, "stdout"), "w", encoding="utf-8") as fh:
        fh.writelines(f"line {i:06d} " + "x" * 64 + "\n" for i in range(500_000))
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.selected_step == "start"
        started = time.perf_counter()
        await pilot.press("1")
        log = app.query_one(LogView)
        await wait_for(pilot, lambda: isinstance(log.source, LogLines), what="the log index")
        await pilot.pause(0.1)
        assert time.perf_counter() - started < 5  # generous: the figure is in benchmarks/
        assert log.line_count >= 500_000
        # only the lines drawn were read (follow puts the view at the end)
        assert len(log.source._cache) <= log.size.height + 2
        assert log.source.line(log.line_count - 1)[1].startswith("line 499999")
        await pilot.press("t", "home")
        await pilot.pause(0.1)
        assert log.scroll_offset.y == 0
        assert len(log.source._cache) <= 2 * (log.size.height + 2)


async def test_stderr_shows_where_it_was_written(workdir):
    from workbench.store.logs import OrderRecorder
    from workbench.tui.widgets.logs import LogView

    run_flow(workdir)
    store, task = _start_task(workdir)
    # what the runtime writes for a step that printed, warned, printed, then failed
    pieces = [("stdout", b"loading\n"), ("stderr", b"UserWarning: careful\n"),
              ("stdout", b"fitting\n"), ("stderr", b"Traceback: boom\n")]
    for stream in ("stdout", "stderr"):
        store.log_path(task.id, stream).write_bytes(b"")
    order = OrderRecorder(store.log_path(task.id, "order"))
    for stream, data in pieces:
        with open(store.log_path(task.id, stream), "ab") as fh:
            fh.write(data)
        order.add(stream, len(data))
    order.save()
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        log = app.query_one(LogView)
        await wait_for(pilot, lambda: "fitting" in log.text, what="the log")
        assert [log.source.line(i) for i in range(log.line_count)] == [
            ("stdout", "loading"), ("stderr", "UserWarning: careful"), ("stdout", "fitting"),
            ("stderr", "Traceback: boom")]
