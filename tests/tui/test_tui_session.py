"""The iteration session of tests/session driven through the app with the Pilot and the real
engine worker: at every iteration the app must show the run, the before task and the changed
artifacts that the CLI and the Python API report (the same script, the same expectations)."""
from __future__ import annotations

import sys
from pathlib import Path

from tui_helpers import settle, wait_for, wait_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "session"))
from session_script import SESSION, apply_edit, diff_record, record_of  # noqa: E402


async def _select(pilot, app, run: int | None, step: str | None, index: int | None) -> None:
    from workbench.tui.widgets.dag import DagView

    if run is not None:
        app.select_run(run)
        await settle(pilot)
    if step is not None:
        app.query_one(DagView).select(step)
        await wait_for(pilot, lambda: app.selected_step == step, what=f"step {step}")
        await settle(pilot)
    if index is not None:
        tasks = app.current_tasks()
        app.select_split(next(i for i, t in enumerate(tasks) if t.split_index == index))
        await settle(pilot)


async def test_the_app_shows_what_the_cli_and_the_api_show(workdir):
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.widgets.diff import DiffView
    from workbench.queries import run_label

    flow, store = workdir / "churn_flow.py", workdir / "store"
    app = WorkbenchApp(flow, store=store, poll_interval=0.2)
    seen = []
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine worker")
        for it in SESSION:
            apply_edit(flow, it.edit)
            await pilot.pause(0.3)  # the app re-parses the flow file
            if it.action == "run":
                await pilot.press("r")
                await wait_idle(pilot)
                seen.append({"run": app.selected_run, "label": "run", "steps": {}})
                continue
            await _select(pilot, app, it.run, it.step, it.index)
            await pilot.press("s" if it.action == "spin" else "R")
            await wait_idle(pilot)
            await wait_for(pilot, lambda: app.selected_run == it.expect_run,
                           what=f"run {it.expect_run} selected")
            run = app.current_run()
            steps = {}
            for step in it.expect_before:
                await _select(pilot, app, None, step, None)
                view = app.query_one(DiffView)
                await wait_for(pilot, lambda: getattr(view, "_shown", (None,))[0]
                               == (run.number, step), what=f"the diff of {step}")
                steps[step] = [diff_record(d) for d in view.diffs]
                if it.action == "spin":  # what the worker sent is what the tab shows
                    assert [diff_record(d) for d in app.spin_diffs[(run.number, step)]] \
                        == steps[step]
            seen.append({"run": run.number, "label": run_label(run), "steps": steps})
        await pilot.press("q")

    expected = [{k: v for k, v in record_of(store, it.expect_run,
                                            list(it.expect_before or {})).items()
                 if k != "status"} for it in SESSION]
    assert seen == expected
    for it, rec in zip(SESSION, seen):
        assert rec["run"] == it.expect_run and rec["label"] == it.expect_label
        for step, (before_run, split) in (it.expect_before or {}).items():
            assert rec["steps"][step][0]["before"] == (before_run, split), (it, rec)
