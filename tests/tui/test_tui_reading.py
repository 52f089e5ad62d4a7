"""Every value readable and every pane one key away (issue 9/14, items 2 and 3): tables that
fit their pane without cutting a value wrong, focus keys, maximise, table keys, the Diff
tab's enter, the Footer at 80 columns."""
from __future__ import annotations

import pytest

from tui_helpers import IdleEngine, run_flow, settle, spin, wait_for, wait_idle
from workbench.tui.columns import Column, cut, cut_pairs, fit


# --------------------------------------------------------------------------- pure rules


@pytest.mark.parametrize("text,width,expected", [
    ("DataFrame 3000000x5 (a, b, c)", 16, "DataFrame …"),
    ("DataFrame 3000000x5 (a, b, c)", 20, "DataFrame 3000000x5…"),
    ("[0.1, 0.25, 0.3]", 10, "[0.1, …"),
    ("0.17s", 4, "…"),
    ("abcdefgh", 5, "abcd…"),
    ("short", 10, "short"),
])
def test_a_cut_ends_in_an_ellipsis_and_never_splits_a_number(text, width, expected):
    out = cut(text, width)
    assert out == expected and len(out) <= width


def test_parameter_pairs_shorten_names_and_keep_values():
    assert cut_pairs("n_customers=5000 seed=7", 16) == "n_c…=5000 seed=7"
    assert cut_pairs("n_customers=5000 seed=7", 12) == "n…=5000 s…=7"
    assert cut_pairs("n_customers=5000 seed=7", 10) == "n…=5000 …"


def test_fit_shrinks_cuttable_columns_then_drops_the_least_important():
    cols = [Column("n", "#", 0), Column("name", "name", 0, cut=True, min=6),
            Column("size", "size", 3, right=True), Column("summary", "summary", 1, cut=True,
                                                                min=10)]
    natural = {"n": 2, "name": 20, "size": 8, "summary": 40}
    assert fit(cols, natural, 200) == natural
    widths = fit(cols, natural, 50)
    assert widths["size"] == 8  # a number keeps its width...
    assert sum(w + 2 for w in widths.values()) <= 50
    narrow = fit(cols, natural, 28)
    assert "size" not in narrow  # ...or its column goes
    assert narrow["summary"] >= 10 and narrow["name"] >= 6


# --------------------------------------------------------------------------- the app


def make_app(workdir, engine=False, flow="churn_flow.py"):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / flow, store=workdir / "store",
                       engine_factory=True if engine else IdleEngine, poll_interval=0.2)
    app.animation_level = "none"
    return app


def shown_cells(table) -> list[list[str]]:
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 50)])
async def test_no_value_is_cut_into_a_wrong_one(workdir, size):
    from workbench.tui.widgets.panes import ArtifactsTable, RunsTable

    run_flow(workdir, n_customers=3000)
    app = make_app(workdir)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for table in (app.query_one(RunsTable), app.query_one(ArtifactsTable)):
            keys = [c.key.value for c in table.columns.values()]
            full = [{k: v.plain for k, v in table.cells_of(r).items()}
                    for r in table.shown_rows]
            width = sum(c.get_render_width(table) for c in table.columns.values())
            assert width <= table.size.width, (table.id, width, table.size.width)
            for row, cells in zip(full, shown_cells(table)):
                for key, shown in zip(keys, cells):
                    assert shown == row[key] or shown.endswith("…"), (key, shown, row[key])
                    if shown != row[key] and key != "params":
                        head = shown[:-1]
                        assert row[key].startswith(head), (key, shown, row[key])
                        # never the front part of a number: the cut is not mid-digits
                        assert not (head[-1:].isdigit() and row[key][len(head)].isdigit()), \
                            (key, shown, row[key])
            if isinstance(table, RunsTable):
                assert "duration" in keys  # the number that matters stays
                params = shown_cells(table)[0][keys.index("params")] \
                    if "params" in keys else None
                if params is not None:
                    assert "=3000" in params  # the value, even when the name is cut


async def test_focus_keys_maximise_and_the_bottom_panel_marker(workdir):
    run_flow(workdir)
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tabs = app.main.query_one("#tabs")
        expect = {"u": "runs", "d": "dag", "a": "artifacts", "t": "log"}
        for key, focused in expect.items():
            await pilot.press(key)
            assert app.focused is not None and app.focused.id == focused, key
        assert tabs.has_pseudo_class("focus-within")
        # the focus marker: the tab row is painted while the bottom panel has the focus
        focused_bg = tabs.styles.background
        assert focused_bg.a > 0
        await pilot.press("z")
        assert app.main.maximized is tabs
        await pilot.press("z")
        assert app.main.maximized is None
        await pilot.press("a", "z")
        assert app.main.maximized is app.main.query_one("#artifacts-pane")
        await pilot.press("escape")
        assert app.main.maximized is None
        assert not tabs.has_pseudo_class("focus-within")
        assert tabs.styles.background != focused_bg


