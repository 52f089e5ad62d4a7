"""U in the app: run what is stale, reuse the rest; the DAG marks reused steps."""
from __future__ import annotations

from test_tui_app import make_app
from tui_helpers import edit_flow, wait_for, wait_idle


async def test_update_runs_what_is_stale_and_the_dag_marks_the_rest(workdir):
    from workbench.tui.widgets.dag import DagView
    from workbench.tui.widgets.panes import RunsTable

    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_idle(pilot)
        edit_flow(workdir / "churn_flow.py", "range(300)", "range(700)")  # train changes
        dag = app.query_one(DagView)
        await wait_for(pilot, lambda: dag.states["train"].modified, what="train modified")
        await pilot.press("U")
        await wait_idle(pilot)
        table = app.query_one(RunsTable)
        assert [r.number for r in table.rows_][:1] == [2] and table.rows_[0].status == \
            "succeeded"
        await wait_for(pilot, lambda: dag.states["start"].status == "reused",
                       what="the DAG to show run 2")
        assert dag.states["features"].status == "reused"
        assert dag.states["train"].status == "succeeded"  # it ran: its code changed
        assert ("↺", "reused") in dag.layout_.legend
        assert "↺" in dag.layout_.boxes["start"].label
