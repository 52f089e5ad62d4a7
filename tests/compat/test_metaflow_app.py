"""The app and Metaflow: import from the palette (I), the Runs pane marks the run's origin,
and the run-on-Metaflow form keeps its --with specs in the project's settings."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("metaflow", reason="the parity extra (real Metaflow) is not installed")
os.environ["TEXTUAL_ANIMATIONS"] = "none"

from test_metaflow_import import FLOWS, _env, _sh  # noqa: E402

pytestmark = pytest.mark.xdist_group("metaflow_app")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))
from tui_helpers import IdleEngine, settle, wait_for  # noqa: E402


@pytest.fixture
def mf_workdir(tmp_path, monkeypatch) -> Path:
    shutil.copy(FLOWS / "import_small_flow.py", tmp_path / "import_small_flow.py")
    env = _env(tmp_path)
    _sh(tmp_path, sys.executable, "import_small_flow.py", "run", env=env)
    for name, value in env.items():
        if name.startswith("METAFLOW_") or name in ("USER", "USERNAME"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("WORKBENCH_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _app(workdir: Path):
    from workbench.tui.app import WorkbenchApp  # noqa: PLC0415

    return WorkbenchApp(workdir / "import_small_flow.py", store=workdir / "store",
                        engine_factory=IdleEngine)


async def test_import_and_run_on_metaflow_from_the_app(mf_workdir):
    from workbench.tui.commands import WorkbenchCommands  # noqa: PLC0415
    from workbench.store.project import load_settings  # noqa: PLC0415
    from workbench.tui.widgets.panes import RunsTable  # noqa: PLC0415

    app = _app(mf_workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        names = [name for name, *_ in WorkbenchCommands(app.screen)._commands()]  # noqa: SLF001
        assert "Import runs Metaflow executed" in names
        assert "Run on Metaflow" in names
        await pilot.press("I")
        assert app.screen.__class__.__name__ == "ImportMetaflowScreen"
        await pilot.press("ctrl+s")
        assert app.screen.__class__.__name__ == "MetaflowJobScreen"
        job = app.screen
        await wait_for(pilot, lambda: "imported as run 1" in str(
            job.query_one("#mf-job-status").render()), timeout=60)
        await wait_for(pilot, lambda: app.selected_run == 1)
        await pilot.press("escape")
        await settle(pilot)
        table = app.main.query_one(RunsTable)
        row = table.rows_[0]
        assert (row.number, row.kind, row.label) == (1, "metaflow", "metaflow")
        cells = table.cells_of(row)
        assert cells["kind"].style == "bold magenta"  # its own colour, not a plain run's
        assert app.store.catalog.get_run("ImportSmallFlow", 1).kind == "metaflow"

        # ctrl+r: run on Metaflow with a --with spec, kept in the project's settings
        await pilot.press("ctrl+r")
        assert app.screen.__class__.__name__ == "RunOnMetaflowScreen"
        await pilot.press(*"retry:times=1", "ctrl+s")
        assert app.screen.__class__.__name__ == "MetaflowJobScreen"
        job = app.screen
        await wait_for(pilot, lambda: "imported as run 2" in str(
            job.query_one("#mf-job-status").render()), timeout=90)
        assert load_settings(mf_workdir / "store").metaflow_with == ["retry:times=1"]
        await pilot.press("escape")
        await pilot.press("ctrl+r")
        assert app.screen.query_one("#mf-with").value == "retry:times=1"  # prefilled
        await pilot.press("escape")
    run = app.store.catalog.get_run("ImportSmallFlow", 2)
    assert run.kind == "metaflow" and run.status == "succeeded"
