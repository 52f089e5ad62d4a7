"""Snapshot tests of the key screens (pytest-textual-snapshot).

The store is built by the real engine, then every run and task gets fixed times and the
app's clock is frozen; animations are off and the engine is a stand-in, so the SVGs are
stable. After an intended change: ``python -m pytest tests/tui --snapshot-update`` and
look at the report it writes.
"""
from __future__ import annotations

import pytest

from tui_helpers import IdleEngine, edit_flow, freeze_store, run_flow, settle, spin, wait_for

SIZE = (120, 36)


@pytest.fixture
def store_with_runs(workdir, monkeypatch):
    """Run 1; train edited and spun (run 2); run 3 with other parameters."""
    run_flow(workdir)
    edit_flow(workdir / "churn_flow.py", "for _ in range(300):", "for _ in range(900):")
    spin(workdir, "train")
    run_flow(workdir, n_customers=12000, seed=11)
    freeze_store(workdir, monkeypatch)
    return workdir


def make_app(workdir):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    app.animation_level = "none"
    return app


async def ready(pilot) -> None:
    await wait_for(pilot, lambda: pilot.app.activity == "idle", what="the engine stand-in")
    await settle(pilot)


def test_main_screen(store_with_runs, snap_compare):
    app = make_app(store_with_runs)

    async def run_before(pilot):
        await ready(pilot)
        pilot.app.select_run(1)
        await pilot.press("j", "j")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_diff_after_spin(store_with_runs, snap_compare):
    app = make_app(store_with_runs)

    async def run_before(pilot):
        await ready(pilot)
        pilot.app.select_run(2)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")  # expands weights
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dataframe_preview(store_with_runs, snap_compare):
    app = make_app(store_with_runs)

    async def run_before(pilot):
        await ready(pilot)
        pilot.app.select_run(1)
        await settle(pilot)
        pilot.app.query_one("#artifacts").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(pilot.app.screen.query("#rows-table")),
                       what="the rows")
        await settle(pilot)
        await pilot.press("down", "down")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_compare_screen(store_with_runs, snap_compare):
    app = make_app(store_with_runs)

    async def run_before(pilot):
        await ready(pilot)
        pilot.app.select_run(1)
        pilot.app.marked = 1  # (m would also show a toast)
        pilot.app.select_run(3)
        await settle(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "comparison", None)
                       is not None, what="the comparison")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(store_with_runs, snap_compare):
    app = make_app(store_with_runs)

    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dense_dag(workdir, snap_compare, monkeypatch):
    """A 20-step flow with two layers of joins and a foreach: one line per step."""
    import shutil

    from tui_helpers import SAMPLES

    shutil.copy(SAMPLES / "pipeline_flow.py", workdir / "pipeline_flow.py")
    run_flow(workdir, "pipeline_flow.py")
    freeze_store(workdir, monkeypatch)
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "pipeline_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    app.animation_level = "none"

    async def run_before(pilot):
        await ready(pilot)
        await pilot.press(*"jjjjjjjjjjjj")  # train
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def _drop_images(folder):
    """No Matplotlib picture in the snapshot: how it draws depends on Matplotlib's version,
    and whether the task could import it on how it was started (drawing is tested in
    test_tui_cards.py)."""
    import json

    def keep(component):
        if isinstance(component, dict) and component.get("contents"):
            component["contents"] = [keep(c) for c in component["contents"]
                                     if not (isinstance(c, dict) and c.get("type") == "image")]
        return component
    for path in folder.glob("*.json"):
        cards = json.loads(path.read_text())
        for card in cards:
            card["data"]["components"] = [keep(c) for c in card["data"]["components"]]
        path.write_text(json.dumps(cards))


def test_card_tab(workdir, snap_compare, monkeypatch):
    """The report step's card in the Card tab, the bottom panel maximised."""
    monkeypatch.setenv("METAFLOW_USER", "ada")  # the card names who ran it
    run_flow(workdir, "report_flow.py", top=3)
    freeze_store(workdir, monkeypatch)
    _drop_images(workdir / "store" / "cards")
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "report_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    app.animation_level = "none"

    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("j", "j")  # start, the two branches side by side, report
        await settle(pilot)
        await pilot.press("5", "t", "z")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
