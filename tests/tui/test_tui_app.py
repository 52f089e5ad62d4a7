"""Pilot tests: the app driven by keys on sample flows in a temporary store, with the real
engine worker process where something runs."""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from workbench.engine import protocol as P
from tui_helpers import (IdleEngine, edit_flow, plain, run_flow, settle, spin, wait_for,
                         wait_idle)
from workbench.store import Store


def make_app(workdir: Path, flow: str = "churn_flow.py", engine: bool = True, **kwargs):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / flow, store=workdir / "store",
                       engine_factory=True if engine else IdleEngine, poll_interval=0.2,
                       **kwargs)
    app.animation_level = "none"
    return app


def runs(workdir: Path, flow: str = "ChurnFlow"):
    return Store(workdir / "store", create=False).catalog.list_runs(flow)


# --------------------------------------------------------------------------- run & spin


async def test_run_then_spin_shows_the_diff(workdir):
    """r runs the flow; editing train and pressing s makes a spin run whose diff lists
    the changed artifacts."""
    from workbench.tui.widgets.dag import DagView
    from workbench.tui.widgets.diff import DiffView
    from workbench.tui.widgets.panes import RunsTable

    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_idle(pilot)
        table = app.query_one(RunsTable)
        assert [r.number for r in table.rows_] == [1]
        assert table.rows_[0].status == "succeeded"
        dag = app.query_one(DagView)
        assert {s.status for s in dag.states.values()} == {"succeeded"}
        assert dag.states["train"].tasks == 4

        edit_flow(workdir / "churn_flow.py", "range(300)", "range(700)")
        await wait_for(pilot, lambda: dag.states["train"].modified, what="train modified")
        assert dag.states["pick_best"].stale and dag.states["end"].stale
        assert "●" in dag.layout_.boxes["train"].label

        await pilot.press("j", "j")
        assert app.selected_step == "train"
        await pilot.press("s")
        await wait_idle(pilot)
        await wait_for(pilot, lambda: app.selected_run == 2, what="spin run selected")
        await settle(pilot)

        spun = runs(workdir)[0]
        assert (spun.number, spun.kind, spun.spun_step, spun.origin_run) == (2, "spin",
                                                                            "train", 1)
        assert table.rows_[0].label == "spin train[0] <- 1"
        assert app.query_one("#tabs").active == "diff"
        tree = app.query_one(DiffView)
        changed = [n.data.name for n in tree.change_nodes]
        assert "accuracy" in changed and "weights" in changed
        assert dag.states["start"].status == "cloned"
        # n/N move between changes
        tree.focus()
        await pilot.press("n")
        assert tree.cursor_node is tree.change_nodes[1]
        await pilot.press("N")
        assert tree.cursor_node is tree.change_nodes[0]


async def test_cancel_stops_a_running_step(workdir):
    (workdir / "slow_flow.py").write_text(
        "import time\nfrom workbench import FlowSpec, step\n\n"
        "class SlowFlow(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.wait)\n\n"
        "    @step\n    def wait(self):\n        print('waiting', flush=True)\n"
        "        time.sleep(60)\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n")
    app = make_app(workdir, "slow_flow.py")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: any(
            t.status == "running" for r in runs(workdir, "SlowFlow")
            for t in Store(workdir / "store", create=False).catalog.list_tasks(r.id)
            if t.step == "wait"), what="the wait step to start")
        from workbench.tui.widgets.logs import LogView
        await pilot.press("j")  # the running step: its log follows live
        log = app.query_one(LogView)
        await wait_for(pilot, lambda: "waiting" in log.text, what="the live log line")
        assert app.query_one("#flow-pane").border_subtitle.endswith("running")
        import time
        t0 = time.monotonic()
        await pilot.press("x")
        await wait_idle(pilot, timeout=10)
        assert time.monotonic() - t0 < 2.0  # the bound: stopped within 2 s
        assert runs(workdir, "SlowFlow")[0].status == "cancelled"
        # still responsive
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"


