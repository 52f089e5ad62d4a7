"""The flow DAG as lines of text: a pure function of the graph and per-step states.

Layered ("Sugiyama") drawing, top to bottom:

1. layers by longest path from ``start`` (self-loops ignored);
2. edges spanning several layers get one-column pass-through points in between;
3. order within a layer by the mean position of the parents, then the order of
   ``self.next(...)`` targets, then declaration order: deterministic;
4. columns by isotonic regression (pool adjacent violators): each node as close as
   possible to the mean of its neighbours, never overlapping; down, up, down passes;
5. edges between two layers are grouped into nets (edges sharing a parent or a child);
   each net with a horizontal run gets a routing row of its own when runs overlap;
   every cell records which directions lines leave it by, and the box-drawing character
   is chosen from that set, so junctions join (``┬ ┴ ├ ┤ ┼``).

Imports nothing of textual: the widget paints ``DagLayout.lines`` and colours the boxes
it finds in ``DagLayout.boxes``; tests compare the text with golden files.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

__all__ = [
    "Box", "DagLayout", "StepState", "GLYPHS", "MARKERS", "layout_dag", "legend_of",
    "render_text",
]

# One-cell glyphs, so that widths are exact.
GLYPHS = {
    "succeeded": "✔",
    "failed": "✘",
    "running": "▶",
    "pending": "…",
    "cancelled": "■",
    "crashed": "☠",
    "cloned": "≡",
    "reused": "↺",
    "not_run": "·",
}
MARKERS = {"modified": "●", "stale": "◌"}
LOOP_BADGE = "↻"

_U, _D, _L, _R = 1, 2, 4, 8
_CHARS = {
    _U: "│", _D: "│", _U | _D: "│",
    _L: "─", _R: "─", _L | _R: "─",
    _D | _R: "╭", _D | _L: "╮", _U | _R: "╰", _U | _L: "╯",
    _U | _D | _R: "├", _U | _D | _L: "┤",
    _L | _R | _D: "┬", _L | _R | _U: "┴",
    _U | _D | _L | _R: "┼",
}
BOX_HEIGHT = 3
GAP = 3          # columns between neighbours in a layer (odd widths + 3: centres an even distance apart)
MIN_INNER = 5    # narrowest box interior


@dataclass(frozen=True)
class StepState:
    """What the DAG shows of a step in the selected run.

    ``status``: succeeded, failed, running, pending, cancelled, crashed, cloned or
    not_run. ``tasks``: how many tasks ran (the ``×N`` badge of foreach bodies).
    """

    status: str = "not_run"
    tasks: int | None = None
    modified: bool = False
    stale: bool = False


@dataclass(frozen=True)
class Box:
    """Where a step's box is drawn: columns ``x .. x+width-1``, rows ``y .. y+2``."""

    name: str
    x: int
    y: int
    width: int
    layer: int
    label: str
    height: int = BOX_HEIGHT
    glyph_x: int | None = None  # dense drawing: the status glyph's column, left of the label

    @property
    def center(self) -> int:
        """The column edges attach to."""
        return self.x + (self.width - 1) // 2

    def contains(self, x: int, y: int) -> bool:
        if self.glyph_x is not None and y == self.y and x >= self.glyph_x:
            return x < self.x + self.width
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


