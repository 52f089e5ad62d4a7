"""Every key of the app in one table: the Footer, the help screen and the command palette
are all generated from it, so a key never lacks a description.

Each binding has a globally unique id (``workbench.<action>``), so a keymap can rebind it.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    id: str
    key: str
    action: str
    description: str
    group: str
    show: bool = True
    priority: bool = False
    key_display: str | None = None
    palette: bool = True    # offered by the command palette

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.description, show=self.show,
                       key_display=self.key_display, priority=self.priority,
                       id=f"workbench.{self.id}")


RUN, NAV, INSPECT, APP = "Run and spin", "Move around", "Inspect", "App"

APP_KEYS: list[Key] = [
    Key("run", "r", "run_flow", "Run", RUN),
    Key("params", "p", "run_with_params", "Run with params…", RUN, show=False),
    Key("spin", "s", "spin", "Spin step", RUN),
    Key("spin_with", "S", "spin_with_overrides", "Spin with…", RUN, show=False,
        key_display="S"),
    Key("spin_all", "A", "spin_all_splits", "Spin every split", RUN, show=False,
        key_display="A"),
    Key("resume", "R", "resume", "Resume", RUN, show=False, key_display="R"),
    Key("cancel", "x", "cancel", "Cancel", RUN),
    Key("watch", "w", "toggle_watch", "Watch", RUN),
    Key("preview", "enter", "preview", "Preview", INSPECT, key_display="⏎"),
    Key("next_change", "n", "next_change(1)", "Next change", INSPECT, show=False),
    Key("prev_change", "N", "next_change(-1)", "Previous change", INSPECT, show=False,
        key_display="N"),
    Key("mark", "m", "mark", "Mark run", INSPECT, show=False),
    Key("compare", "c", "compare", "Compare", INSPECT),
    Key("edit", "e", "edit", "Edit step", INSPECT),
    Key("filter", "slash", "filter", "Filter artifacts", INSPECT, show=False,
        key_display="/"),
    Key("next_split", "right_square_bracket", "split(1)", "Next split", NAV, show=False,
        key_display="]"),
    Key("prev_split", "left_square_bracket", "split(-1)", "Previous split", NAV, show=False,
        key_display="["),
    Key("tab_logs", "1", "show_tab('logs')", "Logs tab", NAV, show=False),
    Key("tab_diff", "2", "show_tab('diff')", "Diff tab", NAV, show=False),
    Key("tab_source", "3", "show_tab('source')", "Source tab", NAV, show=False),
    Key("tab_task", "4", "show_tab('task')", "Task tab", NAV, show=False),
    Key("next_pane", "tab", "focus_next", "Next pane", NAV, show=False, palette=False),
    Key("prev_pane", "shift+tab", "focus_previous", "Previous pane", NAV, show=False,
        palette=False),
    Key("help", "question_mark", "help", "Help", APP, key_display="?"),
    Key("quit", "q", "request_quit", "Quit", APP),
]

# Keys of individual widgets, listed on the help screen (their bindings live there).
WIDGET_KEYS: list[Key] = [
    Key("dag.up", "up,k", "cursor('up')", "Step above", NAV, show=False, palette=False),
    Key("dag.down", "down,j", "cursor('down')", "Step below", NAV, show=False, palette=False),
    Key("dag.left", "left,h", "cursor('left')", "Step to the left", NAV, show=False,
        palette=False),
    Key("dag.right", "right,l", "cursor('right')", "Step to the right", NAV, show=False,
        palette=False),
    Key("logs.follow", "f", "toggle_follow", "Follow log", INSPECT, palette=False),
]


def bindings(keys: list[Key]) -> list[Binding]:
    return [k.binding() for k in keys]


def widget_key(key_id: str) -> Key:
    for k in WIDGET_KEYS:
        if k.id == key_id:
            return k
    raise KeyError(key_id)
