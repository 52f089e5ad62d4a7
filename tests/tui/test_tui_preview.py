"""Preview details (issue 9/14 item 11), on the real app: numbers right-aligned with their
decimals lined up, Describe written one way per column, an integer histogram with a bar per
value and a head line that says what a bar is, an ndarray inside a dict that expands."""
from __future__ import annotations

import re

from tui_helpers import IdleEngine, plain, run_flow, settle, wait_for


def make_app(workdir):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=0.2)
    app.animation_level = "none"
    return app


async def _open(pilot, app, step: str, artifact: str):
    from workbench.tui.widgets.panes import ArtifactsTable

    while app.selected_step != step:
        await pilot.press("j")
    await settle(pilot)
    table = app.query_one(ArtifactsTable)
    table.focus()
    while table.current_name != artifact:
        await pilot.press("down")
    await pilot.press("enter")
    assert app.screen.__class__.__name__ == "PreviewScreen"
    await wait_for(pilot, lambda: app.screen.value is not None, what="the value")
    await settle(pilot)


def _column(table, name: str, rows: int = 20) -> list[tuple[int, str]]:
    """(end offset, text) of column ``name``'s cells in the first rows of a VirtualTable."""
    header = table.render_line(0).text
    start = header.index(name)
    width = len(name)
    out = []
    for y in range(1, rows + 1):
        line = table.render_line(y).text
        match = list(re.finditer(r"\S+", line[:start + width + 1]))[-1]
        out.append((match.end(), match.group()))
    return out


async def test_rows_describe_and_histogram_line_numbers_up(workdir):
    from textual.widgets import Select, TabbedContent

    from workbench.tui.widgets.table import VirtualTable

    run_flow(workdir)
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await _open(pilot, app, "start", "customers")
        rows = app.screen.query_one("#rows-table", VirtualTable)
        await wait_for(pilot, lambda: rows.size.width > 0, what="the rows laid out")
        for name in ("tenure", "monthly"):
            cells = _column(rows, name)
            assert len({end for end, _ in cells}) == 1, cells  # right-aligned
        monthly = [text for _, text in _column(rows, "monthly")]
        assert len({len(t.split(".")[1]) for t in monthly}) == 1  # one number of decimals

        app.screen.query_one("#preview-tabs", TabbedContent).active = "tab-describe"
        await wait_for(pilot, lambda: bool(app.screen.query("#describe-table")),
                       what="describe")
        describe = app.screen.query_one("#describe-table", VirtualTable)
        await wait_for(pilot, lambda: describe.size.width > 0, what="describe laid out")
        await pilot.pause()
        lines = [describe.render_line(y).text for y in range(1, describe.source.n_rows + 1)]
        stats = [line for line in lines if line.split()[0] in ("mean", "std", "min", "max")]
        decimals = {len(line.split()[3].split(".")[1]) for line in stats}  # monthly
        assert len(decimals) == 1
        count = next(line for line in lines if line.split()[0] == "count")
        assert "5,000" in count

        app.screen.query_one("#preview-tabs", TabbedContent).active = "tab-histogram"
        await settle(pilot)
        app.screen.query_one("#hist-column", Select).value = "tickets"
        await wait_for(pilot, lambda: "tickets:" in plain(app.screen.query_one("#hist-chart")),
                       what="the tickets histogram")
        chart = plain(app.screen.query_one("#hist-chart")).splitlines()
        values = app.screen.value["tickets"]
        assert chart[0].startswith(f"tickets: 5,000 values, {values.max() + 1} bars of one "
                                   "value each; tallest ")
        assert chart[-1].split() == [str(v) for v in range(values.max() + 1)]  # under each bar


async def test_an_array_inside_a_dict_expands_in_the_value_tree(workdir):
    from workbench.tui.screens.preview import ValueTree

    run_flow(workdir)
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await _open(pilot, app, "pick_best", "model")
        tree = app.screen.query_one(ValueTree)
        weights = next(n for n in tree.root.children if n.label.plain.startswith("'weights'"))
        assert weights.allow_expand
        tree.focus()
        tree.move_cursor(weights)
        await pilot.press("enter")
        await settle(pilot)
        labels = [c.label.plain for c in weights.children]
        assert labels[0].startswith("shape  5")
        assert any(label.startswith("mean  ") for label in labels)
        assert [label.split()[0] for label in labels if label.startswith("[")] == [
            "[0]", "[1]", "[2]", "[3]", "[4]"]
