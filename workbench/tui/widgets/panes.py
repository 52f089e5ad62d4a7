"""The smaller panes: header line, Runs table, Artifacts table, Source and Task tabs."""
from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from ...display import fold_traceback, format_seconds, safe
from ..columns import Column, cut, cut_pairs, fit
from ..keys import bindings, widget_key
from ..model import KIND_STYLE, RUN_GLYPH, RUN_STYLE, ArtifactRow, RunRow, task_facts


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
             watch: bool, marked: int | None = None, queued: list[str] | None = None,
             held: bool = False, running: list[tuple[str, float]] | None = None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("◆ workbench  ", "bold cyan")
        text.append(safe(flow), "bold")
        text.append(f"  {safe(file)}", "")
        text.append("  store ", "dim")
        text.append(safe(store))
        text.append("   ")
        text.append("● " if busy else "○ ", "bold yellow" if busy else "green")
        text.append(safe(activity), "yellow" if busy else "dim")
        if running:
            ticks = ", ".join(f"{safe(label)} {format_seconds(sec)}"
                              for label, sec in running[:3])
            more = f" +{len(running) - 3}" if len(running) > 3 else ""
            text.append(f" · ▶ {ticks}{more}", "bold yellow")
        if queued:
            what = ", ".join(safe(q) for q in queued[:2]) + (", …" if len(queued) > 2 else "")
            text.append(f"   ⋯ {len(queued)} queued{' (held: x clears)' if held else ''}: "
                        f"{what}", "bold yellow")
        if watch:
            text.append("   ◉ watching", "bold magenta")
        if marked is not None:
            text.append(f"   ◆ marked {marked}", "cyan")
        self.update(text)


class FittedTable(DataTable):
    """A DataTable whose columns fit its width (``columns.fit``): values are cut with ``…``
    (never a number) or their columns dropped, never clipped at the pane's edge."""

    COLUMNS: list[Column] = []
    BINDINGS = bindings([widget_key(k) for k in ("table.top", "table.bottom", "table.down",
                                                  "table.up")])

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self._fitted_for: tuple | None = None

    def action_first_row(self) -> None:
        """The first row, the view scrolled to its first column (never sideways)."""
        if self.row_count:
            self.move_cursor(row=0, animate=False)
            self.scroll_to(x=0, animate=False)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)
            self.scroll_to(x=0, animate=False)

    def cells_of(self, row: Any) -> dict[str, Text]:
        """The row's cells by column key (full text; cutting is done here)."""
        raise NotImplementedError

    def row_key(self, row: Any) -> str:
        raise NotImplementedError

    @property
    def shown_rows(self) -> list[Any]:
        raise NotImplementedError

    def on_resize(self, event: Any) -> None:
        self._refill()

    def _room(self) -> int:
        return max(10, (self.size.width or 60) - 1)  # the vertical scrollbar

    def _refill(self, keep: str | None = None, force: bool = False) -> None:
        rows = self.shown_rows
        cells = [self.cells_of(r) for r in rows]
        natural = {c.key: max((cell_len(row[c.key].plain) for row in cells), default=0)
                   for c in self.COLUMNS}
        widths = fit(self.COLUMNS, natural, self._room())
        key = (id(rows), len(rows), tuple(widths.items()))
        if not force and key == self._fitted_for:
            return
        self._fitted_for = key
        if keep is None and rows and 0 <= self.cursor_row < len(rows):
            keep = self.row_key(rows[min(self.cursor_row, len(rows) - 1)])
        scroll_y = self.scroll_y
        self.clear(columns=True)
        for c in self.COLUMNS:
            if c.key in widths:
                self.add_column(Text(c.label, justify="right" if c.right else "left"),
                                key=c.key, width=widths[c.key])
        for row, cell in zip(rows, cells):
            out = []
            for c in self.COLUMNS:
                if c.key in widths:
                    text = cell[c.key]
                    if cell_len(text.plain) > widths[c.key]:
                        text = Text((c.cutter or cut)(text.plain, widths[c.key]),
                                    style=text.style)
                    if c.right:
                        text.justify = "right"
                    out.append(text)
            self.add_row(*out, key=self.row_key(row))
        keys = [self.row_key(r) for r in rows]
        if keep in keys:
            self.move_cursor(row=keys.index(keep), animate=False)
        self.scroll_y = scroll_y