async def test_crashing_step_leaves_the_app_responsive(workdir):
    (workdir / "crash_flow.py").write_text(
        "import os\nfrom workbench import FlowSpec, step\n\n"
        "class CrashFlow(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.x = 1\n        self.next(self.boom)\n\n"
        "    @step\n    def boom(self):\n        print('about to die', flush=True)\n"
        "        os._exit(3)\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n")
    from workbench.tui.widgets.dag import DagView
    from workbench.tui.widgets.panes import TaskInfo

    app = make_app(workdir, "crash_flow.py")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        await wait_idle(pilot)
        assert runs(workdir, "CrashFlow")[0].status == "failed"
        dag = app.query_one(DagView)
        assert dag.states["boom"].status == "failed"
        await settle(pilot)
        assert app.selected_step == "boom"  # a failed run selects its failed step
        assert app.query_one("#tabs").active == "task"
        text = plain(app.query_one(TaskInfo))
        assert "failed" in text
        await pilot.press("r")  # the worker survived: it runs again
        await wait_idle(pilot)
        assert len(runs(workdir, "CrashFlow")) == 2


async def test_resume_and_params(workdir):
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("p")
        assert app.screen.__class__.__name__ == "ParamsScreen"
        box = app.screen.query_one("#param-0")
        box.value = "1200"
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        first = runs(workdir)[0]
        assert first.parameters["n_customers"] == 1200
        await pilot.press("j", "j", "j")  # pick_best
        assert app.selected_step == "pick_best"
        await pilot.press("R")
        await wait_idle(pilot)
        resumed = runs(workdir)[0]
        assert (resumed.kind, resumed.spun_step, resumed.status) == ("resume", "pick_best",
                                                                    "succeeded")


async def test_spin_with_overrides_form(workdir):
    run_flow(workdir)
    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")  # pick_best
        await pilot.press("S")
        assert app.screen.__class__.__name__ == "OverridesScreen"
        await pilot.press("escape")
        assert app.screen.__class__.__name__ == "MainScreen"
        await pilot.press("j", "k")  # end, back to pick_best
        await pilot.press("S")
        screen = app.screen
        screen.query_one("#ov-extra").value = "note = 'from the form'"
        await pilot.press("ctrl+s")
        await wait_idle(pilot)
        spun = runs(workdir)[0]
        assert spun.kind == "spin" and spun.overrides == {"note": "'from the form'"}


async def test_watch_mode_spins_on_save(workdir):
    run_flow(workdir)
    app = make_app(workdir, watch=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        edit_flow(workdir / "churn_flow.py", "for _ in range(300)", "for _ in range(333)")
        await wait_for(pilot, lambda: len(runs(workdir)) == 2, what="the automatic spin")
        await wait_idle(pilot)
        spun = runs(workdir)[0]
        assert (spun.kind, spun.spun_step) == ("spin", "train")
        await pilot.press("w")
        assert app.watch is False


# --------------------------------------------------------------------------- browsing


async def test_foreach_split_picker(workdir):
    from textual.widgets import Select

    run_flow(workdir)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        select = app.query_one("#splits", Select)
        assert not select.display
        await pilot.press("j", "j")
        await settle(pilot)
        assert select.display
        assert [v for _, v in select._options if v is not Select.NULL] == [0, 1, 2, 3]  # noqa
        assert "train[0]" in str(app.query_one("#artifacts-pane").border_title)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.selected_split == 1
        assert "train[1]" in str(app.query_one("#artifacts-pane").border_title)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.selected_split == 3


async def test_dataframe_preview(workdir):
    from workbench.tui.widgets.panes import ArtifactsTable
    from workbench.tui.widgets.table import VirtualTable

    run_flow(workdir)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.query_one(ArtifactsTable)
        assert table.current_name == "customers"
        table.focus()
        await pilot.press("enter")
        assert app.screen.__class__.__name__ == "PreviewScreen"
        await wait_for(pilot, lambda: bool(app.screen.query(VirtualTable)), what="rows")
        await settle(pilot)
        title = plain(app.screen.query_one("#preview-title"))
        assert "5,000 rows × 5 columns" in title
        rows = app.screen.query_one("#rows-table", VirtualTable)
        header = rows.render_line(0).text
        assert "tenure" in header and "monthly" in header and "churned" in header
        first = rows.render_line(1).text
        assert first.strip().startswith("0 │")
        await pilot.press("G")
        assert rows.cursor_row == 4999
        await pilot.press("escape")
        assert app.screen.__class__.__name__ == "MainScreen"


async def test_filter_artifacts(workdir):
    from workbench.tui.widgets.panes import ArtifactsTable

    run_flow(workdir)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"acc")
        table = app.query_one(ArtifactsTable)
        assert [r.name for r in table.visible_rows] == ["accuracy"]
        await pilot.press("escape")
        assert len(table.visible_rows) > 1
        assert not app.query_one("#filter").display


