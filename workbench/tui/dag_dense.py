"""The flow DAG one line per step, edges drawn in lanes as ``git log --graph`` does.

The boxed drawing (``dag_layout``) reads best but needs four rows a layer; when it does not
fit the Flow pane, this one does: a 20-step flow takes 20 rows.

Steps come in depth-first topological order (a branch is drawn whole before its sibling).
Each lane is a column that carries one edge down to the step it ends at. On a step's row:
lanes that end at it turn into it (``╯``), its lane continues to its first child, and each
further child starts a lane of its own (``╮``); every cell keeps the set of directions lines
leave it by and the box-drawing character comes from that set, as in ``dag_layout``.

    ✔ start
    ✔─╮ split
    │ ✔ a
    ✔ │ b
    ✔─╯ join

A pure function of the graph and the step states; imports nothing of textual.
"""
from __future__ import annotations

from typing import Any, Mapping

from .dag_layout import (_CHARS, _D, _L, _R, _U, GLYPHS, Box, DagLayout, StepState,
                         _in_foreach, _label, legend_of)

LANE = 2  # columns per lane: the line and a space
DENSE_GLYPHS = {"not_run": "○"}  # a lone "·" on a line is too faint to be a step


def dense_order(graph: Any) -> tuple[list[str], dict[str, list[str]]]:
    """Topological order, depth first (after a step, its newly ready children come next,
    first child first, so that each branch reads as one run of lines), and the children
    of each step that are drawn (an edge back up a recursive switch is not)."""
    nodes = dict(graph.nodes)
    order_hint = {n: i for i, n in enumerate(nodes)}
    children = {n: [m for m in dict.fromkeys(nodes[n].out_funcs) if m in nodes and m != n]
                for n in nodes}
    # edges that close a cycle (a recursive switch back to an ancestor) are not drawn
    topo = [n.name for n in graph.sorted_nodes()] if hasattr(graph, "sorted_nodes") \
        else list(nodes)
    rank = {n: i for i, n in enumerate(topo)}
    children = {n: [m for m in cs if rank.get(m, 0) > rank.get(n, 0)]
                for n, cs in children.items()}
    waiting = {n: 0 for n in nodes}
    for n, cs in children.items():
        for m in cs:
            waiting[m] += 1
    roots = sorted((n for n in nodes if waiting[n] == 0),
                   key=lambda n: (n != "start", order_hint[n]))
    stack = list(reversed(roots))
    out: list[str] = []
    while stack:
        n = stack.pop()
        out.append(n)
        for m in reversed(children[n]):
            waiting[m] -= 1
            if waiting[m] == 0:
                stack.append(m)
    out += [n for n in topo if n not in out]  # unreachable leftovers, declaration order
    return out, children


def layout_dense(graph: Any, states: Mapping[str, StepState] | None = None) -> DagLayout:
    """Lay out ``graph`` one step per line (see the module docstring)."""
    states = states or {}
    nodes: dict[str, Any] = dict(graph.nodes)
    if not nodes:
        return DagLayout([], {}, [], dense=True)
    order, children = dense_order(graph)
    parents: dict[str, list[str]] = {n: [] for n in nodes}
    for n in order:
        for m in children[n]:
            parents[m].append(n)

    lanes: list[str | None] = []  # lane -> the step its edge ends at
    rows: list[dict[int, int]] = []  # per row: lane -> direction bits
    node_lane: dict[str, int] = {}

    def free_lane(avoid: set[int]) -> int:
        for i, target in enumerate(lanes):
            if target is None and i not in avoid:
                return i
        lanes.append(None)
        return len(lanes) - 1

    for n in order:
        bits: dict[int, int] = {}
        mine = [i for i, t in enumerate(lanes) if t == n]
        lane = mine[0] if mine else free_lane(set())
        node_lane[n] = lane
        for i, target in enumerate(lanes):  # lanes passing by
            if target is not None and target != n:
                bits[i] = _U | _D
        merging = mine[1:]
        for i in merging:
            lanes[i] = None
        kids = children[n]
        lanes[lane] = kids[0] if kids else None
        forks = []
        for kid in kids[1:]:
            j = free_lane({lane})
            lanes[j] = kid
            forks.append(j)
        for j in merging + forks:
            lo, hi = sorted((lane, j))
            for col in range(lo + 1, hi):
                bits[col] = bits.get(col, 0) | _L | _R
            side = _L if j > lane else _R
            bits[j] = bits.get(j, 0) | side | (_U if j in merging else 0) | \
                (_D if j in forks else 0)
        rows.append(bits)
        while lanes and lanes[-1] is None:
            lanes.pop()

    width_lanes = max((max(b, default=-1) for b in rows), default=-1) + 1
    width_lanes = max(width_lanes, max(node_lane.values()) + 1)
    label_x = width_lanes * LANE
    inside = {n: _in_foreach(graph, n) for n in nodes}
    lines: list[str] = []
    boxes: dict[str, Box] = {}
    for y, (n, bits) in enumerate(zip(order, rows)):
        cells = [" "] * label_x
        for lane_i, b in bits.items():
            col = lane_i * LANE
            cells[col] = _CHARS.get(b, " ")
            if b & _R and col + 1 < label_x:
                cells[col + 1] = "─"
        lane = node_lane[n]
        state = states.get(n, StepState())
        cells[lane * LANE] = DENSE_GLYPHS.get(state.status) or GLYPHS.get(state.status, "?")
        if any(j > lane for j, b in bits.items() if b & (_L)) and lane * LANE + 1 < label_x:
            cells[lane * LANE + 1] = "─"
        # the glyph sits in the step's lane; the label is its name and badges
        label = _label(n, nodes[n], state, inside[n]).split(" ", 1)[1]
        boxes[n] = Box(n, label_x, y, len(label), y, label, height=1, glyph_x=lane * LANE)
        lines.append("".join(cells) + label)
    width = max(len(line) for line in lines)
    lines = [line.ljust(width) for line in lines]
    return DagLayout(lines=lines, boxes=boxes, order=list(order),
                     layers=[[n] for n in order],
                     parents={n: list(parents[n]) for n in nodes},
                     children={n: list(children[n]) for n in nodes},
                     legend=legend_of(states, nodes), dense=True)