class RunsTable(FittedTable):
    """Newest run first: number, status, kind (with origin), started, duration, params."""

    DEFAULT_CSS = """
    RunsTable { background: $surface; }
    """

    COLUMNS = [
        Column("number", "#", 0, right=True),
        Column("status", " ", 0),
        Column("kind", "kind", 1, cut=True, min=8),
        Column("duration", "took", 2, right=True),
        Column("started", "started", 4),
        Column("params", "params", 3, cut=True, min=10, cutter=cut_pairs),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows_: list[RunRow] = []
        self.marked: int | None = None

    @property
    def shown_rows(self) -> list[RunRow]:
        return self.rows_

    def row_key(self, row: RunRow) -> str:
        return str(row.number)

    def cells_of(self, row: RunRow) -> dict[str, Text]:
        style = RUN_STYLE.get(row.status, "")
        mark = "◆" if row.number == self.marked else ""
        return {
            "number": Text(f"{mark}{row.number}", style="bold cyan" if mark else "bold"),
            "status": Text(RUN_GLYPH.get(row.status, "?"), style=style),
            "kind": Text(row.label, style=KIND_STYLE.get(row.kind, "italic")),
            "started": Text(row.started, style="dim"),
            "duration": Text(row.duration),
            "params": Text(row.params, style="dim"),
        }

    def show_runs(self, rows: list[RunRow], selected: int | None) -> None:
        """Replace the rows (keeping the cursor on ``selected``)."""
        if rows == self.rows_ and self.row_count == len(rows):
            if selected is not None:
                self.select_number(selected)
            return
        self.rows_ = rows
        self._refill(str(selected) if selected is not None else None, force=True)

    def select_number(self, number: int) -> None:
        for i, row in enumerate(self.rows_):
            if row.number == number:
                if self.cursor_row != i:
                    self.move_cursor(row=i, animate=False)
                return

    def set_marked(self, number: int | None) -> None:
        self.marked = number
        self._refill(force=True)


CHANGE_MARK = {"changed": ("~", "bold yellow"), "added": ("+", "bold green"),
               "unchanged": ("", ""), "": ("", "")}


class ArtifactsTable(FittedTable):
    """The selected task's artifacts: change mark, name, type, size, summary."""

    DEFAULT_CSS = """
    ArtifactsTable { background: $surface; }
    """

    COLUMNS = [
        Column("change", " ", 0),
        Column("name", "name", 0, cut=True, min=8),
        Column("type", "type", 3, cut=True, min=9),
        Column("size", "size", 4, right=True),
        Column("summary", "summary", 1, cut=True, min=12),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows_: list[ArtifactRow] = []
        self.filter_text = ""
        self._visible: list[ArtifactRow] = []
        self.wanted: str | None = None  # the artifact the user last put the cursor on

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.has_focus and event.row_key is not None:
            self.wanted = event.row_key.value

    def show_rows(self, rows: list[ArtifactRow]) -> None:
        """New rows (another task): the cursor stays on the artifact it was on, or goes
        back to the one the user chose last, when the new task has it."""
        names = {self.row_key(r) for r in rows}
        keep = self.wanted if self.wanted in names else self.current_name
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
    def shown_rows(self) -> list[ArtifactRow]:
        return self._visible

    def row_key(self, row: ArtifactRow) -> str:
        return row.key or row.name

    @property
    def current_name(self) -> str | None:
        """The real name of the artifact under the cursor (rows show it sanitised)."""
        rows = self._visible
        if rows and 0 <= self.cursor_row < len(rows) and self.row_count:
            return self.row_key(rows[self.cursor_row])
        return None

    def cells_of(self, row: ArtifactRow) -> dict[str, Text]:
        mark, style = CHANGE_MARK.get(row.change, ("", ""))
        return {
            "change": Text(mark, style=style),
            "name": Text(row.name, style="bold" if row.change in ("changed", "added") else ""),
            "type": Text(_short_type(row.type_name), style="cyan"),
            "size": Text(row.size, style="dim"),
            "summary": Text(row.summary),
        }

    def _fill(self, keep: str | None) -> None:
        self._visible = self.visible_rows
        self._refill(keep, force=True)


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

    def show_diff(self, lines: list[Any], *, note: str, theme: str = "ansi_dark") -> None:
        """``queries.source.source_diff`` lines: the step now, with the lines that ran and
        are gone (red, ``-``) and the lines that are new (green, ``+``) marked. Each side is
        highlighted whole (a docstring spanning lines stays a string), then interleaved."""
        width = len(str(max((line.number for line in lines), default=1)))
        syntax = Syntax("", "python", theme=theme, background_color="default")

        def highlighted(tags: str) -> Any:
            text = "\n".join(safe(line.text) for line in lines if line.tag in tags)
            return iter(syntax.highlight(text).split("\n"))

        ran, now = highlighted(" -"), highlighted(" +")
        body = Text(no_wrap=True, overflow="ellipsis")
        for line in lines:
            lit = next(ran) if line.tag == "-" else next(now)
            if line.tag == " ":
                next(ran)  # the same line on the other side
            # colours only: the theme's "on default" would paint the terminal's background
            code = Text(lit.plain, spans=[span for span in lit.spans
                                          if not str(span.style).startswith("on ")])
            bg = {"-": "on #3b1219", "+": "on #12361d"}.get(line.tag)
            body.append(f"{line.number:>{width}} ", "dim")
            body.append(f"{line.tag} ", {"-": "bold red", "+": "bold green"}.get(line.tag, "dim"))
            if bg:
                code.stylize(bg)
            body.append_text(code)
            body.append("\n")
        body.rstrip()
        self.update(Group(Text(note, style="bold yellow"), body))

    def show_message(self, message: str) -> None:
        self.update(Text(message, style="dim italic"))


class TaskInfo(Static):
    """Timings, attempt, exception and traceback of the selected task. The traceback shows
    the user's frames (files under the flow's folder, paths relative to it) and folds the
    library frames into one line; ``o`` (in the Task tab) unfolds them."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.user_dir: str | None = None
        self.folded = True
        self._shown_task: Any = None

    def toggle_frames(self) -> None:
        self.folded = not self.folded
        self.show_task(self._shown_task)

    def show_task(self, task: Any) -> None:
        self._shown_task = task
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
            folded = fold_traceback(task.traceback, self.user_dir)
            parts.append(Text(""))
            if folded.library_frames:
                hint = "o shows them" if self.folded else "o folds them"
                parts.append(Text(safe(f"{folded.library_summary()}: {hint}"),
                                  style="dim italic"))
            text = folded.text(folded=self.folded, relative_to=self.user_dir) \
                if folded.frames else task.traceback.rstrip()
            parts.append(Syntax(safe(text), "pytb", theme="ansi_dark",
                                background_color="default", word_wrap=True))
        self.update(Group(*parts))


class TaskScroll(VerticalScroll):
    """The Task tab's scroller: ``o`` shows or folds a traceback's library frames."""

    BINDINGS = bindings([widget_key("task.frames")])

    def action_toggle_frames(self) -> None:
        self.query_one(TaskInfo).toggle_frames()