async def test_compare_screen(workdir):
    run_flow(workdir)
    run_flow(workdir, n_customers=3000)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.selected_run == 2
        runs_table = app.query_one("#runs")
        runs_table.focus()
        await pilot.press("down")
        assert app.selected_run == 1
        await pilot.press("m")
        assert app.marked == 1
        await pilot.press("up")
        await pilot.press("c")
        assert app.screen.__class__.__name__ == "CompareScreen"
        await wait_for(pilot, lambda: app.screen.comparison is not None, what="comparison")
        await settle(pilot)
        params = plain(app.screen.query_one("#compare-params"))
        assert "n_customers" in params and "5000" in params and "3000" in params
        steps = plain(app.screen.query_one("#compare-steps"))
        assert "pick_best" in steps
        assert "carried from start" in steps
        # each change once, under the step that made it, with the steps it flowed through
        tree = app.screen.query_one("#compare-tree")
        labels = _tree_labels(tree.root)
        n_rows = [(path, text) for path, text in labels if text.startswith("~ n_customers")]
        assert len(n_rows) == 1 and n_rows[0][0] == ["start"]
        assert "carried through features, train, pick_best, end" in n_rows[0][1]
        features = [text for path, text in labels if path == ["features"]]
        assert any(t.startswith("~ X") for t in features)
        assert not any("customers" in t for t in features)
        await pilot.press("escape")
        assert app.screen.__class__.__name__ == "MainScreen"


def _tree_labels(node, path=None):
    """(path of step/split labels, label text) of every artifact row of a tree."""
    out = []
    for child in node.children:
        text = child.label.plain
        if text[:2] in ("~ ", "+ ", "- "):
            out.append((path or [], text))
        elif child.children and not text.startswith(" "):
            out += _tree_labels(child, (path or []) + [text.split("  ")[0]])
        else:
            out.append((path or [], text))
    return out


async def test_compare_a_spin_never_reads_not_run_as_no_change(workdir):
    run_flow(workdir)
    edit_flow(workdir / "churn_flow.py", "for _ in range(300):", "for _ in range(400):")
    spin(workdir, "train")
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        app.select_run(1)
        app.marked = 1
        app.select_run(2)
        await settle(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: app.screen.comparison is not None, what="comparison")
        await settle(pilot)
        steps = plain(app.screen.query_one("#compare-steps"), width=160).splitlines()
        for step in ("pick_best", "end"):
            row = next(line for line in steps if line.split() and line.split()[0] == step)
            assert "not run in run 2" in row and "no change" not in row
        labels = [text for _, text in _tree_labels(app.screen.query_one("#compare-tree").root)]
        assert any(t.startswith("pick_best") and "not run in run 2" in t for t in labels)
        assert not any("no artifact differs" in t for t in labels)


async def test_syntax_error_banner_keeps_last_good_dag(workdir):
    from workbench.tui.widgets.dag import DagView

    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        banner = app.query_one("#banner")
        assert not banner.display
        edit_flow(workdir / "churn_flow.py", "def features(self):", "def features(self)")
        await wait_for(pilot, lambda: banner.display, what="the banner")
        text = plain(banner)
        assert "churn_flow.py:" in text and "syntax error" in text
        assert "features" in app.query_one(DagView).layout_.boxes
        edit_flow(workdir / "churn_flow.py", "def features(self)", "def features(self):")
        await wait_for(pilot, lambda: not banner.display, what="the banner to go")


async def test_spin_diff_of_a_spin_made_elsewhere(workdir):
    from workbench.tui.widgets.diff import DiffView

    run_flow(workdir)
    edit_flow(workdir / "churn_flow.py", "range(300)", "range(50)")
    spin(workdir, "train")
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        tree = app.query_one(DiffView)
        assert {n.data.name for n in tree.change_nodes} >= {"accuracy", "weights"}