async def test_runs_pane_takes_jkgG_and_end_keeps_its_first_columns(workdir):
    from workbench.tui.widgets.panes import RunsTable

    for seed in (1, 2, 3):
        run_flow(workdir, seed=seed)
    app = make_app(workdir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(RunsTable)
        await pilot.press("u")
        assert table.cursor_row == 0
        await pilot.press("j")
        assert table.cursor_row == 1 and app.selected_run == 2
        await pilot.press("G")
        assert table.cursor_row == 2 and app.selected_run == 1
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == 2 and table.scroll_x == 0


async def test_the_artifacts_cursor_stays_on_its_artifact_across_a_spin(workdir):
    from workbench.tui.widgets.panes import ArtifactsTable

    run_flow(workdir)
    app = make_app(workdir, engine=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine worker")
        await pilot.press("j", "j")  # train
        await settle(pilot)
        table = app.query_one(ArtifactsTable)
        await pilot.press("a", "g")
        names = [r.name for r in table.shown_rows]
        target = names.index("accuracy")
        for _ in range(target):
            await pilot.press("j")
        assert table.current_name == "accuracy"
        await pilot.press("d", "s")
        await wait_idle(pilot)
        await wait_for(pilot, lambda: app.selected_run == 2, what="the spin run")
        await settle(pilot)
        assert table.current_name == "accuracy"
        await pilot.press("s")  # and again, on the spin
        await wait_idle(pilot)
        await wait_for(pilot, lambda: app.selected_run == 3, what="the second spin")
        await settle(pilot)
        assert table.current_name == "accuracy"


async def test_enter_in_the_diff_tab_expands_the_row_under_the_cursor(workdir):
    from workbench.tui.widgets.diff import DiffView

    run_flow(workdir)
    from tui_helpers import edit_flow
    edit_flow(workdir / "churn_flow.py", "range(300)", "range(700)")
    spin(workdir, "train")
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.select_run(2)
        await pilot.press("j", "j", "2")
        tree = app.query_one(DiffView)
        await wait_for(pilot, lambda: bool(tree.change_nodes), what="the diff")
        tree.focus()
        await pilot.press("n")
        node = tree.cursor_node
        assert node is not None and node.allow_expand
        was = node.is_expanded
        await pilot.press("enter")
        assert node.is_expanded is not was
        assert app.screen is app.main  # no preview was opened
        await pilot.press("enter")
        assert node.is_expanded is was


async def test_the_footer_keeps_help_and_quit_at_80_columns(workdir):
    from textual.widgets._footer import FooterKey

    run_flow(workdir)
    app = make_app(workdir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ("d", "t", "a", "u"):  # whichever pane has the focus
            await pilot.press(key)
            await pilot.pause(0.1)
            visible = {k.key for k in app.screen.query(FooterKey)
                       if k.region.right <= 80 and k.region.width > 0}
            assert {"question_mark", "q"} <= visible, (key, visible)


async def test_the_runs_pane_lists_the_newest_hundred_and_plus_lists_older(workdir):
    """A store that grew: the first screen reads 100 runs, not all of them; + adds 100."""
    from workbench.store import Store
    from workbench.tui.widgets.panes import RunsTable

    first = run_flow(workdir)
    catalog = Store(workdir / "store").catalog
    task_ids = [t.id for t in catalog.list_tasks(first.id)]
    for n in range(149):
        run = catalog.create_run("ChurnFlow", "run", flow_file=str(workdir / "churn_flow.py"),
                                 parameters={"seed": n})
        catalog.clone_tasks(task_ids, run.id)
        catalog.finish_run(run.id, "succeeded")
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.query_one(RunsTable)
        pane = app.main.query_one("#runs-pane")
        assert table.row_count == 100
        assert [r.number for r in table.shown_rows][:2] == [150, 149]
        assert pane.border_subtitle == "100 of 150 runs · + older"
        await pilot.press("u", "plus")
        await settle(pilot)
        assert table.row_count == 150 and table.shown_rows[-1].number == 1
        assert pane.border_subtitle == "150 runs"
        await pilot.press("plus")
        await settle(pilot)
        assert "all 150 runs are listed" in [m for m, _ in app.messages][-1]


async def test_a_run_asked_for_is_listed_however_old(workdir):
    from workbench.store import Store
    from workbench.tui.widgets.panes import RunsTable

    first = run_flow(workdir)
    catalog = Store(workdir / "store").catalog
    task_ids = [t.id for t in catalog.list_tasks(first.id)]
    for n in range(120):
        run = catalog.create_run("ChurnFlow", "run", flow_file=str(workdir / "churn_flow.py"))
        catalog.clone_tasks(task_ids, run.id)
        catalog.finish_run(run.id, "succeeded")
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=0.2, run=1)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.query_one(RunsTable)
        assert table.shown_rows[-1].number == 1 and table.row_count == 121
        assert app.selected_run == 1
