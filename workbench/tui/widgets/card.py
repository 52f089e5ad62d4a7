"""The Card tab: the selected task's cards (``@card``) as terminal text.

Markdown renders as Markdown, tables as tables, an artifact as its repr, a PNG image drawn in
half blocks (other images by format, size and label), a chart as its data rows, a progress
bar as a bar. Every
text from the flow goes through ``safe`` and into ``Text`` or rich's Markdown (which reads no
console markup), and links are not made terminal hyperlinks.
"""
from __future__ import annotations

import json
from typing import Any

from rich.console import Group
from rich.markdown import Markdown
from rich.progress_bar import ProgressBar
from rich.color import Color
from rich.rule import Rule
from rich.style import Style
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ...cardpage import chart_rows, chart_title, image_caption, markdown_parser
from ...display import safe

CHART_ROWS = 20  # a chart's data rows shown in the tab
TABLE_ROWS = 200  # a table's rows shown in the tab (the HTML page holds every row)
IMAGE_COLUMNS = 56  # an image is drawn at most this wide (cells)...
IMAGE_ROWS = 14  # ...and this tall (lines of two pixels each)


def _t(value: Any, style: str = "") -> Text:
    if not isinstance(value, str):
        value = json.dumps(value, default=str)
    return Text(safe(value), style=style)


class TextMarkdown(Markdown):
    """rich's Markdown with raw HTML read as text: ``<b>x</b>`` in a flow's Markdown shows as
    typed (rich's own parser would drop the tags, and what they enclose would look plain)."""

    def __init__(self, markup: str) -> None:
        super().__init__(markup, hyperlinks=False)
        self.parsed = markdown_parser().parse(markup)


def drawn(pixels: list[list[tuple]]) -> Text:
    """Pixels as half blocks: each cell is two pixels, the upper one in the glyph's colour and
    the lower one in its background (any terminal with true colour shows it)."""
    text = Text()
    for y in range(0, len(pixels), 2):
        top = pixels[y]
        bottom = pixels[y + 1] if y + 1 < len(pixels) else [(255, 255, 255)] * len(top)
        for (r, g, b), (r2, g2, b2) in zip(top, bottom):
            text.append("▀", Style(color=Color.from_rgb(r, g, b),
                                   bgcolor=Color.from_rgb(r2, g2, b2)))
        text.append("\n")
    text.rstrip()
    return text


def _image(component: dict[str, Any], pixels: dict | None) -> list[Any]:
    src = str(component.get("src") or "")
    caption = image_caption(src, component.get("label"))
    drawing = (pixels or {}).get(src)
    if drawing:
        return [drawn(drawing), _t(f"▣ {caption}", "magenta")]
    return [_t(f"▣ image {caption} (not drawn: workbench card writes it as a page)",
               "magenta")]


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "artifacts":
            return Text("\n").join(_t(a.get("data")) for a in value.get("data") or []
                                   if isinstance(a, dict))
        if kind == "markdown":
            return _t((value.get("source") or "").strip())
        if kind == "image":
            return _t(image_caption(str(value.get("src") or ""), value.get("label")),
                      "magenta")
        return Group(*component_renderables(value))
    return _t(value)


def _table(component: dict[str, Any]) -> Any:
    headers = [str(h) for h in component.get("columns") or []]
    rows = [r if isinstance(r, list) else [r] for r in component.get("data") or [] if r != []]
    if len(rows) > TABLE_ROWS and not component.get("vertical"):
        shown = _table({**component, "data": rows[:TABLE_ROWS]})
        return Group(shown, _t(f"… {len(rows) - TABLE_ROWS:,} more rows (workbench card "
                               "writes them all)", "dim"))
    if component.get("vertical"):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", justify="right")
        grid.add_column()
        values = rows[0] if rows else []
        for i, header in enumerate(headers):
            grid.add_row(_t(header), _cell(values[i]) if i < len(values) else "")
        return grid
    table = Table(show_header=bool(headers), header_style="bold", expand=False,
                  show_lines=False, padding=(0, 1))
    width = max([len(headers), *(len(r) for r in rows)] or [0])
    for i in range(width):
        table.add_column(_t(headers[i]) if i < len(headers) else "")
    for row in rows:
        table.add_row(*[_cell(c) for c in row])
    return table