async def test_help_palette_and_keys(workdir, tmp_path, monkeypatch):
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.keys import APP_KEYS
    from workbench.tui.main_screen import MainScreen

    run_flow(workdir)
    # every binding has an id and a description; the main screen binds every key (in the
    # table's order) and the app the app-wide ones
    for binding in [*WorkbenchApp.BINDINGS, *MainScreen.BINDINGS]:
        assert binding.id and binding.description
    assert [b.id for b in MainScreen.BINDINGS] == [f"workbench.{k.id}" for k in APP_KEYS]
    assert all(b.action.startswith("app.") for b in MainScreen.BINDINGS)
    assert len({k.id for k in APP_KEYS}) == len(APP_KEYS)

    # e opens $EDITOR at the step's line
    record = tmp_path / "editor-args"
    editor = tmp_path / "fake-editor"
    editor.write_text(f"#!/bin/sh\necho \"$@\" > {record}\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)

    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        text = plain(app.screen.query_one("#help-box Static"))
        for key in APP_KEYS:
            assert key.description in text
        await pilot.press("escape")

        await pilot.press("j")
        await pilot.press("e")
        line = app.graph["features"].lineno
        assert record.read_text().split() == [f"+{line}", str(workdir / "churn_flow.py")]

        from workbench.tui.commands import WorkbenchCommands
        provider = WorkbenchCommands(app.screen)
        names = [name for name, *_ in provider._commands()]  # noqa: SLF001
        assert "Go to run 1" in names and "Go to step train" in names
        assert "Spin step" in names and "Compare" in names
        hits = [hit async for hit in provider.search("go to step pick")]
        assert hits
        result = hits[0].command()
        if result is not None:
            await result
        await settle(pilot)
        assert app.selected_step == "pick_best"

        await pilot.press("m")
        assert app.marked == 1
        await pilot.press("q")
    assert app.return_code == 0


async def test_quit_asks_while_running(workdir):
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        assert app.busy and app.engine.sent == [P.RunCommand({})]
        await pilot.press("q")
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("n")
        assert app.is_running
        await pilot.press("q", "y")
    assert P.CancelCommand() in app.engine.sent if app.engine else True


@pytest.mark.skipif(sys.platform == "win32", reason="posix paths")
async def test_small_terminal_80x24(workdir):
    from workbench.tui.widgets.dag import DagView

    run_flow(workdir)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dag = app.query_one(DagView)
        assert dag.layout_ is not None and set(dag.layout_.boxes) == set(app.graph.nodes)
        await pilot.press("j", "j", "j", "j")
        assert app.selected_step == "end"
        assert os.environ.get("TEXTUAL_ANIMATIONS") == "none"


async def test_click_a_step_and_read_its_source(workdir):
    from workbench.tui.widgets.dag import DagView
    from workbench.tui.widgets.panes import SourceView

    run_flow(workdir)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        dag = app.query_one(DagView)
        box = dag.layout_.boxes["pick_best"]
        await pilot.click(DagView, offset=(box.x + dag.margin_left + 2, box.y + 1))
        await settle(pilot)
        assert app.selected_step == "pick_best"
        await pilot.press("3")
        source = plain(app.query_one(SourceView))
        assert "def pick_best(self, inputs):" in source
        assert str(app.graph["pick_best"].lineno) in source


async def test_source_tab_diffs_the_code_that_ran_against_the_file_now(workdir):
    from workbench.tui.widgets.dag import DagView
    from workbench.tui.widgets.panes import SourceView

    run_flow(workdir)
    edit_flow(workdir / "churn_flow.py", "best = max(inputs, key=lambda inp: inp.accuracy)",
              "best = min(inputs, key=lambda inp: -inp.accuracy)  # same winner")
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        dag = app.query_one(DagView)
        assert dag.states["pick_best"].modified
        while app.selected_step != "pick_best":
            await pilot.press("j")
        await pilot.press("3")
        await settle(pilot)
        lines = plain(app.query_one(SourceView)).splitlines()
        assert lines[0].startswith("● modified since run 1: - ran in ChurnFlow/1/pick_best/")
        removed = [l for l in lines if " - " in l[:8]]
        added = [l for l in lines if " + " in l[:8]]
        assert len(removed) == len(added) == 1
        assert "best = max(inputs" in removed[0] and "best = min(inputs" in added[0]
        now = (workdir / "churn_flow.py").read_text().splitlines()
        number = int(added[0].split()[0])
        assert "best = min(inputs" in now[number - 1]
        assert any("self.next(self.end)" in l for l in lines)  # the whole step, not a hunk
        assert app.query_one("#tabs").get_tab("source").label.plain == "Source ●"
        # an unmodified step shows its source as before
        await pilot.press("d", "j")
        await settle(pilot)
        assert app.selected_step == "end"
        assert " - " not in plain(app.query_one(SourceView))[:400]


async def test_command_palette_runs_commands(workdir):
    run_flow(workdir)
    run_flow(workdir)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.selected_run == 2
        await pilot.press("ctrl+p")
        await pilot.press(*"go to run 1")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.selected_run == 1
        await pilot.press("ctrl+p")
        await pilot.press(*"spin step")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        last = app.engine.sent[-1]
        assert isinstance(last, P.SpinCommand) and (last.step, last.run) == ("start", 1)


async def test_spin_keys_send_the_split_every_split_and_the_forms_runs(workdir):
    """s spins the split in the picker (by its split index), A every split, and S sends the
    reference run and the run to diff against from its form."""
    from textual.widgets import Input

    run_flow(workdir)
    run_flow(workdir)
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert app.selected_step == "train" and app.current_task().split_index == 2
        await pilot.press("s")
        sent = app.engine.sent[-1]
        assert (sent.step, sent.run, sent.index, sent.all_splits) == ("train", 2, 2, False)
        app.busy = False  # the stand-in never answers
        await pilot.press("A")
        sent = app.engine.sent[-1]
        assert (sent.step, sent.index, sent.all_splits) == ("train", None, True)
        app.busy = False
        await pilot.press("S")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "OverridesScreen",
                       what="the overrides form")
        app.screen.query_one("#ov-run", Input).value = "1"
        app.screen.query_one("#ov-against", Input).value = "2"
        app.screen.query_one("#ov-art-0", Input).value = "[1,2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        sent = app.engine.sent[-1]
        assert (sent.step, sent.run, sent.against) == ("train", 1, 2)
        assert list(sent.set_values.values()) == ["[1,2"]  # text: the engine parses it


