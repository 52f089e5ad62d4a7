"""Hints and forms (issue 9/14 item 9): running steps tick their elapsed time in the header,
a bad parameter keeps the form open with the error under its field."""
from __future__ import annotations

import re

from tui_helpers import IdleEngine, run_flow, settle, wait_for, wait_idle

SLOW = '''from metaflow import FlowSpec, step


class SlowFlow(FlowSpec):
    @step
    def start(self):
        import time
        time.sleep(2.5)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    SlowFlow()
'''


def header_text(app) -> str:
    from workbench.tui.widgets.panes import StatusHeader

    return str(app.main.query_one(StatusHeader).content)


async def test_running_steps_show_their_elapsed_time_live(workdir):
    from workbench.tui.app import WorkbenchApp

    (workdir / "slow_flow.py").write_text(SLOW)
    app = WorkbenchApp(workdir / "slow_flow.py", store=workdir / "store", poll_interval=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine worker")
        await pilot.press("r")
        await wait_for(pilot, lambda: "▶ start" in header_text(app), what="start running")
        seen = set()
        for _ in range(30):
            m = re.search(r"▶ start (\d+\.\d+)s", header_text(app))
            if m:
                seen.add(m.group(1))
            await pilot.pause(0.1)
        assert len(seen) >= 3  # it ticks
        assert max(float(v) for v in seen) >= 1.0
        await wait_idle(pilot, timeout=60)
        assert "▶" not in header_text(app)


async def test_a_bad_parameter_keeps_the_form_open_with_the_error_beside_it(workdir):
    from textual.widgets import Input, Static

    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.forms import ParamsScreen

    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine stand-in")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ParamsScreen), what="the form")
        form = app.screen
        names = [s.name or s.attr for s in form.parameters]
        i = names.index("n_customers")
        box = form.query_one(f"#param-{i}", Input)
        box.value = "lots"
        other = form.query_one(f"#param-{names.index('seed')}", Input)
        other.value = "42"
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert app.screen is form  # still open, nothing lost
        error = form.query_one(f"#param-error-{i}", Static)
        assert error.display and "expects an int" in str(error.content)
        assert "lots" in str(error.content)
        assert app.focused is box and box.has_class("-invalid")
        assert other.value == "42" and app.engine.sent == []
        box.value = "1200"
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ParamsScreen)
        assert app.engine.sent[-1].params == {"n_customers": "1200", "seed": "42"}


async def test_notifications_never_cover_the_panes(workdir):
    """At 80x24, a spin's message and an error sit on the message line above the Footer:
    no toast floats over the Diff rows, the S form or the Task tab."""
    from textual.widgets._toast import Toast

    from workbench.tui.app import WorkbenchApp
    from workbench.tui.widgets.message_line import MessageLine

    run_flow(workdir)
    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine stand-in")
        await settle(pilot)
        tabs = app.main.query_one("#tabs")
        before = tabs.region
        app.notify("spin train → run 2 succeeded in 0.31s: accuracy, weights")
        app.notify("ChurnFlow/2/train/9 failed: ValueError", severity="error")
        await pilot.pause(0.2)
        line = app.main.query_one(MessageLine)
        assert line.display and "ValueError" in line.text
        assert not list(app.screen.query(Toast))
        # the line has a row of its own: the bottom panel ends above it
        assert not tabs.region.overlaps(line.region)
        assert tabs.region.bottom <= line.region.y < 23  # above the Footer
        assert line.region.y == tabs.region.bottom and before.bottom == 23
        await pilot.press("S")  # a form: the message shows under it, not over it
        await pilot.pause(0.2)
        app.notify("a warning while the form is open", severity="warning")
        await pilot.pause(0.2)
        assert "warning while" in line.text and not list(app.screen.query(Toast))
        assert [m for m, _ in app.messages][-1] == "a warning while the form is open"
