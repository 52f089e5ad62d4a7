"""Golden-text tests of the DAG layout (a pure function; no textual involved).

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 python -m pytest tests/tui/test_tui_dag_layout.py`` and review the diff.
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from workbench.flow.graph import parse_graph
from workbench.tui.dag_layout import StepState, layout_dag

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = Path(__file__).resolve().parents[2] / "sample_flows"

FLOWS = {
    "linear": """
        class LinearFlow(FlowSpec):
            @step
            def start(self):
                self.next(self.middle)
            @step
            def middle(self):
                self.next(self.end)
            @step
            def end(self):
                pass
    """,
    "branch": """
        class BranchFlow(FlowSpec):
            @step
            def start(self):
                self.next(self.a, self.b, self.c)
            @step
            def a(self):
                self.next(self.a2)
            @step
            def a2(self):
                self.next(self.join)
            @step
            def b(self):
                self.next(self.join)
            @step
            def c(self):
                self.next(self.join)
            @step
            def join(self, inputs):
                self.next(self.end)
            @step
            def end(self):
                pass
    """,
    "foreach": """
        class ForeachFlow(FlowSpec):
            @step
            def start(self):
                self.items = [1, 2, 3]
                self.next(self.body, foreach="items")
            @step
            def body(self):
                self.next(self.join)
            @step
            def join(self, inputs):
                self.next(self.end)
            @step
            def end(self):
                pass
    """,
    "nested_foreach": """
        class NestedFlow(FlowSpec):
            @step
            def start(self):
                self.xs = [1, 2]
                self.next(self.outer, foreach="xs")
            @step
            def outer(self):
                self.ys = [1, 2, 3]
                self.next(self.inner, foreach="ys")
            @step
            def inner(self):
                self.next(self.inner_join)
            @step
            def inner_join(self, inputs):
                self.next(self.outer_join)
            @step
            def outer_join(self, inputs):
                self.next(self.end)
            @step
            def end(self):
                pass
    """,
    "switch": """
        class SwitchFlow(FlowSpec):
            @step
            def start(self):
                self.route = "high"
                self.next({"high": self.high, "low": self.low}, condition="route")
            @step
            def high(self):
                self.next(self.retry)
            @step
            def low(self):
                self.next(self.retry)
            @step
            def retry(self):
                self.again = False
                self.next({"again": self.retry, "done": self.end}, condition="again")
            @step
            def end(self):
                pass
    """,
    "nested_split": """
        class NestedSplitFlow(FlowSpec):
            @step
            def start(self):
                self.next(self.left, self.right)
            @step
            def left(self):
                self.next(self.l1, self.l2)
            @step
            def l1(self):
                self.next(self.ljoin)
            @step
            def l2(self):
                self.next(self.ljoin)
            @step
            def ljoin(self, inputs):
                self.next(self.join)
            @step
            def right(self):
                self.next(self.join)
            @step
            def join(self, inputs):
                self.next(self.end)
            @step
            def end(self):
                pass
    """,
}

HEADER = "from workbench import FlowSpec, step\n\n"


def graph_of(name: str, tmp_path: Path):
    source = HEADER + textwrap.dedent(FLOWS[name]).lstrip()
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return parse_graph(path)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8"), f"golden {path.name} differs"


def mixed_states(graph) -> dict[str, StepState]:
    """A run that got halfway: the first third succeeded, one failed, one running..."""
    names = [n.name for n in graph.sorted_nodes()]
    out = {}
    for i, n in enumerate(names):
        status = ["succeeded", "succeeded", "failed", "running", "not_run"][min(i, 4)]
        out[n] = StepState(status, tasks=3 if graph.enclosing_foreaches(n) else 1)
    return out


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_golden_never_run(name, tmp_path):
    graph = graph_of(name, tmp_path)
    layout = layout_dag(graph, {}, max_width=60)
    check_golden(f"{name}", layout.text())
    assert layout.width <= 60


@pytest.mark.parametrize("name", ["branch", "foreach", "switch"])
def test_golden_with_states(name, tmp_path):
    graph = graph_of(name, tmp_path)
    check_golden(f"{name}_states", layout_dag(graph, mixed_states(graph), max_width=60).text())


@pytest.mark.parametrize("sample", ["churn_flow", "report_flow", "broken_flow"])
def test_golden_sample_flows(sample):
    graph = parse_graph(SAMPLES / f"{sample}.py")
    states = {n: StepState("succeeded", tasks=4 if graph.enclosing_foreaches(n) else 1)
              for n in graph.nodes}
    layout = layout_dag(graph, states, max_width=50)
    check_golden(sample, layout.text())
    assert layout.width <= 50


def test_modified_and_stale_markers_with_legend():
    graph = parse_graph(SAMPLES / "churn_flow.py")
    states = {n: StepState("succeeded", tasks=4 if n == "train" else 1) for n in graph.nodes}
    states["train"] = StepState("succeeded", tasks=4, modified=True)
    states["pick_best"] = StepState("succeeded", stale=True)
    states["end"] = StepState("succeeded", stale=True)
    layout = layout_dag(graph, states)
    check_golden("churn_modified", layout.text())
    assert "●" in layout.boxes["train"].label and "◌" in layout.boxes["end"].label
    assert [m for m, _ in layout.legend] == ["●", "◌"]


def test_compact_drops_rows_between_straight_edges():
    graph = parse_graph(SAMPLES / "churn_flow.py")
    full, compact = layout_dag(graph), layout_dag(graph, compact=True)
    assert compact.height == full.height - 4
    check_golden("churn_compact", compact.text())


def test_narrow_width_cuts_names(tmp_path):
    graph = graph_of("branch", tmp_path)
    layout = layout_dag(graph, {}, max_width=30)
    assert layout.width <= 30
    check_golden("branch_narrow", layout.text())


def test_deterministic(tmp_path):
    graph = graph_of("nested_split", tmp_path)
    assert layout_dag(graph).lines == layout_dag(graph).lines


def test_boxes_and_hit_testing(tmp_path):
    graph = graph_of("branch", tmp_path)
    layout = layout_dag(graph)
    assert set(layout.boxes) == set(graph.nodes)
    for name, box in layout.boxes.items():
        assert layout.node_at(box.x, box.y) == name
        assert layout.node_at(box.x + box.width - 1, box.y + 2) == name
        assert name in layout.lines[box.y + 1][box.x:box.x + box.width]
        assert layout.lines[box.y][box.x] == "╭"
    assert layout.node_at(-1, -1) is None
    assert layout.order[0] == "start" and layout.order[-1] == "end"
    # every line is as wide as the drawing
    assert len({len(line) for line in layout.lines}) == 1


def test_branch_order_follows_next_call(tmp_path):
    graph = graph_of("branch", tmp_path)
    layout = layout_dag(graph)
    assert layout.layers[1] == ["a", "b", "c"]
    xs = [layout.boxes[n].x for n in ("a", "b", "c")]
    assert xs == sorted(xs)


def test_cursor_moves(tmp_path):
    graph = graph_of("branch", tmp_path)
    layout = layout_dag(graph)
    assert layout.move(None, "down") == "start"
    assert layout.move("start", "down") == "b"  # the child right below
    assert layout.move("b", "left") == "a"
    assert layout.move("a", "left") == "a"
    assert layout.move("a", "down") == "a2"
    assert layout.move("c", "down") == "join"
    assert layout.move("join", "up") in ("a2", "b", "c")
    assert layout.move("end", "down") == "end"
    assert layout.move("start", "up") == "start"


def test_self_loop_badge_and_junctions(tmp_path):
    graph = graph_of("switch", tmp_path)
    layout = layout_dag(graph)
    assert "↻" in layout.boxes["retry"].label
    text = layout.text()
    assert "┴" in text and "┬" in text and "╭" in text and "╯" in text


def test_no_textual_import():
    import ast
    import workbench.tui.dag_layout as mod
    tree = ast.parse(Path(mod.__file__).read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(n.split(".")[0] in ("textual", "rich") for n in names)