async def test_a_killed_worker_is_replaced_on_the_next_command(workdir):
    """The worker holds the cache and is the OOM killer's likely target: when it dies, the
    next command starts a new one and says so (issue 8/14 item 14)."""
    import signal

    app = make_app(workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine worker")
        first = app.engine
        first._proc.send_signal(signal.SIGKILL)  # noqa: SLF001
        await wait_for(pilot, lambda: app.engine is None, what="the worker's death noticed")
        assert "next command starts a new one" in app.activity
        await pilot.press("r")
        await wait_idle(pilot)
        assert app.engine is not None and app.engine is not first and app.engine.alive
        assert [r.status for r in runs(workdir)] == ["succeeded"]
        toasts = [m for m, _ in app.messages]
        assert any("started a new one" in t for t in toasts), toasts


async def test_a_failed_run_selects_its_failed_step_and_shows_the_task_tab(workdir):
    """After `r` on a flow that fails, the failed step is selected and the Task tab shows its
    exception (issue 9/14 item 4, first half)."""
    from workbench.tui.widgets.panes import TaskInfo

    app = make_app(workdir, flow="broken_flow.py")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine worker")
        await pilot.press("r")
        await wait_idle(pilot)
        await settle(pilot)
        assert app.selected_step == "clean"
        assert app.main.query_one("#tabs").active == "task"
        assert "ValueError" in plain(app.main.query_one(TaskInfo))


async def test_the_parameter_form_shows_type_default_help_and_how_to_submit(workdir):
    """Each parameter with its type, default and help; both forms say how to submit
    (issue 9/14 item 9, in part)."""
    app = make_app(workdir, engine=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ParamsScreen",
                       what="the parameter form")
        import html

        shot = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        assert "int = 5000 · How many customers to simulate" in shot
        assert "ctrl+s or enter submits" in shot
