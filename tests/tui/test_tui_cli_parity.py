"""The app can do what the CLI can (issue 9/14 item 5): status and gc from a key or the
palette, with the meaning of ``workbench status`` and ``workbench gc``."""
from __future__ import annotations

import json
import subprocess
import sys

from tui_helpers import IdleEngine, edit_flow, plain, run_flow, settle, spin, wait_for


def make_app(workdir):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    app.animation_level = "none"
    return app


def cli(workdir, *args):
    out = subprocess.run([sys.executable, "-m", "workbench", *args, "--store",
                          str(workdir / "store"), "--json"], cwd=workdir, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


async def test_status_key_shows_what_workbench_status_reports(workdir):
    from workbench.tui.screens.report import ReportScreen

    run_flow(workdir)
    edit_flow(workdir / "churn_flow.py", "range(300)", "range(700)")
    expected = cli(workdir, "status", "churn_flow.py")
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen), what="status")
        text = plain(app.screen.query_one("#report-body"), width=118)
        assert f"vs run {expected['reference']['run']}" in text
        for s in expected["steps"]:
            line = next(line for line in text.splitlines() if f" {s['step']} " in line)
            assert s["status"] in line, (s, line)
        await pilot.press("escape")
        assert app.screen is app.main


async def test_gc_from_the_palette_does_what_workbench_gc_does(workdir):
    from workbench.store import Store
    from workbench.store.gc import KEEP_SPINS
    from workbench.tui.screens.forms import ConfirmScreen

    run_flow(workdir)
    for i in range(KEEP_SPINS + 2):
        edit_flow(workdir / "churn_flow.py", f"range({300 + i})" if i else "range(300)",
                  f"range({301 + i})")
        spin(workdir, "train", run=1)
    catalog = Store(workdir / "store", create=False).catalog
    before = [r.number for r in catalog.list_runs("ChurnFlow")]
    dry = cli(workdir, "gc", "ChurnFlow", "--dry-run")
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        from workbench.tui.commands import WorkbenchCommands
        names = [n for n, *_ in WorkbenchCommands(app.screen)._commands()]  # noqa: SLF001
        assert any(n.startswith("Collect garbage") for n in names)
        assert any(n.startswith("Status") for n in names)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("n")
        assert [r.number for r in catalog.list_runs("ChurnFlow")] == before
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: any(m.startswith("gc:") for m, _ in app.messages),
                       what="the gc report")
        await settle(pilot)
    after = [r.number for r in catalog.list_runs("ChurnFlow")]
    assert sorted(set(before) - set(after)) == dry["removed_runs"] and dry["removed_runs"]
