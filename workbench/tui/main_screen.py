"""The main screen: Runs, Flow and Artifacts side by side, Logs, Diff, Source and Task below,
and the keys that act on them. It paints the app's session state (the selection, the store,
what the engine sent) and turns widget events into changes of that state; the app holds the
state and the actions.
"""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (DataTable, Footer, Input, Select, Static, TabbedContent,
                             TabPane)
from textual.worker import get_current_worker

from .. import queries
from ..queries.source import ran_source, source_diff
from ..cardpage import image_pixels, walk
from ..display import safe
from ..store import RunRecord, StoreError, TaskRecord
from . import model
from .keys import APP_KEYS, bindings
from .messages import CardsLoaded, DiffsLoaded, LogsLoaded
from .widgets.card import IMAGE_COLUMNS, IMAGE_ROWS, CardView
from .widgets.dag import DagView
from .widgets.footer import SteadyFooter
from .widgets.diff import DiffView
from .widgets.logs import LogView, note
from .widgets.panes import (ArtifactsTable, RunsTable, SourceView, StatusHeader, TaskInfo,
                            TaskScroll)
from .widgets.message_line import MessageLine


BOTTOM_MIN = 9  # rows the Logs/Diff/Source/Task panel keeps when the Flow pane grows


def _from_app(name: str) -> property:
    """A screen attribute that is the app's (session state lives on the app)."""
    return property(lambda self: getattr(self.app, name),
                    lambda self, value: setattr(self.app, name, value))


