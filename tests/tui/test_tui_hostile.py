"""Text a flow produces is hostile: names, types, values, cells, help and exceptions reach the
screen only through the one sanitiser, and never as markup (issue 8/14 items 5-7)."""
from __future__ import annotations

from pathlib import Path

from tui_helpers import settle, wait_for

HOSTILE = '''
from workbench import FlowSpec, Parameter, step
import pandas as pd

OSC52 = "\\x1b]52;c;aGFja2Vk\\x07"
TITLE = "\\x1b]0;pwned\\x07"


class Hostile(FlowSpec):
    """A flow whose data tries to reach the terminal."""

    taux_élevé = Parameter("taux_élevé", default=1, help="rate [/data/in] [@click=app.quit]go")

    @step
    def start(self):
        setattr(self, "x" + OSC52, 1)
        self.données = "[/]"
        self.text = "clear" + "\\x1b[2J" + TITLE + " [bold]not bold[/bold] [@click=app.quit]q[/]"
        self.frame = pd.DataFrame({"c": ["cell" + OSC52, "[/]"]})
        self.next(self.end)

    @step
    def end(self):
        raise ValueError("bad [/ value" + OSC52)
'''


def _make(workdir: Path):
    from tui_helpers import IdleEngine
    from workbench.tui.app import WorkbenchApp

    flow = workdir / "hostile.py"
    flow.write_text(HOSTILE)
    return flow, WorkbenchApp(flow, store=workdir / "store", engine_factory=IdleEngine,
                              poll_interval=60)


def _shot(app) -> str:
    """What the screen shows, as text (the SVG export with its entities decoded)."""
    import html

    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def test_hostile_names_values_help_and_errors_never_reach_the_terminal(workdir):
    from workbench.engine.api import run_flow

    flow, app = _make(workdir)
    run = run_flow(flow, store=workdir / "store")
    assert run.status == "failed"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = _shot(app)
        assert "\x1b]52" not in screen and "\x1b]0;" not in screen and "\x1b[2J" not in screen
        assert "\\x1b]52" in screen  # the name is shown, escaped
        # p: the parameter form (help with markup-like text, a non-ASCII name)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ParamsScreen",
                       what="the parameter form")
        shot = _shot(app)
        assert "[/data/in]" in shot and "taux_élevé" in shot
        await pilot.press("escape")
        await settle(pilot)
        # S: the overrides form lists the inputs of end: données = "[/]"
        app.select_step("end")
        await settle(pilot)
        await pilot.press("S")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "OverridesScreen",
                       what="the overrides form")
        assert "données" in _shot(app)
        await pilot.press("escape")
        await settle(pilot)
        # the Task tab shows the exception as text
        await pilot.press("4")
        await settle(pilot)
        shot = _shot(app)
        assert "bad [/ value" in shot and "\x1b]52" not in shot
        assert app.is_running
        # the text and the frame previews
        app.select_step("start")
        await settle(pilot)
        from workbench.tui.widgets.panes import ArtifactsTable

        table = app.main.query_one(ArtifactsTable)
        for name, shown in (("text", "\\x1b[2J"), ("frame", "cell\\x1b]52")):
            rows = [r.key for r in table.visible_rows]
            table.focus()
            table.move_cursor(row=rows.index(name))
            await settle(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "PreviewScreen",
                           what=f"the preview of {name}")
            await wait_for(pilot, lambda: shown in _shot(app), what=f"{name} escaped")
            shot = _shot(app)
            assert "\x1b]52" not in shot and "\x1b]0;" not in shot and "\x1b[2J" not in shot
            await pilot.press("escape")
            await settle(pilot)
        assert app.is_running


async def test_a_failure_toast_with_markup_in_the_exception_leaves_the_app_up(workdir):
    from tui_helpers import wait_idle
    from workbench.tui.app import WorkbenchApp

    flow = workdir / "hostile.py"
    flow.write_text(HOSTILE)
    app = WorkbenchApp(flow, store=workdir / "store", poll_interval=0.2)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: app.activity == "idle", what="the engine worker")
        await pilot.press("r")
        await wait_idle(pilot)
        assert app.is_running
        toasts = [m for m, _ in app.messages]
        assert any("bad [/ value" in m for m in toasts), toasts
        assert all("\x1b" not in m for m in toasts)
        assert "\x1b" not in _shot(app)


def test_a_card_s_text_reaches_the_card_tab_as_text():
    """Markdown, table cells, artifact reprs, chart data and labels from a card: escape
    sequences shown as \\x.., console markup and HTML shown as typed, links not made links."""
    from rich.console import Console

    from workbench.tui.widgets.card import card_renderables

    osc = "\x1b]52;c;aGFja2Vk\x07"
    card = {"type": "default", "id": None, "data": {"components": [
        {"type": "title", "text": "Flow/1/start/1" + osc},
        {"type": "page", "title": "[bold]page[/bold]", "contents": [
            {"type": "markdown", "source": "# Head [red]x[/red]\n<b>raw</b> [l](javascript:x)"
                                           + osc},
            {"type": "table", "columns": ["[@click=app.quit]c"],
             "data": [["cell\x1b[2J"], [{"type": "artifacts", "data": [
                 {"name": "n", "type": "str", "data": "'[/]'" + osc}]}]]},
            {"type": "vegaChart", "spec": {"mark": "bar", "title": "t[/]",
                                           "data": {"values": [{"a": "v\x1b[31m"}]}}},
            {"type": "image", "src": "data:image/png;base64,AAAA", "label": "[b]img" + osc},
            {"type": "log", "data": "boom [/]" + osc},
        ]}]}}
    console = Console(width=100, record=True, color_system="truecolor", force_terminal=True,
                      file=open("/dev/null", "w"))
    for part in card_renderables(card, 0, 1):
        console.print(part)
    text = console.export_text(styles=False)
    raw = console.export_text(styles=True)
    assert "\x1b]52" not in raw and "\x1b[2J" not in raw and "\x07" not in raw
    assert "\\x1b]52;c;aGFja2Vk\\x07" in text
    for literal in ("[bold]page[/bold]", "[red]x[/red]", "<b>raw</b>", "[@click=app.quit]c",
                    "'[/]'", "t[/]", "[b]img", "boom [/]"):
        assert literal in text, literal
    assert "\x1b]8;" not in raw  # no terminal hyperlink from the Markdown link