@dataclass
class DagLayout:
    """The drawing: ``lines`` (all the same width), the boxes by step name, and the
    steps in reading order (by layer, then left to right)."""

    lines: list[str]
    boxes: dict[str, Box]
    order: list[str]
    layers: list[list[str]] = field(default_factory=list)
    parents: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)
    dense: bool = False  # one line per step (``dag_dense``)

    @property
    def width(self) -> int:
        return max((len(line) for line in self.lines), default=0)

    @property
    def height(self) -> int:
        return len(self.lines)

    def text(self) -> str:
        """The lines joined, trailing spaces removed (the golden-test form)."""
        return "\n".join(line.rstrip() for line in self.lines)

    def node_at(self, x: int, y: int) -> str | None:
        """The step whose box covers cell (x, y), if any."""
        for box in self.boxes.values():
            if box.contains(x, y):
                return box.name
        return None

    def move(self, name: str | None, direction: str) -> str | None:
        """The step the cursor lands on from ``name`` going up/down/left/right.

        Down and up follow edges (the child or parent nearest in column), falling back to
        the nearest step in the next layer; left and right stay in the layer. ``None`` as
        ``name`` selects ``start`` (or the first step).
        """
        if not self.order:
            return None
        if name not in self.boxes:
            return "start" if "start" in self.boxes else self.order[0]
        box = self.boxes[name]
        if self.dense:  # a list: up and down go by line, left and right stay
            i = self.order.index(name) + {"down": 1, "up": -1}.get(direction, 0)
            return self.order[min(max(i, 0), len(self.order) - 1)]
        if direction in ("left", "right"):
            row = self.layers[box.layer]
            i = row.index(name) + (1 if direction == "right" else -1)
            return row[i] if 0 <= i < len(row) else name
        step = 1 if direction == "down" else -1
        linked = (self.children if step > 0 else self.parents).get(name, [])
        candidates = [n for n in linked if n in self.boxes and n != name]
        if not candidates:
            layer = box.layer + step
            while 0 <= layer < len(self.layers) and not candidates:
                candidates = self.layers[layer]
                layer += step
        if not candidates:
            return name
        return min(candidates, key=lambda n: (abs(self.boxes[n].center - box.center),
                                              self.order.index(n)))


def _label(name: str, node: Any, state: StepState, in_foreach: bool) -> str:
    parts = [GLYPHS.get(state.status, "?"), name]
    if in_foreach:
        parts.append(f"×{state.tasks}" if state.tasks is not None else "×?")
    if node is not None and name in (node.out_funcs or []):
        parts.append(LOOP_BADGE)
    if state.modified:
        parts.append(MARKERS["modified"])
    elif state.stale:
        parts.append(MARKERS["stale"])
    return " ".join(parts)


def width_basis(graph: Any, states: Mapping[str, StepState]) -> dict[str, str]:
    """Labels as wide as each step's label can get (a marker, a two-digit task count), so
    that boxes keep their widths when a step is edited or spun."""
    nodes = dict(graph.nodes)
    out = {}
    for n, node in nodes.items():
        tasks = (states.get(n) or StepState()).tasks or 0
        out[n] = _label(n, node, StepState(tasks=max(tasks, 99), modified=True),
                        _in_foreach(graph, n))
    return out


