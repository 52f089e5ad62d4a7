"""The workbench terminal app: runs, the flow DAG and artifacts side by side; logs, diff,
source and task below. Reads through the client, runs through the engine worker process.

Threads: one worker reads the engine's event stream and posts ``EngineEvent`` messages;
short-lived workers load logs, diffs and previews. No widget is touched from a thread.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.widgets import Input, Select, TabbedContent
from textual.worker import Worker, WorkerState

from .. import client, queries
from ..display import format_size, safe
from ..engine import protocol as P
from ..flow import FlowError, parse_graph
from ..store import RunRecord, Store, TaskRecord, resolve_store_dir
from . import model
from .commands import WorkbenchCommands
from .editor import open_in_editor
from .engine_bridge import EngineBridge, EngineFactory, default_engine_factory
from .keys import APP_WIDE_KEYS, bindings
from .main_screen import MainScreen
from .widgets.dag import DagView
from .widgets.diff import DiffView
from .widgets.panes import ArtifactsTable, RunsTable


class WorkbenchApp(EngineBridge, App[int]):
    """``workbench FLOW.py``: run, spin, inspect and compare without leaving the keyboard."""

    CSS_PATH = "workbench.tcss"
    TITLE = "workbench"
    BINDINGS = bindings(APP_WIDE_KEYS, show=False)
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
        self._main: MainScreen | None = None
        self.graph: Any = None
        self.graph_error: str | None = None
        self._store: Store | None = None
        self.selected_run: int | None = run
        self._requested_run = run
        self.selected_step: str | None = None
        self.selected_split = 0  # position in the step's task list
        self.marked: int | None = None
        self.runs_window = model.RUNS_WINDOW  # newest runs the Runs pane lists
        self.messages: list[tuple[str, str]] = []  # every notification, oldest first
        self._spin_asked_from: dict[str, str | None] = {}  # spun step -> step selected then
        self.last_params: dict[str, str] = {}
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

    @property
    def crash(self) -> BaseException | None:
        """The unhandled error that stopped the app, if one did (``run_tui`` reports it)."""
        return self._exception

    def _fatal_error(self) -> None:
        # Textual would print a full-screen traceback after exit; run_tui writes it to a
        # file and prints one line instead (textual is pinned: this hook is stable here).
        self._close_messages_no_wait()

    def get_default_screen(self) -> MainScreen:
        return self.main

    @property
    def main(self) -> MainScreen:
        """The main screen (panes and their keys), under whatever is pushed on top."""
        if self._main is None:
            self._main = MainScreen()
        return self._main

    def start_session(self) -> None:
        """Once the main screen is up: watch the file and the store, start the engine."""
        self._store_sig = self._store_signature()
        self.set_interval(self.poll_interval, self.poll)
        self.start_engine()
        self.main.update_header()

    def on_unmount(self) -> None:
        self.stop_engine()

    # ------------------------------------------------------------------ engine hooks

    def show_spun(self, run: int, step: str, diffs: list[queries.TaskDiff], ok: bool) -> None:
        """A spin finished: select its run, step and split, and show its diff (or failure).
        When the user moved to another step since asking, the selection stays where they put
        it (the message line says what the spin did). The run is not compared: the app itself
        follows a run as it starts."""
        asked_from = self._spin_asked_from.pop(step, None)
        if asked_from is not None and asked_from != self.selected_step:
            self.main.refresh_all()
            return
        self.selected_run = run
        if self.selected_step != step and self.graph is not None and step in self.graph:
            self.selected_step = step
            self.main.query_one(DagView).select(step)
        self.selected_split = 0  # the spin run holds only the spun split(s)
        self.main.update_header()
        self.main.refresh_all()
        self.action_show_tab("diff" if ok else "task")

    def show_failure(self, run: int) -> None:
        """A run failed: select it, its first failed task (step and split) and the Task tab,
        where the exception and traceback are."""
        store = self.store
        record = store.catalog.get_run(self.flow, run) if store is not None else None
        if record is None:
            return
        failed = sorted((t for t in store.catalog.list_tasks(record.id)
                         if t.status in ("failed", "crashed")), key=lambda t: t.id)
        self.selected_run = run
        if failed and self.graph is not None and failed[0].step in self.graph:
            task = failed[0]
            self.selected_step = task.step
            self.main.query_one(DagView).select(task.step)
            siblings = queries.step_tasks(store.catalog, record, task.step)
            self.selected_split = next((i for i, t in enumerate(siblings) if t.id == task.id), 0)
        self.main.refresh_all()
        self.action_show_tab("task")

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications go to the message line of the screen in view (or of the main
        screen under a form), never over the panes; ``messages`` keeps them all."""
        from .widgets.message_line import MessageLine

        self.messages.append((message, severity))
        del self.messages[:-200]
        lines = list(self.screen.query(MessageLine)) if self.main_up else []
        if not lines and self.main_up:
            lines = list(self.main.query(MessageLine))
        if not lines:
            super().notify(message, title=title, severity=severity, timeout=timeout,
                           markup=markup)
            return
        lines[0].show(f"{title}: {message}" if title else message, severity,
                      timeout if timeout is not None else 4.0, markup=markup)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker failures: a notification, never a crash."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(safe(f"{event.worker.name}: {type(error).__name__}: {error}"),
                        severity="error", timeout=8, markup=False)

    # ------------------------------------------------------------------ commands

    def action_run_flow(self) -> None:
        if self.graph is None:
            self.notify(safe(self.graph_error or "the flow has no graph"), severity="error",
                        markup=False)
            return
        self.send(P.RunCommand(dict(self.last_params)), "starting a run")

    def action_update_run(self) -> None:
        """U: ``run --reuse``: execute only the tasks whose code or inputs changed; the rest
        are cloned from the runs that computed them (the DAG marks them ↺)."""
        if self.graph is None:
            self.notify(safe(self.graph_error or "the flow has no graph"), severity="error",
                        markup=False)
            return
        self.send(P.RunCommand(dict(self.last_params), reuse=True),
                  "updating: running what is stale")

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
            self.notify(safe(f"{self.selected_step} is not inside a foreach: s spins it"),
                        severity="warning", markup=False)
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
        self._spin_asked_from[step] = self.selected_step
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
        self.cancel()

    def action_status(self) -> None:
        """i: ``workbench status`` for the flow file now, against the reference run."""
        if self.graph is None:
            self.notify(safe(self.graph_error or "the flow has no graph"), severity="error",
                        markup=False)
            return
        from ..queries.status import step_status as flow_status
        from .screens.report import ReportScreen, status_renderable

        report = flow_status(self.graph, self.store, None)
        self.push_screen(ReportScreen(f"status · {self.flow}", status_renderable(report)))

    def action_gc(self) -> None:
        """ctrl+g: ``workbench gc FLOW`` (spins beyond the newest kept, unreferenced blobs),
        after a confirmation; in a thread, the result on the message line."""
        store = self.store
        if store is None:
            self.notify("nothing to collect: the flow has never run", timeout=3)
            return
        from ..store.gc import KEEP_SPINS
        from .screens.forms import ConfirmScreen

        def done(yes: bool | None) -> None:
            if yes:
                self.collect_garbage()

        self.push_screen(ConfirmScreen(
            f"Remove {self.flow}'s spin runs beyond the newest {KEEP_SPINS}, then blobs, "
            f"logs and temp files nothing references (workbench gc)?", yes="Collect"), done)

    @work(thread=True, exclusive=True, group="gc", exit_on_error=False)
    def collect_garbage(self) -> None:
        from ..store.gc import gc

        store = self.store
        if store is None:
            return
        report = gc(store, self.flow)
        freed = format_size(report.freed_bytes)
        text = (f"gc: removed {len(report.removed_runs)} spin run(s), "
                f"{report.removed_blobs} blob(s) ({freed}), {report.removed_logs} log file(s)")
        if report.blob_sweep_skipped:
            text += f"; blob sweep skipped: {report.blob_sweep_skipped}"
        self.call_from_thread(self._gc_done, text)

    def _gc_done(self, text: str) -> None:
        self.notify(safe(text), timeout=6, markup=False)
        if self.main_up:
            self.main.refresh_all()

    # ------------------------------------------------------------------ Metaflow

    def action_import_metaflow(self) -> None:
        """I: import runs Metaflow executed (``workbench import-metaflow``), in a child
        process, its lines shown as they come; the newest imported run is selected."""
        from ..store.project import load_settings, save_settings
        from .metaflow_jobs import import_args
        from .screens.metaflow import ImportMetaflowScreen

        settings = load_settings(self.store_dir)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            settings.import_root = values["root"]
            self._save_project(save_settings, settings)
            self.metaflow_job(f"import {values['target']}",
                              import_args(values["target"], values["all"], values["root"],
                                          str(self.store_dir)))

        self.push_screen(ImportMetaflowScreen(self.flow, settings.import_root), done)

    def action_run_on_metaflow(self) -> None:
        """ctrl+r: send the flow to Metaflow (its Runner; ``--with`` specs and datastore kept
        in the project's settings), show its output live, import the finished run."""
        from ..store.project import load_settings, save_settings
        from .metaflow_jobs import run_args
        from .screens.metaflow import RunOnMetaflowScreen

        settings = load_settings(self.store_dir)

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            settings.metaflow_with, settings.metaflow_datastore = (values["with"],
                                                                   values["datastore"])
            self._save_project(save_settings, settings)
            self.metaflow_job(f"run {self.flow} on Metaflow",
                              run_args(str(self.flow_file), dict(self.last_params),
                                       values["with"], values["datastore"],
                                       str(self.store_dir)))

        self.push_screen(RunOnMetaflowScreen(str(self.flow_file), settings.metaflow_with,
                                             settings.metaflow_datastore,
                                             dict(self.last_params)), done)

    def _save_project(self, save: Any, settings: Any) -> None:
        try:
            self.store_dir.mkdir(parents=True, exist_ok=True)
            save(self.store_dir, settings)
        except OSError as exc:
            self.notify(safe(f"could not keep the settings in {self.store_dir}: {exc}"),
                        severity="warning", markup=False)

    def metaflow_job(self, title: str, args: list[str]) -> None:
        from .screens.metaflow import MetaflowJobScreen

        screen = MetaflowJobScreen(safe(title))
        self.push_screen(screen, lambda _: None)
        shown = [a for a in args if a != "--json"]
        if "--store" in shown:  # the app's own store: not worth a line
            i = shown.index("--store")
            del shown[i:i + 2]
        self.call_after_refresh(screen.add_line, safe("$ workbench " + " ".join(shown)))
        self._metaflow_worker(screen, args)

    @work(thread=True, group="metaflow", exit_on_error=False)
    def _metaflow_worker(self, screen: Any, args: list[str]) -> None:
        from textual.worker import get_current_worker

        from .metaflow_jobs import run_job

        worker = get_current_worker()

        def line(text: str, error: bool) -> None:
            if screen.is_attached:
                self.call_from_thread(screen.add_line, text, error)

        result = run_job(args, line, cancelled=lambda: worker.is_cancelled)
        self.call_from_thread(self._metaflow_done, screen, result)

    def _metaflow_done(self, screen: Any, result: Any) -> None:
        docs = result.result if isinstance(result.result, list) else \
            [result.result] if isinstance(result.result, dict) else []
        runs = [d for d in docs if isinstance(d, dict) and d.get("pathspec")]
        ok = result.returncode == 0
        if runs:
            numbers = ", ".join(str(d.get("run")) for d in runs)
            text = (f"{'done' if ok else 'finished with errors'}: imported as run "
                    f"{numbers}")
        else:
            text = f"failed: {result.error or f'exit code {result.returncode}'}"
        if screen.is_attached:
            for doc in runs:
                if doc.get("metaflow"):
                    how = "" if "created" not in doc else (" (new)" if doc["created"]
                                                            else " (updated)")
                    screen.add_line(safe(f"{doc['metaflow']} -> {doc['pathspec']}{how}"))
            screen.finish(text, ok)
        self.notify(safe(f"Metaflow: {text}"), severity="information" if ok else "error",
                    timeout=8, markup=False)
        if runs and self.main_up:
            self.selected_run = max(int(d.get("run")) for d in runs
                                    if str(d.get("run", "")).isdigit())
            self.main.refresh_all()

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
        self.main.query_one(DiffView).action_next_change(step)

    def action_show_tab(self, tab: str) -> None:
        self.main.query_one("#tabs", TabbedContent).active = tab

    def action_preview(self) -> None:
        artifacts = self.main.query_one(ArtifactsTable)
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
        self.main.query_one(RunsTable).set_marked(self.marked)
        self.notify(f"marked run {self.marked}; select another and press c to compare"
                    if self.marked is not None else "mark cleared", timeout=3)
        self.main.update_header()

    def action_compare(self) -> None:
        store, run = self.store, self.current_run()
        if store is None or run is None:
            self.notify("no run selected", severity="warning")
            return
        other = self.marked
        if other is None or other == run.number:
            other = run.origin_run
        if other is None:
            other = next((r.number for r in store.catalog.iter_runs(self.flow)
                          if r.number < run.number), None)
        if other is None:
            self.notify("mark a run with m first, then select another and press c",
                        severity="warning")
            return
        from .screens.compare import CompareScreen
        a, b = sorted((other, run.number))
        self.push_screen(CompareScreen(store, self.flow, a, b))

    def action_older_runs(self) -> None:
        """List the next older runs in the Runs pane (it starts with the newest 100)."""
        store = self.store
        total = store.catalog.count_runs(self.flow) if store is not None else 0
        if self.runs_window >= total:
            self.notify(f"all {total:,} runs are listed")
            return
        self.runs_window += model.RUNS_WINDOW
        self.main.refresh_runs()

    def action_metrics(self) -> None:
        """M: the runs as rows and the chosen scalar artifacts as columns."""
        store = self.store
        if store is None:
            self.notify("no run yet: press r to run the flow", severity="warning")
            return
        from .screens.metrics import MetricsScreen
        self.push_screen(MetricsScreen(store, self.store_dir, self.flow))

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
        self.main.update_header()

    def action_filter(self) -> None:
        box = self.main.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_focus_pane(self, pane: str) -> None:
        """Focus a pane of the main screen (u, d, a, t); a maximised pane gives way."""
        main = self.main
        target = {"runs": "#runs", "flow": "#dag", "artifacts": "#artifacts"}.get(pane)
        if main.maximized is not None:
            main.minimize()
        if target is not None:
            main.query_one(target).focus()
            return
        main.focus_active_tab()

    def action_toggle_zoom(self) -> None:
        """z: the focused pane fills the screen; z again (or esc) restores the layout."""
        main = self.main
        if main.maximized is not None:
            main.minimize()
            return
        pane = main.focused_pane()
        if pane is not None:
            main.maximized = pane

    def action_split(self, delta: int) -> None:
        tasks = self.current_tasks()
        if len(tasks) < 2:
            return
        self.select_split((self.selected_split + delta) % len(tasks))

    # ------------------------------------------------------------------ selection

    def run_numbers(self) -> list[int]:
        return [r.number for r in self.main.query_one(RunsTable).rows_]

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
        self.main.query_one(RunsTable).select_number(number)
        self.main.refresh_selection()
        if focus:
            self.main.query_one(RunsTable).focus()

    def select_step(self, step: str, focus: bool = False) -> None:
        dag = self.main.query_one(DagView)
        dag.select(step)
        if focus:
            dag.focus()

    def select_split(self, index: int) -> None:
        self.selected_split = index
        select = self.main.query_one("#splits", Select)
        if select.value != index:
            with select.prevent(Select.Changed):
                select.value = index
        self.main.refresh_task_views()

    # ------------------------------------------------------------------ refresh

    def schedule_refresh(self) -> None:
        """Coalesce bursts of engine events into one refresh per ~100 ms."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.set_timer(0.1, self._do_scheduled_refresh)

    def _do_scheduled_refresh(self) -> None:
        self._refresh_pending = False
        if self.main_up:
            self.main.refresh_all()

    @property
    def main_up(self) -> bool:
        """The main screen is mounted with its panes (not yet, or no more while exiting):
        timers and engine events that fire around those moments paint nothing."""
        return (self.is_running and not self._exit and self._main is not None
                and self._main.is_mounted and not self._main.closing)

    # ------------------------------------------------------------------ polling & watch

    def _store_signature(self) -> tuple | None:
        store = self.store
        if store is None:
            return None
        latest = queries.latest_run(store.catalog, self.flow)
        if latest is None:
            return (0,)
        return (store.catalog.count_runs(self.flow), latest.number, latest.status,
                latest.finished_at)

    def poll(self) -> None:
        """Every second: the flow file (re-parse on save) and runs made elsewhere."""
        if not self.main_up:
            return
        self.check_file()
        sig = self._store_signature()
        if sig != self._store_sig:
            self._store_sig = sig
            self.schedule_refresh()
        elif self.busy:
            self.main.refresh_runs()  # durations tick while running

    def check_file(self) -> None:
        sig = self._stat_file()
        if sig == self._file_sig:
            return
        old = self.graph
        ok = self._load_graph()
        self.main.show_banner()
        if not ok:
            return
        dag = self.main.query_one(DagView)
        dag.set_graph(self.graph)
        self.main.fit_flow_pane()
        self.main.refresh_selection()
        if old is not None and self.watch:
            modified = [n for n, s in dag.states.items() if s.modified]
            for step in [n for n in self.step_names() if n in modified]:
                self.spin_step(step, run=None)

