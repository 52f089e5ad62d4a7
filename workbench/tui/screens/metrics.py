"""``M``: runs as rows, chosen scalar artifacts as columns (parameters alongside), sortable,
with each metric's trend across runs as a sparkline; ``m`` picks the metrics (remembered
per flow)."""
from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, SelectionList, Static
from textual.widgets.selection_list import Selection
from textual.worker import get_current_worker

from ..widgets.footer import SteadyFooter
from ...display import safe
from ...queries.metrics import Metric, MetricRow, metric_candidates, metric_rows, sparkline
from .. import prefs
from ..model import LOAD_LOCK, RUN_GLYPH, RUN_STYLE
from ..widgets.message_line import MessageLine

DEFAULT_NAMES = ("accuracy", "acc", "loss", "score", "f1", "auc", "rmse", "mae", "r2")


def default_metrics(candidates: list[Metric]) -> list[Metric]:
    """Without a choice: the usual metric names, else the first few scalars."""
    named = [m for m in candidates if m[1].lower() in DEFAULT_NAMES]
    once: dict[str, Metric] = {}
    for m in named or candidates:  # one column per name: the first step that sets it
        once.setdefault(m[1], m)
    return list(once.values())[:4]


def _fmt(value: float | None) -> Text:
    if value is None:
        return Text("-", style="dim", justify="right")
    text = f"{value:.6g}" if not float(value).is_integer() else f"{int(value)}"
    return Text(text, justify="right")


class MetricsScreen(Screen[None]):
    """The experiment table: one row per run (newest first), metrics and parameters."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="metrics.back"),
        Binding("m", "pick", "Pick metrics", id="metrics.pick"),
        Binding("o", "sort", "Sort by column", id="metrics.sort"),
        Binding("enter", "open_run", "Open run", id="metrics.open"),
    ]

    def __init__(self, store: Any, store_dir: Any, flow: str) -> None:
        super().__init__()
        self.store = store
        self.store_dir = store_dir
        self.flow = flow
        self.candidates: list[Metric] = []
        self.metrics: list[Metric] = []
        self.rows: list[MetricRow] = []
        self.sorted_by: tuple[str, bool] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="metrics-box"):
            yield Static(id="metrics-title")
            yield DataTable(id="metrics-table", cursor_type="cell", zebra_stripes=True)
            yield Static(id="metrics-trends")
        yield MessageLine()
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#metrics-title", Static).update(
            Text(f"{self.flow}: loading metrics…", style="dim"))
        self.load()

    @work(thread=True, exclusive=True, group="metrics", exit_on_error=False)
    def load(self, metrics: list[Metric] | None = None) -> None:
        with LOAD_LOCK:
            candidates = metric_candidates(self.store, self.flow)
            if metrics is None:
                chosen = prefs.chosen_metrics(self.store_dir, self.flow)
                metrics = [m for m in chosen if m in candidates] if chosen is not None \
                    else default_metrics(candidates)
            rows = metric_rows(self.store, self.flow, metrics)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, candidates, metrics, rows)

    def show(self, candidates: list[Metric], metrics: list[Metric],
             rows: list[MetricRow]) -> None:
        self.candidates, self.metrics, self.rows = candidates, metrics, rows
        table = self.query_one("#metrics-table", DataTable)
        table.clear(columns=True)
        table.add_column("#", key="run")
        table.add_column(" ", key="status")
        for step, name in metrics:
            table.add_column(Text.assemble(safe(name), (f" {safe(step)}", "dim"),
                                           justify="right"), key=f"{step}.{name}")
        params = sorted({p for r in rows for p in r.params})
        for p in params:
            table.add_column(Text(safe(p), style="dim"), key=f"param.{p}")
        for r in rows:
            cells: list[Any] = [Text(str(r.run), style="bold", justify="right"),
                                Text(RUN_GLYPH.get(r.status, "?"),
                                     style=RUN_STYLE.get(r.status, ""))]
            cells += [_fmt(r.values.get(m)) for m in metrics]
            cells += [Text(safe(str(r.params.get(p, ""))), style="dim") for p in params]
            table.add_row(*cells, key=str(r.run))
        title = Text.assemble((safe(self.flow), "bold"),
                              f"  {len(rows)} run{'s' if len(rows) != 1 else ''} · ")
        title.append("m picks metrics · o sorts by the column under the cursor · "
                     "enter opens the run", style="dim")
        if not candidates:
            title.append("\nno scalar artifact yet (an int or a float set by a step)",
                         style="yellow")
        self.query_one("#metrics-title", Static).update(title)
        self.show_trends()

    def show_trends(self) -> None:
        """Each metric's values from the oldest run to the newest, as a sparkline."""
        oldest_first = list(reversed(self.rows))
        lines = Text()
        for m in self.metrics:
            values = [r.values.get(m) for r in oldest_first]
            present = [v for v in values if v is not None]
            label = f"{m[1]} ({m[0]})"
            lines.append(f"{safe(label):>28}  ", style="bold")
            lines.append(sparkline(values), style="cyan")
            if present:
                lines.append(f"  last {present[-1]:.4g} · min {min(present):.4g} · "
                             f"max {max(present):.4g}", style="dim")
            lines.append("\n")
        self.query_one("#metrics-trends", Static).update(lines)

    def action_sort(self) -> None:
        table = self.query_one("#metrics-table", DataTable)
        if not table.columns:
            return
        key = list(table.columns)[table.cursor_coordinate.column]
        reverse = self.sorted_by is not None and self.sorted_by == (key.value, False)

        def sort_key(cell: Any) -> Any:
            plain = getattr(cell, "plain", str(cell))
            try:
                return (0, float(plain))
            except ValueError:
                return (1 if plain in ("-", "") else 0, plain)
        table.sort(key, key=sort_key, reverse=reverse)
        self.sorted_by = (key.value, reverse)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        self.action_open_run()

    def action_open_run(self) -> None:
        table = self.query_one("#metrics-table", DataTable)
        if not table.row_count:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        self.app.pop_screen()
        self.app.select_run(int(row_key.value), focus=True)

    def action_pick(self) -> None:
        if not self.candidates:
            self.app.notify("no scalar artifact to pick yet", timeout=3)
            return

        def done(chosen: list[Metric] | None) -> None:
            if chosen is not None:
                prefs.remember_metrics(self.store_dir, self.flow, chosen)
                self.load(chosen)

        self.app.push_screen(PickMetrics(self.candidates, self.metrics), done)


class PickMetrics(ModalScreen[list[Metric] | None]):
    """A checklist of the flow's scalar artifacts; enter or ctrl+s keeps the choice."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel"),
                Binding("ctrl+s", "submit", "Keep", id="pick.submit")]

    def __init__(self, candidates: list[Metric], chosen: list[Metric]) -> None:
        super().__init__()
        self.candidates = candidates
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static("Metrics to show", classes="form-title")
            yield Static("space toggles · ctrl+s keeps · esc cancels", classes="form-help")
            yield SelectionList[int](*[
                Selection(f"{safe(name)}  ({safe(step)})", i, (step, name) in self.chosen)
                for i, (step, name) in enumerate(self.candidates)], id="pick-list")

    def on_mount(self) -> None:
        self.query_one("#pick-list").focus()

    def action_submit(self) -> None:
        picked = sorted(self.query_one("#pick-list", SelectionList).selected)
        self.dismiss([self.candidates[i] for i in picked])

    def action_cancel(self) -> None:
        self.dismiss(None)