def _isotonic(values: list[float]) -> list[float]:
    """Least-squares non-decreasing fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [sum, count]
    for v in values:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    out: list[float] = []
    for s, c in blocks:
        out.extend([s / c] * int(c))
    return out


def _place(row: list, widths: dict, desired: dict, gap: int) -> dict:
    """Left columns for ``row`` (in order), each near ``desired``, gaps respected."""
    offsets, acc = [], 0
    for key in row:
        offsets.append(acc)
        acc += widths[key] + gap
    fitted = _isotonic([desired[k] - o for k, o in zip(row, offsets)])
    return {k: math.floor(f + 0.5) + o for k, f, o in zip(row, fitted, offsets)}


def layout_dag(graph: Any, states: Mapping[str, StepState] | None = None, *,
               max_width: int | None = None, compact: bool = False) -> DagLayout:
    """Lay out ``graph`` (a ``FlowGraph``) with each step drawn by its ``states`` entry.

    ``max_width``: when boxes of one common width would be wider than this, each box
    takes its own width, and names are cut with ``…`` if that is still too wide.
    ``compact``: boxes joined by straight edges only touch (no row between them).
    """
    states = states or {}
    nodes: dict[str, Any] = dict(graph.nodes)
    names = list(nodes)
    decl = {n: i for i, n in enumerate(names)}
    if not names:
        return DagLayout([], {}, [])

    order = [n.name for n in graph.sorted_nodes()] if hasattr(graph, "sorted_nodes") else names
    pos_in_topo = {n: i for i, n in enumerate(order)}
    succ: dict[str, list[str]] = {
        n: [m for m in dict.fromkeys(nodes[n].out_funcs) if m in nodes and m != n
            and pos_in_topo[m] > pos_in_topo[n]]
        for n in names}
    pred: dict[str, list[str]] = {n: [] for n in names}
    for n in order:
        for m in succ[n]:
            pred[m].append(n)

    # 1. layers by longest path
    layer: dict[str, int] = {}
    for n in order:
        layer[n] = max((layer[p] + 1 for p in pred[n]), default=0)
    n_layers = max(layer.values()) + 1

    # 2. pass-through points for long edges
    Key = Any
    keys_in: list[list[Key]] = [[] for _ in range(n_layers)]
    up: dict[Key, list[Key]] = {}
    down: dict[Key, list[Key]] = {}
    rank: dict[Key, tuple] = {}  # (out-index in parent, declaration) tie-breakers
    for n in order:
        keys_in[layer[n]].append(n)
        up.setdefault(n, [])
        down.setdefault(n, [])
    for n in order:
        for i, m in enumerate(succ[n]):
            prev: Key = n
            for lay in range(layer[n] + 1, layer[m]):
                dummy = ("|", n, m, lay)
                keys_in[lay].append(dummy)
                up[dummy] = [prev]
                down[dummy] = []
                down[prev].append(dummy)
                rank[dummy] = (i, decl[m])
                prev = dummy
            down[prev].append(m)
            up[m].append(prev)
    for n in names:
        parents = pred[n]
        out_index = min((succ[p].index(n) for p in parents), default=0)
        rank[n] = (out_index, decl[n])

    # 3. order within layers
    position: dict[Key, int] = {}
    for lay, row in enumerate(keys_in):
        def key(k: Key) -> tuple:
            ps = up[k]
            bary = sum(position[p] for p in ps) / len(ps) if ps else 0.0
            return (bary, rank[k])
        row.sort(key=key)
        for i, k in enumerate(row):
            position[k] = i

    # labels and widths
    inside = {n: _in_foreach(graph, n) for n in names}
    labels = {n: _label(n, nodes[n], states.get(n, StepState()), inside[n]) for n in names}
    widths, gap = _widths(width_basis(graph, states), keys_in, max_width)
    for n in names:
        inner = widths[n] - 4
        if len(labels[n]) > inner:
            labels[n] = _cut_label(labels[n], n, inner)

    # 4. columns
    x: dict[Key, int] = {}
    for row in keys_in:
        acc = 0
        for k in row:
            x[k] = acc
            acc += widths[k] + gap

    def center(k: Key) -> float:
        return x[k] + (widths[k] - 1) // 2

    def sweep(layers: Iterable[int], neighbours: dict) -> None:
        for lay in layers:
            row = keys_in[lay]
            desired = {}
            for k in row:
                links = neighbours[k]
                if links:
                    c = sum(center(o) for o in links) / len(links)
                    desired[k] = c - (widths[k] - 1) // 2
                else:
                    desired[k] = float(x[k])
            x.update(_place(row, widths, desired, gap))

    for _ in range(2):
        sweep(range(1, n_layers), up)
        sweep(range(n_layers - 2, -1, -1), down)
    sweep(range(1, n_layers), up)
    shift = min(x.values())
    for k in x:
        x[k] -= shift
    total_width = max(x[k] + widths[k] for k in x)

    # 5. routing rows between layers
    tracks_between: list[list[tuple[list[int], list[int], int]]] = []
    gaps: list[int] = []
    for lay in range(n_layers - 1):
        nets = _nets([(k, c) for k in keys_in[lay] for c in down[k]])
        drawn = []
        spans = []
        for parents, kids in nets:
            pxs = sorted({int(center(p)) for p in parents})
            cxs = sorted({int(center(c)) for c in kids})
            lo, hi = min(pxs + cxs), max(pxs + cxs)
            spans.append((lo, hi, pxs, cxs))
        ends: list[int] = []  # per track, the last column used
        for lo, hi, pxs, cxs in sorted(spans, key=lambda s: (s[0], s[1])):
            if lo == hi:
                drawn.append((pxs, cxs, -1))
                continue
            for t, end in enumerate(ends):
                if end < lo:
                    ends[t] = hi
                    break
            else:
                ends.append(hi)
                t = len(ends) - 1
            drawn.append((pxs, cxs, t))
        tracks_between.append(drawn)
        gaps.append(len(ends) if compact and not ends else max(1, len(ends)))

    ys = [0]
    for lay in range(n_layers - 1):
        ys.append(ys[-1] + BOX_HEIGHT + gaps[lay])
    height = ys[-1] + BOX_HEIGHT

    dirs = [[0] * total_width for _ in range(height)]
    text: list[list[str | None]] = [[None] * total_width for _ in range(height)]

    def add(row: int, col: int, bits: int) -> None:
        dirs[row][col] |= bits

    boxes: dict[str, Box] = {}
    for lay, row in enumerate(keys_in):
        top = ys[lay]
        for k in row:
            if isinstance(k, tuple):  # pass-through
                for r in range(top, top + BOX_HEIGHT):
                    add(r, int(center(k)), _U | _D)
                continue
            box = Box(k, x[k], top, widths[k], lay, labels[k])
            boxes[k] = box
            _draw_box(text, box, has_in=bool(up[k]), has_out=bool(down[k]))
        if lay < n_layers - 1:
            first, last = top + BOX_HEIGHT, top + BOX_HEIGHT + gaps[lay] - 1
            for pxs, cxs, t in tracks_between[lay]:
                if t < 0:
                    for r in range(first, last + 1):
                        add(r, pxs[0], _U | _D)
                    continue
                track = first + t
                for px in pxs:
                    for r in range(first, track):
                        add(r, px, _U | _D)
                    add(track, px, _U)
                for cx in cxs:
                    add(track, cx, _D)
                    for r in range(track + 1, last + 1):
                        add(r, cx, _U | _D)
                lo, hi = min(pxs + cxs), max(pxs + cxs)
                for col in range(lo, hi + 1):
                    add(track, col, (_R if col < hi else 0) | (_L if col > lo else 0))

    lines = []
    for r in range(height):
        chars = []
        for c in range(total_width):
            ch = text[r][c]
            if ch is None:
                ch = _CHARS.get(dirs[r][c], " ")
            chars.append(ch)
        lines.append("".join(chars))

    reading = sorted(boxes, key=lambda n: (boxes[n].layer, boxes[n].x))
    layers = [[n for n in reading if boxes[n].layer == lay] for lay in range(n_layers)]
    return DagLayout(lines=lines, boxes=boxes, order=reading, layers=layers,
                     parents={n: list(pred[n]) for n in names},
                     children={n: list(succ[n]) for n in names},
                     legend=legend_of(states, nodes))


def legend_of(states: Mapping[str, StepState], nodes: Mapping[str, Any]
              ) -> list[tuple[str, str]]:
    """The markers the drawing uses and what they mean."""
    legend = []
    if any(s.status == "reused" for n, s in states.items() if n in nodes):
        legend.append((GLYPHS["reused"], "reused"))
    if any(s.modified for n, s in states.items() if n in nodes):
        legend.append((MARKERS["modified"], "modified"))
    if any(s.stale and not s.modified for n, s in states.items() if n in nodes):
        legend.append((MARKERS["stale"], "stale"))
    return legend


def render_text(graph: Any, states: Mapping[str, StepState] | None = None, *,
                max_width: int | None = None, compact: bool = False) -> str:
    """``layout_dag(...).text()``: the drawing as one string."""
    return layout_dag(graph, states, max_width=max_width, compact=compact).text()


# ----------------------------------------------------------------------------- helpers


def _in_foreach(graph: Any, name: str) -> bool:
    fn = getattr(graph, "enclosing_foreaches", None)
    if fn is None:
        return False
    try:
        return bool(fn(name))
    except Exception:
        return False


def _widths(labels: dict[str, str], keys_in: list[list], max_width: int | None
            ) -> tuple[dict, int]:
    """Box widths and the gap between neighbours.

    One common width if the widest layer fits ``max_width``; else each box its own width;
    then a narrower gap; then the widest boxes of the layers still too wide shrink (their
    names get cut).
    """
    def row_width(w: dict, gap: int, row: list) -> int:
        return sum(w[k] for k in row) + gap * (len(row) - 1)

    def fits(w: dict, gap: int) -> bool:
        return max_width is None or all(row_width(w, gap, r) <= max_width for r in keys_in)

    common = _odd(max(MIN_INNER, max(len(v) for v in labels.values())) + 4)
    widths = {k: 1 if isinstance(k, tuple) else common for row in keys_in for k in row}
    if fits(widths, GAP):
        return widths, GAP
    for k in widths:
        if not isinstance(k, tuple):
            widths[k] = _odd(max(MIN_INNER, len(labels[k])) + 4)
    for gap in (GAP, 1):
        if fits(widths, gap):
            return widths, gap
    gap = 1
    for row in keys_in:
        while row_width(widths, gap, row) > max_width:  # type: ignore[operator]
            boxes = [k for k in row if not isinstance(k, tuple) and widths[k] > MIN_INNER + 4]
            if not boxes:
                break
            widest = max(boxes, key=lambda k: (widths[k], -row.index(k)))
            widths[widest] -= 1
    return widths, gap


def _odd(width: int) -> int:
    """Boxes an odd number of columns wide have a middle column for their edges."""
    return width if width % 2 else width + 1


def _cut_label(label: str, name: str, inner: int) -> str:
    """Shorten the step name inside ``label`` so that the label fits ``inner`` cells."""
    glyph, _, rest = label.partition(" ")
    tail = rest[len(name):]
    room = inner - len(glyph) - 1 - len(tail)
    if room >= 2:
        return f"{glyph} {name[:room - 1]}…{tail}"
    return label[:max(1, inner - 1)] + "…"


def _draw_box(text: list[list[str | None]], box: Box, *, has_in: bool, has_out: bool) -> None:
    x, y, w = box.x, box.y, box.width
    inner = w - 2
    top = ["─"] * inner
    bottom = ["─"] * inner
    port = box.center - x - 1
    if has_in:
        top[port] = "┴"
    if has_out:
        bottom[port] = "┬"
    rows = [
        "╭" + "".join(top) + "╮",
        "│ " + box.label.ljust(inner - 2) + " │",
        "╰" + "".join(bottom) + "╯",
    ]
    for dy, row in enumerate(rows):
        for dx, ch in enumerate(row[:w]):
            text[y + dy][x + dx] = ch


def _nets(edges: list[tuple]) -> list[tuple[list, list]]:
    """Group (parent, child) edges into nets: connected through a shared end."""
    parent_of: dict = {}

    def find(a):
        while parent_of.setdefault(a, a) != a:
            parent_of[a] = parent_of[parent_of[a]]
            a = parent_of[a]
        return a

    for p, c in edges:
        ra, rb = find(("p", p)), find(("c", c))
        if ra != rb:
            parent_of[rb] = ra
    groups: dict = {}
    for p, c in edges:
        root = find(("p", p))
        ps, cs = groups.setdefault(root, ([], []))
        if p not in ps:
            ps.append(p)
        if c not in cs:
            cs.append(c)
    return list(groups.values())