class MainScreen(Screen[None]):
    """The panes of the loop and their keys (each acts through an ``app.`` action)."""

    BINDINGS = bindings(APP_KEYS, namespace="app.")

    # the app's session state, read and set here as if it were the screen's
    store = _from_app("store")
    graph = _from_app("graph")
    graph_error = _from_app("graph_error")
    flow = _from_app("flow")
    flow_file = _from_app("flow_file")
    store_dir = _from_app("store_dir")
    selected_run = _from_app("selected_run")
    selected_step = _from_app("selected_step")
    selected_split = _from_app("selected_split")
    _requested_run = _from_app("_requested_run")
    runs_window = _from_app("runs_window")
    live_logs = _from_app("live_logs")
    spin_diffs = _from_app("spin_diffs")
    activity = _from_app("activity")
    busy = _from_app("busy")
    marked = _from_app("marked")
    current_run = _from_app("current_run")
    current_tasks = _from_app("current_tasks")
    current_task = _from_app("current_task")
    action_preview = _from_app("action_preview")

    def __init__(self) -> None:
        super().__init__()
        self._diff_loading: tuple | None = None
        self.closing = False  # set when the screen goes: timers then paint nothing

    def on_unmount(self) -> None:
        self.closing = True

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield Static(id="banner")
        with Horizontal(id="top"):
            with Vertical(id="runs-pane", classes="pane"):
                yield RunsTable(id="runs")
            with Vertical(id="flow-pane", classes="pane"):
                yield DagView(id="dag")
            with Vertical(id="artifacts-pane", classes="pane"):
                yield Select([], prompt="split", allow_blank=True, id="splits",
                             compact=True)
                yield Input(placeholder="filter artifacts (esc to close)", id="filter",
                            compact=True)
                yield ArtifactsTable(id="artifacts")
        with TabbedContent(id="tabs", initial="logs"):
            with TabPane("Logs", id="logs"):
                yield LogView(id="log")
            with TabPane("Diff", id="diff"):
                yield DiffView(id="diff-tree")
            with TabPane("Source", id="source"):
                with VerticalScroll(id="source-scroll"):
                    yield SourceView(id="source-view")
            with TabPane("Task", id="task"):
                with TaskScroll(id="task-scroll"):
                    yield TaskInfo(id="task-view")
            with TabPane("Card", id="card"):
                with VerticalScroll(id="card-scroll"):
                    yield CardView(id="card-view")
        yield MessageLine()
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#runs-pane").border_title = "Runs"
        self.query_one("#flow-pane").border_title = "Flow"
        self.query_one("#artifacts-pane").border_title = "Artifacts"
        self.query_one("#splits").display = False
        self.query_one(TaskInfo).user_dir = str(self.flow_file.resolve().parent)
        self.query_one("#filter").display = False
        dag = self.query_one(DagView)
        if self.graph is not None:
            dag.set_graph(self.graph)
            self.fit_flow_pane()
        self.show_banner()
        self.refresh_all()
        dag.focus()
        self.watch(dag, "scroll_y", lambda _: self.show_flow_position(), init=False)
        self.set_interval(0.5, self._tick)
        self.update_header()
        self.app.start_session()

    def live_log_lines(self, task_id: int, entries: list[tuple[str, str]]) -> None:
        """Log lines of a running task: shown at once when that task is on screen."""
        log = self.query_one(LogView)
        if log.task_id == task_id:
            log.extend(entries)

    @on(DataTable.RowHighlighted, "#runs")
    def _run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value is not None:
            number = int(event.row_key.value)
            if number != self.selected_run:
                self.selected_run = number
                self.refresh_selection()

    @on(DataTable.RowSelected, "#runs")
    def _run_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one(DagView).focus()

    @on(DataTable.RowSelected, "#artifacts")
    def _artifact_selected(self, event: DataTable.RowSelected) -> None:
        self.action_preview()

    @on(DagView.StepSelected)
    def _step_selected(self, event: DagView.StepSelected) -> None:
        self.call_after_refresh(self.show_flow_position)
        if event.step != self.selected_step:
            self.selected_step = event.step
            self.selected_split = 0
            self.refresh_task_views(source=True)

    @on(Select.Changed, "#splits")
    def _split_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, int) and event.value != self.selected_split:
            self.selected_split = event.value
            self.refresh_task_views()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(ArtifactsTable).set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one(ArtifactsTable).focus()

    def focused_pane(self) -> Any:
        """The pane (Runs, Flow, Artifacts or the bottom panel) that holds the focus."""
        node = self.focused
        while node is not None and node is not self:
            if node.has_class("pane") or node.id == "tabs":
                return node
            node = node.parent
        return None

    def focus_active_tab(self) -> None:
        """Focus what the active tab of the bottom panel shows."""
        tab = self.query_one("#tabs", TabbedContent).active
        target = {"logs": "#log", "diff": "#diff-tree", "source": "#source-scroll",
                  "task": "#task-scroll", "card": "#card-scroll"}.get(tab, "#log")
        self.query_one(target).focus()

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and self.maximized is not None:
            self.minimize()
            event.stop()
            return
        if event.key == "escape" and self.focused is self.query_one("#filter", Input):
            box = self.query_one("#filter", Input)
            box.value = ""
            box.display = False
            self.query_one(ArtifactsTable).focus()
            event.stop()

    def refresh_all(self) -> None:
        self.refresh_runs()
        self.refresh_selection()

    def refresh_runs(self) -> None:
        store = self.store
        window = self.runs_window
        rows = model.run_rows(store, self.flow, limit=window) if store is not None else []
        keep = [n for n in (self.selected_run, self._requested_run) if n is not None]
        if store is not None and len(rows) == window and keep and min(keep) < rows[-1].number:
            rows = model.run_rows(store, self.flow, down_to=min(keep))  # keep it listed
        total = (store.catalog.count_runs(self.flow) if store is not None and len(rows) >= window
                 else len(rows))
        numbers = [r.number for r in rows]
        if self.selected_run not in numbers:
            if self._requested_run in numbers:
                self.selected_run = self._requested_run
            else:
                self.selected_run = numbers[0] if numbers else None
        self.query_one(RunsTable).show_runs(rows, self.selected_run)
        pane = self.query_one("#runs-pane")
        pane.border_subtitle = (f"{len(rows):,} of {total:,} runs · + older" if total > len(rows)
                                else f"{total:,} run{'s' if total != 1 else ''}")

    def refresh_selection(self) -> None:
        """The selected run changed (or its tasks did): DAG states, then the task views."""
        store, run = self.store, self.current_run()
        dag = self.query_one(DagView)
        if self.graph is not None:
            if store is not None and run is not None:
                dag.set_states(model.step_states(self.graph, store, run))
            else:
                dag.set_states({})
        flow_pane = self.query_one("#flow-pane")
        flow_pane.border_title = f"Flow · run {run.number}" if run is not None else "Flow"
        self.show_flow_position()
        self.refresh_task_views()

    def refresh_task_views(self, source: bool = False) -> None:
        tasks = self.current_tasks()
        self._refresh_splits(tasks)
        task = self.current_task()
        self.refresh_artifacts(task)
        self.refresh_logs(task)
        self.query_one(TaskInfo).show_task(task)
        self.refresh_card(task)
        self.refresh_source()
        self.refresh_diff()

    def _refresh_splits(self, tasks: list[TaskRecord]) -> None:
        select = self.query_one("#splits", Select)
        foreach = len(tasks) > 1 or (bool(tasks) and tasks[0].split_index is not None)
        select.display = foreach
        if not foreach:
            return
        options = [(f"split {t.split_index if t.split_index is not None else i} · "
                    f"{model.RUN_GLYPH.get(t.status, '?')} {t.status}", i)
                   for i, t in enumerate(tasks)]
        self.selected_split = min(self.selected_split, len(tasks) - 1)
        with select.prevent(Select.Changed):
            if getattr(select, "_options_key", None) != options:
                select.set_options(options)
                select._options_key = options  # type: ignore[attr-defined]
            select.value = self.selected_split

    def refresh_artifacts(self, task: TaskRecord | None) -> None:
        table = self.query_one(ArtifactsTable)
        pane = self.query_one("#artifacts-pane")
        store, run = self.store, self.current_run()
        if task is None or store is None or run is None:
            table.show_rows([])
            step = self.selected_step or "-"
            pane.border_title = f"Artifacts · {step}"
            pane.border_subtitle = "not run" if run is not None else ""
            return
        ref = model.before_of(store, run, task)
        rows = model.artifact_rows(store, task, ref)
        table.show_rows(rows)
        pane.border_title = f"Artifacts · {safe(queries.task_label(task))}"
        changed = sum(1 for r in rows if r.change in ("changed", "added"))
        sub = f"{len(rows)} artifacts"
        if ref is not None:
            sub += f" · {changed} changed vs run {ref.run_number}"
        pane.border_subtitle = sub

    def refresh_logs(self, task: TaskRecord | None) -> None:
        log = self.query_one(LogView)
        where = ""
        if task is not None:
            where = f" · {task.step}" + (f"[{task.split_index}]"
                                         if task.split_index is not None else "")
        self.query_one("#tabs", TabbedContent).get_tab("logs").label = f"Logs{where}"
        if task is None:
            log.set_lines([note("No task of this step in the selected run.")], None)
            return
        if task.id in self.live_logs and not task.finished:
            lines = list(self.live_logs[task.id])
            if not lines:
                lines = [note(f"{task.pathspec} {task.status}: no output yet")]
            if log.task_id != task.id or not log.live or log.line_count != len(lines):
                log.set_lines(lines, task.id, live=True)
            return
        if log.task_id == task.id and not log.live and log.line_count:
            return
        if not log.live or log.task_id != task.id:  # a finished live log stays until read
            log.set_lines([note(f"loading logs of {task.pathspec}…")], task.id)
        self.load_logs(task)

    @work(thread=True, exclusive=True, group="logs", exit_on_error=False)
    def load_logs(self, task: TaskRecord) -> None:
        """Index the task's log files (line offsets only; lines are read as drawn)."""
        store = self.store
        if store is None:
            return
        lines = store.log_lines(task.id)
        if get_current_worker().is_cancelled:
            lines.close()
            return
        self.post_message(LogsLoaded(task.id, lines, task.pathspec))

    def on_logs_loaded(self, message: LogsLoaded) -> None:
        log = self.query_one(LogView)
        if log.task_id != message.task_id:
            message.lines.close()
        elif len(message.lines):
            log.set_source(message.lines, message.task_id)
        else:
            message.lines.close()
            log.set_lines([note(f"{message.pathspec} printed nothing")], message.task_id)

    def refresh_card(self, task: TaskRecord | None) -> None:
        """The Card tab: the cards the selected task made, read (and their images decoded)
        in a thread."""
        view = self.query_one(CardView)
        tab = self.query_one("#tabs", TabbedContent).get_tab("card")
        key = (task.id, task.status) if task is not None else None
        if key is not None and view.shown_for == key:
            return
        view.shown_for = key
        if task is None or self.store is None:
            view.show_message("No task of this step in the selected run.")
            tab.label = "Card"
            return
        if not task.finished:
            view.show_message(f"{safe(task.pathspec)} is {task.status}: its cards are made "
                              "when it succeeds.")
            tab.label = "Card"
            return
        view.show_message(f"reading the cards of {safe(task.pathspec)}…")
        self.load_cards(key, task.pathspec)

    @work(thread=True, exclusive=True, group="cards", exit_on_error=False)
    def load_cards(self, key: tuple[int, str], pathspec: str) -> None:
        store = self.store
        if store is None:
            return
        cards, pixels, error = [], {}, None
        try:
            cards = store.cards(key[0])
        except StoreError as exc:
            error = str(exc)
        images = [c for card in cards for c in walk((card.get("data") or {}).get("components"))
                  if c.get("type") == "image"]
        for component in images:
            src = component.get("src")
            if isinstance(src, str) and src not in pixels:
                if get_current_worker().is_cancelled:
                    return
                pixels[src] = image_pixels(src, IMAGE_COLUMNS, IMAGE_ROWS * 2)
        if not get_current_worker().is_cancelled:
            self.post_message(CardsLoaded(key, cards, pixels, error, pathspec))

    def on_cards_loaded(self, message: CardsLoaded) -> None:
        view = self.query_one(CardView)
        if view.shown_for != message.key:
            return
        tab = self.query_one("#tabs", TabbedContent).get_tab("card")
        if message.error is not None:
            view.show_message(safe(message.error))
            tab.label = "Card !"
            return
        view.show_cards(message.cards, safe(message.pathspec), message.pixels)
        count = len(message.cards)
        tab.label = f"Card ({count})" if count > 1 else "Card ●" if count else "Card"

    def refresh_source(self) -> None:
        view = self.query_one(SourceView)
        step = self.selected_step
        if self.graph is None or step is None or step not in self.graph:
            view.show_message("No step selected.")
            return
        node = self.graph[step]
        state = self.query_one(DagView).states.get(step)
        note_text, ran = None, None
        run, store = self.current_run(), self.store
        if state is not None and state.modified and run is not None and store is not None:
            ran = ran_source(store, self.graph, run, step)
            if ran is not None:
                note_text = (f"● modified since run {run.number}: - ran in {ran.task},"
                             " + the file now; s spins it on that run")
                view.show_diff(source_diff(ran, node.source, node.source_line), note=note_text)
            else:
                note_text = (f"● modified since run {run.number} (the code that ran was not"
                             " kept); s spins it on that run")
        elif state is not None and state.stale:
            note_text = "◌ stale: downstream of a modified or spun step"
        if ran is None:
            view.show_source(node.source, node.source_line, note=note_text)
        self.query_one("#tabs", TabbedContent).get_tab("source").label = \
            "Source ●" if note_text and note_text.startswith("●") else "Source"

    def refresh_diff(self) -> None:
        """The Diff tab: the selected step's re-executed tasks in the selected run against
        their befores (``queries.spins``). A spin's diff comes from the worker's event; an
        older run's is asked of the read layer in a thread."""
        run, store, step = self.current_run(), self.store, self.selected_step
        view = self.query_one(DiffView)
        if run is None or store is None:
            view.show_message("No run yet: press r to run the flow.")
            return
        if run.kind in queries.PLAIN_KINDS:
            what = "a run Metaflow executed" if run.kind == "metaflow" else "a plain run"
            view.show_message(f"Run {run.number} is {what}. Select {step or 'a step'} and "
                              f"press s to spin it on this run; the diff shows here.")
            return
        if run.status == "running":
            view.show_message(f"{queries.run_label(run)} is running…")
            return
        if step is None:
            view.show_message("Select a step to see what this run changed in it.")
            return
        tasks = self.current_tasks()
        if (not tasks or all(t.cloned_from is not None for t in tasks)) \
                and run.kind == "spin" and run.spun_step:
            step = run.spun_step  # a spin re-ran one step: its diff is the run's diff
            tasks = queries.step_tasks(store.catalog, run, step)
        key = (run.number, step)
        if getattr(view, "_shown", None) == (key, run.status):
            return
        diffs = self.spin_diffs.get(key)
        if diffs is not None:
            self._show_diffs(key, diffs)
            return
        if not tasks or all(t.cloned_from is not None for t in tasks):
            origin = f"from run {run.origin_run}" if run.origin_run is not None else ""
            what = "not run" if not tasks else f"cloned {origin}"
            view.show_message(f"{step} was not re-run in run {run.number} "
                              f"({queries.run_label(run)}): {what}.")
            view._shown = (key, run.status)  # type: ignore[attr-defined]
            return
        if self._diff_loading == key:
            return
        self._diff_loading = key
        view.show_message(f"diffing {step} in run {run.number}…")
        self.load_diffs(run, step)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def load_diffs(self, run: RunRecord, step: str) -> None:
        store = self.store
        if store is None:
            return
        with model.LOAD_LOCK:
            diffs = queries.task_diffs(store, run, step)
        if not get_current_worker().is_cancelled:
            self.post_message(DiffsLoaded((run.number, step), diffs))

    def on_diffs_loaded(self, message: DiffsLoaded) -> None:
        if self._diff_loading == message.key:
            self._diff_loading = None
        if message.key[0] == self.selected_run:
            self._show_diffs(message.key, message.diffs)

    def _show_diffs(self, key: tuple[int, str], diffs: list[queries.TaskDiff]) -> None:
        run = self.current_run()
        if run is None:
            return
        view = self.query_one(DiffView)
        view.show_spin(diffs, safe(queries.diff_title(run, diffs)))
        view._shown = (key, run.status)  # type: ignore[attr-defined]
        changes = sum(1 for d in diffs for x in d.diffs if x.change != "unchanged")
        self.query_one("#tabs", TabbedContent).get_tab("diff").label = \
            f"Diff ({changes})" if changes else "Diff"

    def fit_flow_pane(self) -> None:
        """Size the Flow pane to its drawing: as wide as the drawing (the Runs and Artifacts
        panes keep their minimum widths), and for a dense drawing, the top row of panes
        taller (the bottom panel keeps ``BOTTOM_MIN`` rows) so that every step shows."""
        total_w, total_h = self.size.width or 120, self.size.height or 36
        banner = 1 if self.graph_error else 0
        body = total_h - 2 - banner  # header and footer
        top_default = body * 3 // 5
        dag = self.query_one(DagView)
        width, rows, dense = dag.natural_size(top_default - 2)
        room = total_w - 22 - 26  # Runs and Artifacts keep at least this much
        limit = max(20, min(int(total_w * 0.42), room))
        self.query_one("#flow-pane").styles.width = max(20, min(width + 7, limit))
        top = self.query_one("#top")
        if dense and rows + 2 > top_default:
            top.styles.height = max(top_default, min(rows + 2, body - BOTTOM_MIN))
        else:
            top.styles.height = "3fr"
        self.show_flow_position()

    def show_flow_position(self) -> None:
        """The Flow pane's subtitle: the run's state, and how many steps are scrolled out."""
        run = self.current_run()
        text = f"{queries.run_label(run)} {run.status}" if run is not None else "never run"
        above, below = self.query_one(DagView).offscreen()
        where = " ".join(part for part in (f"▲{above}" if above else "",
                                           f"▼{below}" if below else "") if part)
        self.query_one("#flow-pane").border_subtitle = f"{where} · {text}" if where else text

    def on_resize(self, event: Any) -> None:
        if self.graph is not None:
            self.fit_flow_pane()
        # at 80 columns the Footer drops its gaps so that "? Help" and "q Quit" still show
        self.query_one(Footer).compact = self.size.width < 100

    def show_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        if self.graph_error:
            keep = " (showing the last good graph)" if self.graph is not None else ""
            banner.update(Text(f"✘ {safe(self.graph_error)}{keep}", style="bold"))
            banner.display = True
        else:
            banner.display = False

    def _tick(self) -> None:
        """Twice a second while tasks run: their elapsed times in the header."""
        if self.app.running_tasks and not self.closing:
            self.update_header()

    def update_header(self) -> None:
        self.query_one(StatusHeader).show(
            flow=self.flow, file=model.short_path(self.flow_file),
            store=model.short_path(self.store_dir), activity=self.activity,
            busy=self.busy, watch=self.app.watch, marked=self.marked,
            queued=[activity for _, activity in self.app.queue], held=self.app.queue_held,
            running=self.app.running_elapsed())
