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
    main: bool = False      # acts on the main screen's panes (bound there, not app-wide)

    def binding(self, namespace: str = "", show: bool | None = None) -> Binding:
        return Binding(self.key, namespace + self.action, self.description,
                       show=self.show if show is None else show,
                       key_display=self.key_display, priority=self.priority,
                       id=f"workbench.{self.id}")


RUN, NAV, INSPECT, APP = "Run and spin", "Move around", "Inspect", "App"

APP_KEYS: list[Key] = [
    Key("run", "r", "run_flow", "Run", RUN),
    Key("params", "p", "run_with_params", "Run with params…", RUN, show=False, main=True),
    Key("update", "U", "update_run", "Update: run what is stale (reuse the rest)", RUN,
        show=False, key_display="U"),
    Key("spin", "s", "spin", "Spin step", RUN, main=True),
    Key("spin_with", "S", "spin_with_overrides", "Spin with…", RUN, show=False,
        key_display="S", main=True),
    Key("spin_all", "A", "spin_all_splits", "Spin every split", RUN, show=False,
        key_display="A", main=True),
    Key("resume", "R", "resume", "Resume", RUN, show=False, key_display="R", main=True),
    Key("run_metaflow", "ctrl+r", "run_on_metaflow", "Run on Metaflow…",
        RUN, show=False, key_display="ctrl+r", main=True),
    Key("import_metaflow", "I", "import_metaflow", "Import runs Metaflow executed…", RUN,
        show=False, key_display="I", main=True),
    Key("cancel", "x", "cancel", "Cancel", RUN),
    Key("status", "i", "status", "Status: what changed since the reference run", INSPECT,
        show=False, main=True),
    Key("gc", "ctrl+g", "gc", "Collect garbage: old spins and unused blobs (workbench gc)",
        APP, show=False, key_display="ctrl+g", main=True),
    Key("watch", "w", "toggle_watch", "Watch (spin on save)", RUN, show=False),
    Key("preview", "enter", "preview", "Preview", INSPECT, show=False, key_display="⏎",
        main=True),
    Key("next_change", "n", "next_change(1)", "Next change", INSPECT, show=False, main=True),
    Key("prev_change", "N", "next_change(-1)", "Previous change", INSPECT, show=False,
        key_display="N", main=True),
    Key("mark", "m", "mark", "Mark run", INSPECT, show=False, main=True),
    Key("older_runs", "plus", "older_runs", "List 100 older runs in the Runs pane", NAV,
        show=False, key_display="+", main=True),
    Key("compare", "c", "compare", "Compare", INSPECT, main=True),
    Key("metrics", "M", "metrics", "Metrics", INSPECT, key_display="M",
        main=True),
    Key("edit", "e", "edit", "Edit", INSPECT, main=True),
    Key("filter", "slash", "filter", "Filter artifacts", INSPECT, show=False,
        key_display="/", main=True),
    Key("next_split", "right_square_bracket", "split(1)", "Next split", NAV, show=False,
        key_display="]", main=True),
    Key("prev_split", "left_square_bracket", "split(-1)", "Previous split", NAV, show=False,
        key_display="[", main=True),
    Key("focus_runs", "u", "focus_pane('runs')", "Runs pane", NAV, show=False, main=True),
    Key("focus_flow", "d", "focus_pane('flow')", "Flow pane (DAG)", NAV, show=False,
        main=True),
    Key("focus_artifacts", "a", "focus_pane('artifacts')", "Artifacts pane", NAV, show=False,
        main=True),
    Key("focus_tabs", "t", "focus_pane('tabs')",
        "Bottom panel (Logs, Diff, Source, Task, Card)", NAV, show=False, main=True),
    Key("zoom", "z", "toggle_zoom", "Maximise or restore the pane", NAV, show=False,
        main=True),
    Key("tab_logs", "1", "show_tab('logs')", "Logs tab", NAV, show=False, main=True),
    Key("tab_diff", "2", "show_tab('diff')", "Diff tab", NAV, show=False, main=True),
    Key("tab_source", "3", "show_tab('source')", "Source tab", NAV, show=False, main=True),
    Key("tab_task", "4", "show_tab('task')", "Task tab", NAV, show=False, main=True),
    Key("tab_card", "5", "show_tab('card')", "Card tab (the task's @card)", NAV, show=False,
        main=True),
    Key("next_pane", "tab", "focus_next", "Next pane", NAV, show=False, palette=False),
    Key("prev_pane", "shift+tab", "focus_previous", "Previous pane", NAV, show=False,
        palette=False),
    Key("help", "question_mark", "help", "Help", APP, key_display="?"),
    Key("quit", "q", "request_quit", "Quit", APP),
]

# The main screen binds every key (in this order, so its Footer reads as above); the app binds
# the app-wide ones too, unlisted, so they also work over a preview or a comparison.
APP_WIDE_KEYS = [k for k in APP_KEYS if not k.main]

# Keys of individual widgets, listed on the help screen (their bindings live there).
WIDGET_KEYS: list[Key] = [
    Key("dag.up", "up,k", "cursor('up')", "Step above", NAV, show=False, palette=False),
    Key("dag.down", "down,j", "cursor('down')", "Step below", NAV, show=False, palette=False),
    Key("dag.left", "left,h", "cursor('left')", "Step to the left", NAV, show=False,
        palette=False),
    Key("dag.right", "right,l", "cursor('right')", "Step to the right", NAV, show=False,
        palette=False),
    Key("logs.follow", "f", "toggle_follow", "Follow log", INSPECT, show=False, palette=False),
    Key("table.top", "home,g", "first_row", "First row", NAV, show=False, palette=False),
    Key("table.bottom", "end,G", "last_row", "Last row", NAV, show=False, palette=False),
    Key("table.down", "j", "cursor_down", "Row below", NAV, show=False, palette=False),
    Key("table.up", "k", "cursor_up", "Row above", NAV, show=False, palette=False),
    Key("task.frames", "o", "toggle_frames", "Show or fold library frames of a traceback",
        INSPECT, show=False, palette=False),
    Key("diff.expand", "enter", "toggle_node", "Expand or fold the diff row", INSPECT,
        show=False, palette=False),
]


def bindings(keys: list[Key], namespace: str = "", show: bool | None = None
             ) -> list[Binding]:
    """Bindings for ``keys``; ``namespace`` ("app.") when they act on another node; ``show``
    overrides whether the Footer lists them."""
    return [k.binding(namespace, show) for k in keys]


def widget_key(key_id: str) -> Key:
    for k in WIDGET_KEYS:
        if k.id == key_id:
            return k
    raise KeyError(key_id)
