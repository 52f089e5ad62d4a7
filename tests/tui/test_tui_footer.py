"""SteadyFooter rebuilds its keys only when what it shows changes: focus moving between
widgets with the same keys costs nothing, a widget with keys of its own still shows them."""
from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from workbench.tui.widgets.footer import SteadyFooter


class Plain(Static, can_focus=True):
    pass


class WithKey(Static, can_focus=True):
    BINDINGS = [Binding("o", "noop", "Open frames")]

    def action_noop(self) -> None:
        pass


class Small(App):
    BINDINGS = [Binding("r", "noop", "Run")]

    def compose(self) -> ComposeResult:
        yield Plain("a", id="a")
        yield Plain("b", id="b")
        yield WithKey("c", id="c")
        yield SteadyFooter()

    def action_noop(self) -> None:
        pass


def _keys(app) -> list[str]:
    return [str(key.description) for key in app.query("FooterKey")]


async def test_the_footer_rebuilds_only_when_its_keys_change(monkeypatch):
    rebuilt = []
    original = Footer.recompose

    async def counting(self):
        rebuilt.append(1)
        return await original(self)
    monkeypatch.setattr(Footer, "recompose", counting)
    app = Small()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.query_one("#a").focus()
        await pilot.pause()
        start = len(rebuilt)
        assert "Run" in _keys(app) and "Open frames" not in _keys(app)
        for target in ("#b", "#a", "#b"):  # same keys wherever the focus is
            app.query_one(target).focus()
            await pilot.pause()
        app.refresh_bindings()
        await pilot.pause()
        assert len(rebuilt) == start
        app.query_one("#c").focus()  # a widget with a key of its own
        await pilot.pause()
        await pilot.pause()
        assert len(rebuilt) == start + 1 and "Open frames" in _keys(app)
        app.query_one("#a").focus()
        await pilot.pause()
        await pilot.pause()
        assert "Open frames" not in _keys(app)


async def test_the_app_builds_its_footer_at_most_twice_on_start(workdir, monkeypatch):
    from tui_helpers import IdleEngine, run_flow, settle, wait_for
    from workbench.tui.app import WorkbenchApp

    run_flow(workdir)
    rebuilt = []
    original = Footer.recompose

    async def counting(self):
        rebuilt.append(1)
        return await original(self)
    monkeypatch.setattr(Footer, "recompose", counting)
    app = WorkbenchApp(workdir / "churn_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine stand-in")
        await settle(pilot)
        assert len(rebuilt) <= 2
        assert {"Run", "Spin step", "Help", "Quit"} <= set(_keys(app))
        for key in ("u", "a", "t", "d"):
            await pilot.press(key)
        await settle(pilot)
        assert len(rebuilt) <= 2
