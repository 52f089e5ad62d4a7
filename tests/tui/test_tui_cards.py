"""The Card tab with the Pilot and the real engine: run, read the report's card, edit the
step, spin it, and the tab shows the spin's new card (the run's stays as it was)."""
from __future__ import annotations

from pathlib import Path

from tui_helpers import edit_flow, plain, settle, wait_for, wait_idle
from workbench.store import Store


def make_app(workdir: Path):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "report_flow.py", store=workdir / "store",
                       engine_factory=True, poll_interval=0.2)
    app.animation_level = "none"
    return app


async def test_card_tab_shows_the_cards_of_a_run_and_of_a_spin(workdir):
    from workbench.tui.widgets.card import CardView

    app = make_app(workdir)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await wait_idle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert app.query_one("#tabs").active == "card"
        view = app.query_one(CardView)
        assert "made no card" in plain(view)  # start has no @card
        await pilot.press("j", "j")
        await settle(pilot)
        assert app.selected_step == "report"
        await wait_for(pilot, lambda: len(view.cards) == 1, what="the report's card")
        text = plain(view)
        assert "Sales report" in text and "Total revenue" in text and "4,775,938" in text
        assert "Vega-Lite bar chart: Revenue of the top products" in text
        assert "east" in text and "1208880.23" in text  # the regions table
        assert "workbench card SalesReportFlow/1/report/" in text
        # the Matplotlib picture (matplotlib is in the test extra), drawn in half blocks
        assert "▣ revenue by region: PNG 384×192" in text
        drawing = [line for line in text.splitlines() if set(line.strip()) == {"▀"}]
        assert len(drawing) == 14 and len(drawing[0].strip()) == 56
        tab = app.query_one("#tabs").get_tab("card")
        assert str(tab.label) == "Card ●"

        edit_flow(workdir / "report_flow.py", "# Sales report", "# Sales, revised")
        await pilot.press("s")
        await wait_idle(pilot)
        await wait_for(pilot, lambda: app.selected_run == 2, what="the spin selected")
        await pilot.press("5")
        await settle(pilot)
        await wait_for(pilot, lambda: "Sales, revised" in plain(view), what="the spin's card")
        assert "Sales report" not in plain(view)
        store = Store(workdir / "store", create=False)
        first = [t for t in store.catalog.list_tasks(store.catalog.get_run("SalesReportFlow", 1).id)
                 if t.step == "report"][0]
        assert "# Sales report" in str(store.cards(first.id))  # run 1's card unchanged
        app.select_run(1)
        await settle(pilot)
        await wait_for(pilot, lambda: "Sales report" in plain(view), what="run 1's card")


def test_a_huge_table_shows_its_first_rows_and_says_how_many_more():
    from rich.console import Console

    from workbench.tui.widgets.card import TABLE_ROWS, component_renderables

    table = {"type": "table", "columns": ["a"], "data": [[i] for i in range(50_000)]}
    console = Console(width=80, record=True, file=open("/dev/null", "w"))
    for part in component_renderables(table):
        console.print(part)
    text = console.export_text()
    assert f"{50_000 - TABLE_ROWS:,} more rows" in text
    assert f" {TABLE_ROWS - 1} " in text and f" {TABLE_ROWS} " not in text
