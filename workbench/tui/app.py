"""The workbench terminal app: runs, the flow DAG and artifacts side by side; logs, diff,
source and task below. Reads through the client, runs through the engine worker process.

Threads: one worker reads the engine's event stream and posts ``EngineEvent`` messages;
short-lived workers load logs, diffs and previews. No widget is touched from a thread.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (DataTable, Footer, Input, Select, Static, TabbedContent,
                             TabPane)
from textual.worker import Worker, WorkerState, get_current_worker

from .. import client, queries
from ..display import format_size, safe
from ..engine import protocol as P
from ..flow import FlowError, parse_graph
from ..store import RunRecord, Store, TaskRecord, resolve_store_dir
from . import model
from .commands import WorkbenchCommands
from .editor import open_in_editor
from .engine_bridge import EngineBridge, EngineFactory, default_engine_factory
from .keys import APP_KEYS, bindings
from .messages import DiffsLoaded, LogsLoaded
from .widgets.dag import DagView
from .widgets.diff import DiffView
from .widgets.logs import LogView, note
from .widgets.panes import ArtifactsTable, RunsTable, SourceView, StatusHeader, TaskInfo


class WorkbenchApp(EngineBridge, App[int]):
    """``workbench FLOW.py``: run, spin, inspect and compare without leaving the keyboard."""

    CSS_PATH = "workbench.tcss"
    TITLE = "workbench"
    BINDINGS = bindings(APP_KEYS)
    COMMANDS = App.COMMANDS | {WorkbenchCommands}

    def __init__(self, flow_file: str | os.PathLike[str], *,
                 store: str | os.PathLike[str] | None = None, run: int | None = None,
                 flow_name: str | None = None, watch: bool = False,
                 engine_factory: EngineFactory | None | bool = True,
                 poll_interval: float = 1.0) -> None:
        super().__init__()
        self.flow_file = Path(flow_file)
        self.flow_name = flow_name
        self.store_dir = resolve_store_dir(None if store is None else str(store))
        self.watch = watch
        self.poll_interval = poll_interval
        if engine_factory is True:
            engine_factory = default_engine_factory()
        self.init_engine_state(engine_factory or None)
        self.graph: Any = None
        self.graph_error: str | None = None
        self._store: Store | None = None
        self.selected_run: int | None = run
        self._requested_run = run
        self.selected_step: str | None = None
        self.selected_split = 0  # position in the step's task list
        self.marked: int | None = None
        self.last_params: dict[str, str] = {}
        self._spin_queue: list[str] = []
        self._diff_loading: tuple | None = None
        self._file_sig: tuple | None = None
        self._store_sig: tuple | None = None
        self._refresh_pending = False
        self._load_graph()

    # ------------------------------------------------------------------ store & graph

    @property
    def store(self) -> Store | None:
        """The store, opened on first need (None until something has run there)."""
        if self._store is None:
            try:
                self._store = client.open_store(self.store_dir)
            except client.MetaflowNotFound:
                return None
        return self._store

    @property
    def flow(self) -> str:
        if self.graph is not None:
            return self.graph.name
        return self.flow_name or self.flow_file.stem

    def _load_graph(self) -> bool:
        """Parse the flow file; on error keep the last good graph and say where."""
        try:
            self._file_sig = self._stat_file()
            graph = parse_graph(self.flow_file, self.flow_name)
        except FlowError as exc:
            self.graph_error = str(exc)
            return False
        self.graph = graph
        self.graph_error = None
        return True

    def _stat_file(self) -> tuple | None:
        try:
            st = self.flow_file.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    # ------------------------------------------------------------------ layout

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
                with VerticalScroll(id="task-scroll"):
                    yield TaskInfo(id="task-view")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#runs-pane").border_title = "Runs"
        self.query_one("#flow-pane").border_title = "Flow"
        self.query_one("#artifacts-pane").border_title = "Artifacts"
        self.query_one("#splits").display = False
        self.query_one("#filter").display = False
        dag = self.query_one(DagView)
        if self.graph is not None:
            dag.set_graph(self.graph)
            self._fit_flow_pane()
        self._show_banner()
        self.refresh_all()
        dag.focus()
        self._store_sig = self._store_signature()
        self.set_interval(self.poll_interval, self.poll)
        self.start_engine()
        self.update_header()

    def on_unmount(self) -> None:
        self.stop_engine()

    # ------------------------------------------------------------------ engine hooks

    def live_log_line(self, task_id: int, entry: tuple[str, str]) -> None:
        """A log line of a running task: shown at once when that task is on screen."""
        log = self.query_one(LogView)
        if log.task_id == task_id:
            log.append(*entry)

    def show_spun(self, run: int, step: str, diffs: list[queries.TaskDiff], ok: bool) -> None:
        """A spin finished: select its run, step and split, and show its diff (or failure)."""
        self.selected_run = run
        if self.selected_step != step and self.graph is not None and step in self.graph:
            self.selected_step = step
            self.query_one(DagView).select(step)
        self.selected_split = 0  # the spin run holds only the spun split(s)
        self.update_header()
        self.refresh_all()
        self.action_show_tab("diff" if ok else "task")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker failures: a notification, never a crash."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(safe(f"{event.worker.name}: {type(error).__name__}: {error}"),
                        severity="error", timeout=8, markup=False)

    # ------------------------------------------------------------------ commands

    # Actions that act on the main screen's panes; elsewhere (previews, comparison, forms)
    # they are hidden from the Footer and do nothing.
    _MAIN_ONLY = {"preview", "filter", "split", "show_tab", "next_change", "mark", "compare",
                  "edit", "spin", "spin_with_overrides", "spin_all_splits", "resume",
                  "run_with_params"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._MAIN_ONLY and len(self.screen_stack) > 1:
            return False
        return True

    def action_run_flow(self) -> None:
        if self.graph is None:
            self.notify(self.graph_error or "the flow has no graph", severity="error")
            return
        self.send(P.RunCommand(dict(self.last_params)), "starting a run")

    def action_run_with_params(self) -> None:
        if self.graph is None:
            return
        from .screens.forms import ParamsScreen

        def done(values: dict[str, str] | None) -> None:
            if values is not None:
                self.last_params = values
                self.action_run_flow()

        self.push_screen(ParamsScreen(list(self.graph.parameters), self.last_params), done)

    def _spin_split(self, step: str) -> int | None:
        """The split to spin: the one in the split picker (by its split index, so a spin run
        that holds only split 2 spins split 2 again); None outside a foreach."""
        if self.graph is None or step not in self.graph or \
                not self.graph.enclosing_foreaches(step):
            return None
        task = self.current_task() if step == self.selected_step else None
        return task.split_index if task is not None and task.split_index is not None else 0

    def action_spin(self) -> None:
        if self.selected_step is None:
            self.notify("select a step in the Flow pane first", severity="warning")
            return
        self.spin_step(self.selected_step)

    def action_spin_all_splits(self) -> None:
        if self.selected_step is None:
            self.notify("select a step in the Flow pane first", severity="warning")
            return
        if self._spin_split(self.selected_step) is None:
            self.notify(f"{self.selected_step} is not inside a foreach: s spins it",
                        severity="warning")
            return
        self.spin_step(self.selected_step, all_splits=True, index=None)

    def spin_step(self, step: str, **options: Any) -> None:
        """Send a spin of ``step`` on the selected run; ``options`` are SpinCommand fields."""
        args: dict[str, Any] = {"run": self.selected_run, "index": self._spin_split(step),
                                **options}
        command = P.SpinCommand(step, **args)
        split = "[*]" if command.all_splits else queries.split_label(
            [] if command.index is None else [command.index])
        ref = f" on run {command.run}" if command.run is not None else ""
        self.send(command, f"spinning {step}{split}{ref}")

    def action_spin_with_overrides(self) -> None:
        step = self.selected_step
        if step is None or self.graph is None:
            return
        from .screens.forms import OverridesScreen
        inputs = self._input_artifacts(step)
        foreach = self._spin_split(step) is not None

        def done(result: dict | None) -> None:
            if result is None:
                return
            extra: dict[str, Any] = {"set_values": dict(result.get("overrides") or {}),
                                     "against": result.get("against")}
            if result.get("run") is not None:
                extra["run"] = result["run"]
            if result.get("all_splits"):
                extra["all_splits"] = True
                extra["index"] = None
            self.spin_step(step, **extra)

        self.push_screen(OverridesScreen(step, inputs, foreach=foreach,
                                         reference=self.selected_run), done)

    def _input_artifacts(self, step: str) -> list[tuple[str, str]]:
        """Names and summaries of what the step reads: its parent tasks' artifacts."""
        store, run = self.store, self.current_run()
        if store is None or run is None:
            return []
        tasks = queries.step_tasks(store.catalog, run, step)
        seen: dict[str, str] = {}
        parents: list[int] = list(tasks[0].input_task_ids) if tasks else []
        if not parents and self.graph is not None and step in self.graph:
            for parent in self.graph[step].in_funcs:
                parents += [t.id for t in queries.step_tasks(store.catalog, run, parent)][:1]
        for tid in parents[:4]:
            for art in store.catalog.list_artifacts(tid):
                if not art.name.startswith("_"):
                    seen.setdefault(art.name, art.summary)
        return sorted(seen.items())

    def action_resume(self) -> None:
        step = self.selected_step
        if step is None:
            return
        self.send(P.ResumeCommand(step, self.selected_run), f"resuming from {step}")

    def action_cancel(self) -> None:
        self._spin_queue.clear()
        if self.engine is None or not (self.busy or self.engine.busy):
            self.notify("nothing is running", timeout=2)
            return
        self.activity = "cancelling…"
        self.engine.send(P.CancelCommand())
        self.update_header()

    def action_request_quit(self) -> None:
        if self.busy or (self.engine is not None and self.engine.busy):
            from .screens.forms import ConfirmScreen

            def done(yes: bool | None) -> None:
                if yes:
                    if self.engine is not None:
                        self.engine.send(P.CancelCommand())
                    self.exit(0)

            self.push_screen(ConfirmScreen("A run is in progress. Cancel it and quit?",
                                           yes="Cancel run and quit", no="Stay"), done)
            return
        self.exit(0)

    def action_help(self) -> None:
        from .screens.help import HelpScreen
        self.push_screen(HelpScreen())

    def action_next_change(self, step: int) -> None:
        """n / N: the next or previous changed artifact in the Diff tab."""
        self.action_show_tab("diff")
        self.query_one(DiffView).action_next_change(step)

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def action_preview(self) -> None:
        artifacts = self.query_one(ArtifactsTable)
        name = artifacts.current_name
        task = self.current_task()
        if name is None or task is None or self.store is None:
            self.notify("no artifact selected", timeout=2)
            return
        from .screens.preview import PreviewScreen
        art = client.Task(task.pathspec, store=self.store)[name]
        title = safe(f"{task.pathspec}/{name}  ({art.type_name}, {format_size(art.size)})")
        self.push_screen(PreviewScreen(art, title=title))

    def action_mark(self) -> None:
        if self.selected_run is None:
            return
        self.marked = None if self.marked == self.selected_run else self.selected_run
        self.query_one(RunsTable).set_marked(self.marked)
        self.notify(f"marked run {self.marked}; select another and press c to compare"
                    if self.marked is not None else "mark cleared", timeout=3)
        self.update_header()

    def action_compare(self) -> None:
        store, run = self.store, self.current_run()
        if store is None or run is None:
            self.notify("no run selected", severity="warning")
            return
        other = self.marked
        if other is None or other == run.number:
            other = run.origin_run
        if other is None:
            older = [r.number for r in store.catalog.list_runs(self.flow) if r.number < run.number]
            other = older[0] if older else None
        if other is None:
            self.notify("mark a run with m first, then select another and press c",
                        severity="warning")
            return
        from .screens.compare import CompareScreen
        a, b = sorted((other, run.number))
        self.push_screen(CompareScreen(store, self.flow, a, b))

    def action_edit(self) -> None:
        step = self.selected_step
        line = 1
        if self.graph is not None and step in self.graph:
            line = self.graph[step].lineno
        error = open_in_editor(self, str(self.flow_file), line)
        if error:
            self.notify(safe(error), severity="error", markup=False)
            return
        self.check_file()

    def action_toggle_watch(self) -> None:
        self.watch = not self.watch
        self.notify("watch on: saving the flow file spins each modified step" if self.watch
                    else "watch off", timeout=3)
        self.update_header()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_split(self, delta: int) -> None:
        tasks = self.current_tasks()
        if len(tasks) < 2:
            return
        self.select_split((self.selected_split + delta) % len(tasks))

    # ------------------------------------------------------------------ selection

    def run_numbers(self) -> list[int]:
        return [r.number for r in self.query_one(RunsTable).rows_]

    def step_names(self) -> list[str]:
        return [n.name for n in self.graph.sorted_nodes()] if self.graph is not None else []

    def current_run(self) -> RunRecord | None:
        store = self.store
        if store is None or self.selected_run is None:
            return None
        return store.catalog.get_run(self.flow, self.selected_run)

    def current_tasks(self) -> list[TaskRecord]:
        store, run = self.store, self.current_run()
        if store is None or run is None or self.selected_step is None:
            return []
        return queries.step_tasks(store.catalog, run, self.selected_step)

    def current_task(self) -> TaskRecord | None:
        tasks = self.current_tasks()
        if not tasks:
            return None
        return tasks[min(self.selected_split, len(tasks) - 1)]

    def select_run(self, number: int, focus: bool = False) -> None:
        self.selected_run = number
        self.query_one(RunsTable).select_number(number)
        self.refresh_selection()
        if focus:
            self.query_one(RunsTable).focus()

    def select_step(self, step: str, focus: bool = False) -> None:
        dag = self.query_one(DagView)
        dag.select(step)
        if focus:
            dag.focus()

    def select_split(self, index: int) -> None:
        self.selected_split = index
        select = self.query_one("#splits", Select)
        if select.value != index:
            with select.prevent(Select.Changed):
                select.value = index
        self.refresh_task_views()

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

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and self.focused is self.query_one("#filter", Input):
            box = self.query_one("#filter", Input)
            box.value = ""
            box.display = False
            self.query_one(ArtifactsTable).focus()
            event.stop()

    # ------------------------------------------------------------------ refresh

    def schedule_refresh(self) -> None:
        """Coalesce bursts of engine events into one refresh per ~100 ms."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.set_timer(0.1, self._do_scheduled_refresh)

    def _do_scheduled_refresh(self) -> None:
        self._refresh_pending = False
        self.refresh_all()

    def refresh_all(self) -> None:
        self.refresh_runs()
        self.refresh_selection()

    def refresh_runs(self) -> None:
        store = self.store
        rows = model.run_rows(store, self.flow) if store is not None else []
        numbers = [r.number for r in rows]
        if self.selected_run not in numbers:
            if self._requested_run in numbers:
                self.selected_run = self._requested_run
            else:
                self.selected_run = numbers[0] if numbers else None
        self.query_one(RunsTable).show_runs(rows, self.selected_run)
        pane = self.query_one("#runs-pane")
        pane.border_subtitle = f"{len(rows)} run{'s' if len(rows) != 1 else ''}"

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
        flow_pane.border_subtitle = f"{queries.run_label(run)} {run.status}" \
            if run is not None else "never run"
        self.refresh_task_views()

    def refresh_task_views(self, source: bool = False) -> None:
        tasks = self.current_tasks()
        self._refresh_splits(tasks)
        task = self.current_task()
        self.refresh_artifacts(task)
        self.refresh_logs(task)
        self.query_one(TaskInfo).show_task(task)
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
        if task.id in self.live_logs:
            lines = list(self.live_logs[task.id])
            if not lines:
                lines = [note(f"{task.pathspec} {task.status}: no output yet")]
            if log.task_id != task.id or len(log.lines) != len(lines):
                log.set_lines(lines, task.id)
            return
        if log.task_id == task.id and log.lines:
            return
        log.set_lines([note(f"loading logs of {task.pathspec}…")], task.id)
        self.load_logs(task)

    @work(thread=True, exclusive=True, group="logs", exit_on_error=False)
    def load_logs(self, task: TaskRecord) -> None:
        store = self.store
        if store is None:
            return
        out = store.read_log(task.id, "stdout")
        err = store.read_log(task.id, "stderr")
        lines: list[tuple[str, str]] = [("stdout", line) for line in out.splitlines()]
        lines += [("stderr", line) for line in err.splitlines()]
        if not lines:
            lines = [note(f"{task.pathspec} printed nothing")]
        if task.log_truncated:
            lines.append(note("… output truncated by the log size cap"))
        if not get_current_worker().is_cancelled:
            self.post_message(LogsLoaded(task.id, lines))

    def on_logs_loaded(self, message: LogsLoaded) -> None:
        log = self.query_one(LogView)
        if log.task_id == message.task_id:
            log.set_lines(message.lines, message.task_id)

    def refresh_source(self) -> None:
        view = self.query_one(SourceView)
        step = self.selected_step
        if self.graph is None or step is None or step not in self.graph:
            view.show_message("No step selected.")
            return
        node = self.graph[step]
        start = node.lineno - sum(1 for line in node.source.splitlines()
                                  if line.lstrip().startswith("@"))
        state = self.query_one(DagView).states.get(step)
        note_text = None
        if state is not None and state.modified:
            note_text = f"● modified since run {self.selected_run}: s spins it on that run"
        elif state is not None and state.stale:
            note_text = "◌ stale: downstream of a modified or spun step"
        view.show_source(node.source, max(1, start), note=note_text)
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
        if run.kind == "run":
            view.show_message(f"Run {run.number} is a plain run. Select {step or 'a step'} and "
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

    # ------------------------------------------------------------------ polling & watch

    def _store_signature(self) -> tuple | None:
        store = self.store
        if store is None:
            return None
        latest = store.catalog.latest_run(self.flow)
        if latest is None:
            return (0,)
        return (store.catalog.count_runs(self.flow), latest.number, latest.status,
                latest.finished_at)

    def poll(self) -> None:
        """Every second: the flow file (re-parse on save) and runs made elsewhere."""
        self.check_file()
        sig = self._store_signature()
        if sig != self._store_sig:
            self._store_sig = sig
            self.schedule_refresh()
        elif self.busy:
            self.refresh_runs()  # durations tick while running

    def check_file(self) -> None:
        sig = self._stat_file()
        if sig == self._file_sig:
            return
        old = self.graph
        ok = self._load_graph()
        self._show_banner()
        if not ok:
            return
        dag = self.query_one(DagView)
        dag.set_graph(self.graph)
        self._fit_flow_pane()
        self.refresh_selection()
        if old is not None and self.watch:
            modified = [n for n, s in dag.states.items() if s.modified]
            if modified:
                self._spin_queue = [n for n in self.step_names() if n in modified]
                self.next_queued_spin()

    def next_queued_spin(self) -> None:
        if not self._spin_queue or self.engine is None:
            return
        if self.engine.busy:
            return
        step = self._spin_queue.pop(0)
        self.spin_step(step, run=None)

    def _fit_flow_pane(self) -> None:
        """The Flow pane as wide as the drawing (plus borders), leaving the other two panes
        their minimum widths; a narrower pane lays the DAG out narrower."""
        total = self.size.width or 120
        natural = self.query_one(DagView).natural_width() + 7  # borders, scrollbar, air
        room = total - 22 - 26  # Runs and Artifacts keep at least this much
        limit = max(20, min(int(total * 0.42), room))
        self.query_one("#flow-pane").styles.width = max(20, min(natural, limit))

    def on_resize(self, event: Any) -> None:
        if self.graph is not None:
            self._fit_flow_pane()

    def _show_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        if self.graph_error:
            keep = " (showing the last good graph)" if self.graph is not None else ""
            banner.update(Text(f"✘ {self.graph_error}{keep}", style="bold"))
            banner.display = True
        else:
            banner.display = False

    def update_header(self) -> None:
        self.query_one(StatusHeader).show(
            flow=self.flow, file=model.short_path(self.flow_file),
            store=model.short_path(self.store_dir), activity=self.activity,
            busy=self.busy, watch=self.watch, marked=self.marked)