def _artifacts(component: dict[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(style="dim")
    grid.add_column()
    for entry in component.get("data") or []:
        if isinstance(entry, dict):
            grid.add_row(_t(entry.get("name") or ""), _t(entry.get("type") or ""),
                         _t(entry.get("data")))
    return grid


def _chart(component: dict[str, Any]) -> list[Any]:
    spec = component.get("spec") or {}
    headers, rows = chart_rows(spec)
    out: list[Any] = [_t(f"▥ {chart_title(spec)}", "bold cyan")]
    if headers:
        out.append(_table({"columns": headers, "data": rows[:CHART_ROWS]}))
        if len(rows) > CHART_ROWS:
            out.append(_t(f"… {len(rows) - CHART_ROWS} more rows", "dim"))
    else:
        out.append(_t("(no inline data: the chart reads its data from elsewhere)", "dim"))
    return out


def _progress(component: dict[str, Any]) -> list[Any]:
    try:
        total, done = float(component.get("max", 100)), float(component.get("value", 0))
    except (TypeError, ValueError):
        return [_t(component)]
    line = Text.assemble(_t(component.get("label") or "progress", "bold"), " ",
                         _t(f"{component.get('value')}/{component.get('max')} "
                            f"{component.get('unit') or ''}".rstrip()))
    if component.get("details"):
        line.append("  ")
        line.append(_t(component["details"], "dim"))
    bar = Table.grid()  # (a bare ProgressBar ends without a line break)
    bar.add_row(ProgressBar(total=total or 1, completed=done, width=40))
    return [line, bar]


def component_renderables(component: Any, pixels: dict | None = None) -> list[Any]:
    """What a card component (and what it contains) shows in a terminal; ``pixels`` holds
    its images decoded (by source), which are drawn."""
    if not isinstance(component, dict):
        return [_t(component)]
    kind = component.get("type")
    if kind == "title":
        return [_t(component.get("text"), "bold")]
    if kind == "subtitle":
        return [_t(component.get("text"), "bold dim")]
    if kind in ("page", "section"):
        out: list[Any] = []
        title = component.get("title")
        if title and kind == "page":
            out.append(Rule(_t(title, "bold")))
        elif title:
            out.append(Text.assemble("\n", _t(title, "bold underline")))
        for child in component.get("contents") or []:
            out += component_renderables(child, pixels)
        return out
    if kind == "markdown":
        return [TextMarkdown(safe(component.get("source") or ""))]
    if kind == "table":
        return [_table(component)]
    if kind == "artifacts":
        return [_artifacts(component)]
    if kind == "image":
        return _image(component, pixels)
    if kind == "log":
        return [_t(component.get("data"), "red")]
    if kind == "pythonCode":
        return [Syntax(safe(component.get("data") or ""), "python", theme="ansi_dark",
                       background_color="default")]
    if kind == "progressBar":
        return _progress(component)
    if kind == "valueBox":
        parts = [_t(component.get("title") or "", "dim"), _t(component.get("value"), "bold")]
        for key in ("subtitle", "change_indicator"):
            if component.get(key):
                parts.append(_t(component[key], "dim"))
        return [Text("  ").join(parts)]
    if kind == "vegaChart":
        return _chart(component)
    if kind == "dag":
        data = component.get("data") or {}
        steps = data.get("steps") if isinstance(data.get("steps"), dict) else data
        return [_t(f"{name} → {', '.join(node.get('next') or []) or '(end)'}")
                for name, node in steps.items() if isinstance(node, dict)]
    if kind == "text":
        return [_t(component.get("text"))]
    return [_t(json.dumps(component, default=str), "dim")]


def card_renderables(card: dict[str, Any], index: int, total: int,
                     pixels: dict | None = None) -> list[Any]:
    """One stored card (``{"type", "id", "data"}``) under a heading naming it."""
    label = f"card {index + 1} of {total} · {card.get('type')}" + (
        f" · id {card['id']}" if card.get("id") else "")
    out: list[Any] = [Rule(_t(label, "bold cyan"), style="cyan")]
    for component in (card.get("data") or {}).get("components") or []:
        out += component_renderables(component, pixels)
    return out


class CardView(Static):
    """The selected task's cards, one under the other."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cards: list[dict[str, Any]] = []
        self.shown_for: Any = None

    def show_cards(self, cards: list[dict[str, Any]], what: str,
                   pixels: dict | None = None) -> None:
        self.cards = list(cards)
        if not self.cards:
            self.update(Text(f"{what} made no card. Add @card to the step (and "
                             "current.card.append(...) in it) to make one.", style="dim italic"))
            return
        parts: list[Any] = []
        for i, card in enumerate(self.cards):
            parts += card_renderables(card, i, len(self.cards), pixels)
        parts.append(Text(f"workbench card {what} writes it as an HTML page.", style="dim"))
        self.update(Group(*parts))

    def show_message(self, message: str) -> None:
        self.cards = []
        self.update(Text(message, style="dim italic"))
