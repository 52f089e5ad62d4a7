"""The smaller panes: header line, Runs table, Artifacts table, Source and Task tabs."""
from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.widgets import DataTable, Static

from ...display import safe
from ..model import RUN_GLYPH, RUN_STYLE, ArtifactRow, RunRow, task_facts


class StatusHeader(Static):
    """One line: flow name, file, store, what the worker is doing, watch mode."""

    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def show(self, *, flow: str, file: str, store: str, activity: str, busy: bool,
             watch: bool, marked: int | None = None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("◆ workbench  ", "bold cyan")
        text.append(safe(flow), "bold")
        text.append(f"  {safe(file)}", "")
        text.append("  store ", "dim")
        text.append(safe(store))
        text.append("   ")
        text.append("● " if busy else "○ ", "bold yellow" if busy else "green")
        text.append(safe(activity), "yellow" if busy else "dim")
        if watch:
            text.append("   ◉ watching", "bold magenta")
        if marked is not None:
            text.append(f"   ◆ marked {marked}", "cyan")
        self.update(text)


class RunsTable(DataTable):
    """Newest run first: number, status, kind (with origin), started, duration, params."""

    DEFAULT_CSS = """
    RunsTable { background: $surface; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.rows_: list[RunRow] = []
        self.marked: int | None = None

    def on_mount(self) -> None:
        self.add_column("#", key="number")
        self.add_column(" ", key="status", width=1)
        self.add_column("kind", key="kind")
        self.add_column("started", key="started")
        self.add_column("took", key="duration")
        self.add_column("params", key="params")

    def show_runs(self, rows: list[RunRow], selected: int | None) -> None:
        """Replace the rows (keeping the cursor on ``selected``)."""
        if rows == self.rows_ and self.row_count == len(rows):
            if selected is not None:
                self.select_number(selected)
            return
        self.rows_ = rows
        self.clear()
        for row in rows:
            style = RUN_STYLE.get(row.status, "")
            mark = "◆" if row.number == self.marked else ""
            self.add_row(
                Text(f"{mark}{row.number}", style="bold cyan" if mark else "bold",
                     justify="right"),
                Text(RUN_GLYPH.get(row.status, "?"), style=style),
                Text(row.label, style="" if row.kind == "run" else "italic"),
                Text(row.started, style="dim"),
                Text(row.duration, justify="right"),
                Text(row.params, style="dim"),
                key=str(row.number),
            )
        if selected is not None:
            self.select_number(selected)

    def select_number(self, number: int) -> None:
        for i, row in enumerate(self.rows_):
            if row.number == number:
                if self.cursor_row != i:
                    self.move_cursor(row=i, animate=False)
                return

    def set_marked(self, number: int | None) -> None:
        self.marked = number
        rows, self.rows_ = self.rows_, []
        selected = rows[self.cursor_row].number if rows and 0 <= self.cursor_row < len(rows) \
            else None
        self.show_runs(rows, selected)


CHANGE_MARK = {"changed": ("~", "bold yellow"), "added": ("+", "bold green"),
               "unchanged": ("", ""), "": ("", "")}


class ArtifactsTable(DataTable):
    """The selected task's artifacts: change mark, name, type, size, summary."""

    DEFAULT_CSS = """
    ArtifactsTable { background: $surface; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.rows_: list[ArtifactRow] = []
        self.filter_text = ""

    def on_mount(self) -> None:
        self.add_column(" ", key="change", width=1)
        self.add_column("name", key="name")
        self.add_column("type", key="type")
        self.add_column("size", key="size")
        self.add_column("summary", key="summary")

    def show_rows(self, rows: list[ArtifactRow]) -> None:
        keep = self.current_name
        self.rows_ = rows
        self._fill(keep)

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._fill(self.current_name)

    @property
    def visible_rows(self) -> list[ArtifactRow]:
        f = self.filter_text
        if not f:
            return self.rows_
        return [r for r in self.rows_ if f in r.name.lower() or f in r.type_name.lower()
                or f in r.summary.lower()]

    @property
    def current_name(self) -> str | None:
        """The real name of the artifact under the cursor (rows show it sanitised)."""
        rows = self.visible_rows
        if rows and 0 <= self.cursor_row < len(rows) and self.row_count:
            return rows[self.cursor_row].key or rows[self.cursor_row].name
        return None

    def _fill(self, keep: str | None) -> None:
        self.clear()
        rows = self.visible_rows
        for row in rows:
            mark, style = CHANGE_MARK.get(row.change, ("", ""))
            self.add_row(
                Text(mark, style=style),
                Text(row.name, style="bold" if row.change in ("changed", "added") else ""),
                Text(_short_type(row.type_name), style="cyan"),
                Text(row.size, justify="right", style="dim"),
                Text(row.summary, no_wrap=True, overflow="ellipsis"),
                key=row.key or row.name,
            )
        names = [r.key or r.name for r in rows]
        if keep in names:
            self.move_cursor(row=names.index(keep), animate=False)


def _short_type(name: str) -> str:
    """``pandas.DataFrame`` -> ``DataFrame``: the last dotted part (the preview shows all)."""
    return name.rsplit(".", 1)[-1] if "." in name else name


class SourceView(Static):
    """The selected step's source with line numbers, highlighted."""

    def show_source(self, source: str, start_line: int, *, note: str | None = None,
                    theme: str = "ansi_dark") -> None:
        syntax = Syntax(safe(source.rstrip("\n")), "python", line_numbers=True,
                        start_line=start_line, theme=theme, background_color="default",
                        word_wrap=False, indent_guides=True)
        if note:
            self.update(Group(Text(note, style="bold yellow"), syntax))
        else:
            self.update(syntax)

    def show_message(self, message: str) -> None:
        self.update(Text(message, style="dim italic"))


class TaskInfo(Static):
    """Timings, attempt, exception and traceback of the selected task."""

    def show_task(self, task: Any) -> None:
        if task is None:
            self.update(Text("No task of this step in the selected run.", style="dim italic"))
            return
        facts = task_facts(task)
        table = Table.grid(padding=(0, 2))
        for _ in range(2):
            table.add_column(style="dim", justify="right")
            table.add_column()
        half = (len(facts) + 1) // 2
        for left, right in zip(facts[:half], facts[half:] + [("", "")]):
            cells: list[Any] = []
            for label, value in (left, right):
                style = RUN_STYLE.get(value, "") if label == "status" else ""
                cells += [label, Text(safe(value), style=style)]
            table.add_row(*cells)
        parts: list[Any] = []
        if task.exception:  # what went wrong comes first
            first = task.exception.strip().splitlines()[0] if task.exception.strip() else ""
            parts.append(Text(f"✘ {safe(first)}", style="bold red"))
            parts.append(Text(""))
        parts.append(table)
        if task.traceback:
            parts.append(Text(""))
            parts.append(Syntax(safe(task.traceback.rstrip()), "pytb", theme="ansi_dark",
                                background_color="default", word_wrap=True))
        self.update(Group(*parts))
