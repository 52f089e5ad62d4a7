"""Metrics across runs (issue 9/14 item 8): runs as rows, chosen scalar artifacts as
columns with parameters alongside, sortable, a trend per metric, the choice remembered."""
from __future__ import annotations

from tui_helpers import IdleEngine, run_flow, settle, wait_for
from workbench.queries.metrics import metric_candidates, metric_rows, sparkline


def make_app(workdir):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    app.animation_level = "none"
    return app


def test_scalar_summaries_read_as_numbers():
    """Values come from the store's own summaries, numpy 2 reprs included."""
    import numpy as np

    from workbench.queries.metrics import SCALAR_TYPES, _value
    from workbench.store.summary import describe

    for obj, expected in ((0.25, 0.25), (3, 3.0), (True, 1.0), (np.float64(0.5), 0.5),
                          (np.int64(7), 7.0), (np.bool_(False), 0.0)):
        type_name, summary = describe(obj)
        assert type_name in SCALAR_TYPES and _value(summary) == expected, (obj, summary)
    assert _value("nan") is None and _value("DataFrame 3x2") is None


def test_sparkline():
    assert sparkline([1.0, 2.0, 3.0]) == "▁▄█"
    assert sparkline([None, 1.0]) == " ▄" and sparkline([]) == ""


async def test_metrics_table_sorts_trends_and_remembers_the_choice(workdir):
    from textual.widgets import DataTable, SelectionList

    from workbench.store import Store
    from workbench.tui.screens.metrics import MetricsScreen, PickMetrics

    for seed in (1, 2, 3):
        run_flow(workdir, seed=seed)
    store = Store(workdir / "store", create=False)
    candidates = metric_candidates(store, "ChurnFlow")
    assert ("pick_best", "accuracy") in candidates
    expected = {r.run: r.values[("pick_best", "accuracy")]
                for r in metric_rows(store, "ChurnFlow", [("pick_best", "accuracy")])}
    assert all(v is not None for v in expected.values())

    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, MetricsScreen), what="metrics")
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.rows), what="the rows")
        table = screen.query_one(DataTable)
        keys = [c.value for c in table.columns]
        assert "pick_best.accuracy" in keys and "param.seed" in keys
        col = keys.index("pick_best.accuracy")
        shown = {int(table.get_row_at(i)[0].plain): float(table.get_row_at(i)[col].plain)
                 for i in range(table.row_count)}
        for run, value in expected.items():
            assert abs(shown[run] - value) < 1e-3
        # o sorts by the column under the cursor, again reverses
        table.cursor_coordinate = (0, col)
        await pilot.press("o")
        values = [float(table.get_row_at(i)[col].plain) for i in range(table.row_count)]
        assert values == sorted(values)
        await pilot.press("o")
        values = [float(table.get_row_at(i)[col].plain) for i in range(table.row_count)]
        assert values == sorted(values, reverse=True)
        trends = str(screen.query_one("#metrics-trends").content)
        assert "accuracy (pick_best)" in trends and any(c in trends for c in "▁▄█")
        # m picks: keep only accuracy
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, PickMetrics), what="picker")
        picker = app.screen.query_one(SelectionList)
        picker.deselect_all()
        picker.select(candidates.index(("pick_best", "accuracy")))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.metrics == [("pick_best", "accuracy")],
                       what="the new choice")
        await pilot.press("escape")
    # remembered for the next session
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, MetricsScreen), what="metrics")
        await wait_for(pilot, lambda: bool(app.screen.rows), what="the rows")
        assert app.screen.metrics == [("pick_best", "accuracy")]
        # enter opens the run under the cursor
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main and app.selected_run == 3
