"""The dense DAG (one line per step), its choice over boxes, and the Flow pane around it.

Golden files as in ``test_tui_dag_layout``; the app tests drive the real app with the Pilot.
"""
from __future__ import annotations

import pytest

from test_tui_dag_layout import FLOWS, SAMPLES, check_golden, graph_of, mixed_states
from tui_helpers import IdleEngine, settle, wait_for
from workbench.flow.graph import parse_graph
from workbench.tui.dag_dense import layout_dense
from workbench.tui.dag_layout import StepState, layout_dag

PIPELINE = SAMPLES / "pipeline_flow.py"


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_golden_dense(name, tmp_path):
    graph = graph_of(name, tmp_path)
    layout = layout_dense(graph, mixed_states(graph))
    check_golden(f"dense_{name}", layout.text())
    assert layout.dense and layout.height == len(graph.nodes)
    assert set(layout.boxes) == set(graph.nodes)


def test_golden_dense_pipeline():
    graph = parse_graph(PIPELINE)
    states = {n: StepState("succeeded", tasks=4 if graph.enclosing_foreaches(n) else 1)
              for n in graph.nodes}
    states["train"] = StepState("succeeded", tasks=4, modified=True)
    layout = layout_dense(graph, states)
    check_golden("dense_pipeline", layout.text())
    assert layout.height == 20
    # every parent is drawn above its children: edges only go down
    for step, kids in layout.children.items():
        for kid in kids:
            assert layout.boxes[step].y < layout.boxes[kid].y


def test_dense_hit_testing_and_cursor():
    layout = layout_dense(parse_graph(PIPELINE))
    for name, box in layout.boxes.items():
        assert layout.node_at(box.glyph_x, box.y) == name       # the glyph
        assert layout.node_at(box.x + box.width - 1, box.y) == name  # the end of its name
        assert layout.lines[box.y][box.x:].startswith(name)
    assert layout.move(None, "down") == "start"
    assert layout.move("start", "down") == layout.order[1]
    assert layout.move("end", "down") == "end"
    assert layout.move("by_product", "up") == "by_region"
    assert layout.move("by_product", "left") == "by_product"


def test_box_widths_stay_put_across_states():
    """An edit (the ● marker) or a spin (a task count) never resizes the boxes."""
    graph = parse_graph(SAMPLES / "churn_flow.py")
    plain = layout_dag(graph, {})
    marked = layout_dag(graph, {"train": StepState("succeeded", tasks=12, modified=True),
                                "end": StepState("failed", stale=True)})
    assert {n: (b.x, b.width) for n, b in plain.boxes.items()} == \
        {n: (b.x, b.width) for n, b in marked.boxes.items()}
    assert plain.width == marked.width


def make_app(workdir, flow="pipeline_flow.py"):
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(workdir / flow, store=workdir / "store", engine_factory=IdleEngine,
                       poll_interval=60)
    app.animation_level = "none"
    return app


@pytest.fixture
def pipeline_dir(workdir):
    import shutil

    shutil.copy(PIPELINE, workdir / "pipeline_flow.py")
    return workdir


async def test_twenty_steps_fit_the_flow_pane_at_120x36(pipeline_dir):
    from workbench.tui.widgets.dag import DagView

    app = make_app(pipeline_dir)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        dag = app.main.query_one(DagView)
        assert dag.layout_ is not None and dag.layout_.dense
        assert dag.offscreen() == (0, 0)
        assert dag.scrollable_content_region.height >= 20
        # the bottom panel keeps its rows
        assert app.main.query_one("#tabs").size.height >= 9
        # the churn flow still gets boxes
    app = make_app(pipeline_dir, "churn_flow.py")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert not app.main.query_one(DagView).layout_.dense


async def test_small_terminal_scrolls_with_the_cursor_and_says_where(pipeline_dir):
    from workbench.tui.widgets.dag import DagView

    app = make_app(pipeline_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dag = app.main.query_one(DagView)
        pane = app.main.query_one("#flow-pane")
        assert dag.layout_.dense
        above, below = dag.offscreen()
        assert above == 0 and below > 0
        assert f"▼{below}" in str(pane.border_subtitle)
        for _ in range(19):
            await pilot.press("j")
        await settle(pilot)
        assert app.selected_step == "end"
        box = dag.layout_.boxes["end"]
        top = int(dag.scroll_offset.y)
        assert top <= box.y < top + dag.scrollable_content_region.height  # in view
        await wait_for(pilot, lambda: "▲" in str(pane.border_subtitle), what="the ▲ count")
        assert "▼" not in str(pane.border_subtitle)
        # click a step's name: it is selected
        await pilot.press("k")
        await settle(pilot)
        assert app.selected_step == "publish"
