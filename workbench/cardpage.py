"""A card as a page: standalone HTML for a browser, and the facts a terminal shows of it.

A card's document is Metaflow's card JSON (``{"metadata", "components"}``, see
``flow.cards.document``). ``card_html`` lays it out as one HTML file that needs no network
and runs no script: images are embedded data URIs, charts show their data as tables, and the
document itself rides along in a ``<script type="application/json">`` block for tools.
Everything that came from a flow goes through ``display.safe`` and ``html.escape`` (Markdown
through markdown-it with raw HTML turned off): a card shows a flow's text as text.

Imports nothing of workbench but ``display`` and ``png``, so every face may use it.
"""
from __future__ import annotations

import base64
import binascii
import html
import json
import struct
import zlib
from typing import Any, Iterator

from . import png
from .display import format_size, safe, safe_html

DATA_ELEMENT_ID = "workbench-card-data"
CHART_ROWS = 50  # a chart's data rows shown in a page

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;
margin:0;background:#f6f8fa;color:#1f2328;font-size:14px;line-height:1.45}
main{max-width:1100px;margin:24px auto;padding:0 16px}
h1.wb-title{font-size:20px;font-family:ui-monospace,Menlo,monospace;margin:0 0 12px}
.wb-page{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px}
.wb-page>h2{margin-top:0;font-size:18px}
.wb-section{margin:18px 0}.wb-section>h3{font-size:15px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}
.wb-columns{display:grid;grid-template-columns:repeat(var(--columns,1),minmax(0,1fr));gap:12px}
table{border-collapse:collapse;margin:6px 0;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
pre{background:#f6f8fa;border-radius:6px;padding:8px;overflow:auto;font-size:12px;margin:4px 0}
td pre{margin:0;padding:2px 4px;background:none}
.wb-log{background:#fff1f0;border-left:3px solid #cf222e}
figure{margin:8px 0}figure img{max-width:100%;border:1px solid #d0d7de}
figcaption{font-size:12px;color:#59636e}
.wb-progress progress{width:240px;vertical-align:middle}
.wb-valuebox{justify-self:start;display:inline-block;border:1px solid #d0d7de;border-radius:8px;padding:8px 14px;
margin:4px 8px 4px 0}.wb-valuebox .wb-value{font-size:24px;font-weight:600}
.wb-muted{color:#59636e;font-size:12px}
"""


_e = safe_html  # a flow's text as HTML text


def markdown_parser() -> Any:
    """How a flow's Markdown is read, by the page and the app alike: CommonMark with tables and
    strikethrough, raw HTML off (``<b>`` stays text). markdown-it is rich's own parser."""
    global _PARSER
    if _PARSER is None:
        from markdown_it import MarkdownIt

        _PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    return _PARSER


_PARSER: Any = None


def _markdown(source: str | None) -> str:
    return markdown_parser().render(safe(source or ""))


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return component_html(value)
    if isinstance(value, str):
        return _e(value)
    return _e(json.dumps(value, default=str))


def _table(component: dict[str, Any]) -> str:
    headers = list(component.get("columns") or [])
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in component.get("data") or []]
    if component.get("vertical"):  # one record: headers down the side
        values = rows[0] if rows else []
        body = "".join(f"<tr><th>{_e(h)}</th><td>{_cell(values[i]) if i < len(values) else ''}"
                       "</td></tr>" for i, h in enumerate(headers))
        return f"<table>{body}</table>"
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>"
                   for row in rows if row)
    return f"<table>{f'<thead><tr>{head}</tr></thead>' if head else ''}<tbody>{body}</tbody></table>"


def _artifacts(component: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_e(a.get('name') or '')}</td><td class='wb-muted'>{_e(a.get('type'))}</td>"
        f"<td><pre>{_e(a.get('data'))}</pre></td></tr>"
        for a in component.get("data") or [] if isinstance(a, dict))
    return f"<table><tbody>{rows}</tbody></table>"


def _image(component: dict[str, Any]) -> str:
    src = str(component.get("src") or "")
    label = component.get("label")
    caption = f"<figcaption>{_e(label)}</figcaption>" if label else ""
    if not src.startswith("data:image/"):  # never a link: a card needs no network
        return f"<figure><pre>(image not embedded)</pre>{caption}</figure>"
    return f'<figure><img src="{html.escape(src, quote=True)}" alt="{_e(label)}">{caption}</figure>'


def chart_rows(spec: Any) -> tuple[list[str], list[list[Any]]]:
    """A Vega-Lite spec's inline data (``data.values``) as headers and rows."""
    data = spec.get("data") if isinstance(spec, dict) else None
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, list):
        return [], []
    headers: list[str] = []
    for row in values:
        for key in row if isinstance(row, dict) else ():
            if key not in headers:
                headers.append(str(key))
    rows = [[row.get(h) for h in headers] if isinstance(row, dict) else [row] for row in values]
    return headers, rows


def chart_title(spec: Any) -> str:
    """"Vega-Lite bar chart" and its title, from a spec."""
    if not isinstance(spec, dict):
        return "chart"
    mark = spec.get("mark")
    mark = mark.get("type") if isinstance(mark, dict) else mark
    title = spec.get("title")
    title = title.get("text") if isinstance(title, dict) else title
    kind = f"Vega-Lite {mark} chart" if mark else "Vega-Lite chart"
    return f"{kind}: {title}" if title else kind


def _chart(component: dict[str, Any]) -> str:
    spec = component.get("spec") or {}
    headers, rows = chart_rows(spec)
    shown = rows[:CHART_ROWS]
    more = (f"<div class='wb-muted'>{len(rows) - len(shown)} more rows</div>"
            if len(rows) > len(shown) else "")
    data = _table({"columns": headers, "data": shown}) + more if headers else \
        "<div class='wb-muted'>(no inline data)</div>"
    return (f"<div class='wb-chart'><b>{_e(chart_title(spec))}</b>{data}<details><summary>"
            f"spec</summary><pre>{_e(json.dumps(spec, indent=1, default=str))}</pre>"
            "</details></div>")


def _progress(component: dict[str, Any]) -> str:
    value, top = component.get("value", 0), component.get("max", 100)
    try:
        bar = f'<progress max="{float(top)}" value="{float(value)}"></progress>'
    except (TypeError, ValueError):
        bar = ""
    unit = component.get("unit") or ""
    details = component.get("details")
    return (f"<div class='wb-progress'><b>{_e(component.get('label') or '')}</b> {bar} "
            f"{_e(value)}/{_e(top)} {_e(unit)}"
            + (f" <span class='wb-muted'>{_e(details)}</span>" if details else "") + "</div>")


def _value_box(component: dict[str, Any]) -> str:
    parts = [f"<div class='wb-muted'>{_e(component.get('title'))}</div>"
             if component.get("title") else "",
             f"<div class='wb-value'>{_e(component.get('value'))}</div>"]
    for key in ("subtitle", "change_indicator"):
        if component.get(key):
            parts.append(f"<div class='wb-muted'>{_e(component[key])}</div>")
    return f"<div class='wb-valuebox'>{''.join(parts)}</div>"


def _dag(component: dict[str, Any]) -> str:
    data = component.get("data") or {}
    data = data.get("steps") if isinstance(data.get("steps"), dict) else data
    items = "".join(
        f"<li><code>{_e(name)}</code> <span class='wb-muted'>({_e(node.get('type'))})</span>"
        + (f" → {', '.join(f'<code>{_e(n)}</code>' for n in node.get('next') or [])}"
           if node.get("next") else "") + "</li>"
        for name, node in data.items() if isinstance(node, dict))
    return f"<ul>{items}</ul>"


def component_html(component: Any, nested: bool = False) -> str:
    """One rendered component (and what it contains) as HTML; ``nested`` inside a page."""
    if isinstance(component, str):
        return f"<div>{_e(component)}</div>"
    if not isinstance(component, dict):
        return f"<pre>{_e(json.dumps(component, default=str))}</pre>"
    kind = component.get("type")
    if kind == "title" and nested:
        return f"<p class='wb-muted'>{_e(component.get('text'))}</p>"
    if kind == "title":
        return f"<h1 class='wb-title'>{_e(component.get('text'))}</h1>"
    if kind == "subtitle":
        return f"<h3>{_e(component.get('text'))}</h3>"
    if kind in ("page", "section"):
        inner = "".join(component_html(c, True) for c in component.get("contents") or [])
        if kind == "page":
            title = f"<h2>{_e(component['title'])}</h2>" if component.get("title") else ""
            return f"<section class='wb-page'>{title}{inner}</section>"
        columns = component.get("columns")
        style = f" style='--columns:{int(columns)}'" if isinstance(columns, int) else ""
        title = f"<h3>{_e(component['title'])}</h3>" if component.get("title") else ""
        return f"<section class='wb-section'>{title}<div class='wb-columns'{style}>{inner}</div></section>"
    if kind == "markdown":
        return f"<div class='wb-markdown'>{_markdown(component.get('source'))}</div>"
    if kind == "table":
        return _table(component)
    if kind == "artifacts":
        return _artifacts(component)
    if kind == "image":
        return _image(component)
    if kind == "log":
        return f"<pre class='wb-log'>{_e(component.get('data'))}</pre>"
    if kind == "pythonCode":
        return f"<pre class='wb-code'><code>{_e(component.get('data'))}</code></pre>"
    if kind == "text":
        return f"<p>{_e(component.get('text'))}</p>"
    if kind == "progressBar":
        return _progress(component)
    if kind == "valueBox":
        return _value_box(component)
    if kind == "vegaChart":
        return _chart(component)
    if kind == "dag":
        return _dag(component)
    # html components and kinds this page does not know: shown as their data, never as markup
    return f"<pre>{_e(json.dumps(component, indent=1, default=str))}</pre>"


def card_html(card: dict[str, Any], title: str | None = None) -> str:
    """A stored card (``{"type", "id", "data"}``) as one standalone HTML page."""
    data = card.get("data") or {}
    metadata = data.get("metadata") or {}
    name = title or " · ".join(str(p) for p in (metadata.get("pathspec"), card.get("type"),
                                                card.get("id")) if p)
    body = "".join(component_html(c) for c in data.get("components") or [])
    # the document for tools, unable to end its element early ("</script>" cannot appear)
    blob = (json.dumps(data, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{_e(name)}</title><style>{_CSS}</style></head><body><main>{body}</main>"
            f"<script type='application/json' id='{DATA_ELEMENT_ID}'>{blob}</script>"
            "</body></html>\n")


def walk(components: Any) -> Iterator[dict[str, Any]]:
    """Every component of a card's tree, depth first (pages and sections included)."""
    for component in components or []:
        if not isinstance(component, dict):
            continue
        yield component
        if component.get("type") in ("page", "section"):
            yield from walk(component.get("contents"))
        elif component.get("type") == "table":
            for row in component.get("data") or []:
                yield from walk(row if isinstance(row, list) else [])


def image_facts(src: str) -> tuple[str, int | None, int | None, int]:
    """(format, width, height, bytes) of an image data URI; sizes None when unknown."""
    head, _, payload = str(src).partition(",")
    kind = head.removeprefix("data:image/").split(";")[0] or "image"
    try:
        raw = base64.b64decode(payload.strip(), validate=False)
    except (binascii.Error, ValueError):
        return kind, None, None, 0
    width = height = None
    if raw.startswith(b"\x89PNG\r\n\x1a\n") and len(raw) >= 24:
        width, height = struct.unpack(">II", raw[16:24])
    elif raw[:6] in (b"GIF87a", b"GIF89a") and len(raw) >= 10:
        width, height = struct.unpack("<HH", raw[6:10])
    elif raw.startswith(b"\xff\xd8"):
        width, height = _jpeg_size(raw)
    return kind, width, height, len(raw)


def _jpeg_size(raw: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(raw):
        if raw[i] != 0xFF:
            return None, None
        marker = raw[i + 1]
        length = int.from_bytes(raw[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", raw[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None, None


def image_caption(src: str, label: str | None = None) -> str:
    """"PNG 640×480, 21.3 KB" (with its label), as a terminal says what an image is."""
    kind, width, height, size = image_facts(src)
    dims = f" {width}×{height}" if width and height else ""
    return f"{(label + ': ') if label else ''}{kind.upper()}{dims}, {format_size(size)}"


def image_pixels(src: str, max_width: int, max_height: int) -> list[list[tuple]] | None:
    """An image data URI's pixels scaled to fit (rows of (r, g, b)), or None when it cannot
    be read (not a PNG this reader knows, or damaged)."""
    _head, _, payload = str(src).partition(",")
    try:
        raw = base64.b64decode(payload.strip(), validate=False)
        width, height, rows = png.decode(raw)
    except (ValueError, binascii.Error, zlib.error, IndexError, struct.error):
        return None
    return png.downscale(width, height, rows, max_width, max_height)
