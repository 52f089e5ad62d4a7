"""Runs, tasks, spins and diffs display themselves in a notebook: HTML for Jupyter (parsed
here, not grepped) and rich renderables for a terminal IPython. A flow's text reaches the page
as text: markup and escape sequences in names, values and exceptions are escaped."""
from __future__ import annotations

from html.parser import HTMLParser

from rich.console import Console

import workbench
from workbench.client import Run
from workbench.engine.api import run_flow

FLOW = '''
from metaflow import FlowSpec, step


class Shown(FlowSpec):
    @step
    def start(self):
        self.label = "<script>alert(1)</script>\\x1b[31m red"
        self.scores = [1, 2, 3]
        self.next(self.train)

    @step
    def train(self):
        self.total = sum(self.scores) * FACTOR
        self.values = [x * FACTOR for x in self.scores]
        self.next(self.end)

    @step
    def end(self):
        pass


FACTOR = 1

if __name__ == "__main__":
    Shown()
'''


class _Page(HTMLParser):
    """The tags and the text of an HTML fragment, as a browser would read them."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _render(renderable) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_a_run_and_a_task_display_as_tables(tmp_path):
    flow = tmp_path / "shown_flow.py"
    flow.write_text(FLOW)
    record = run_flow(flow, {}, store=tmp_path / "store")
    run = Run(record.pathspec, store=tmp_path / "store")
    page = _Page(run._repr_html_())
    assert "script" not in page.tags  # the flow's text never becomes markup
    assert [r[0] for r in page.rows[1:]] == ["start", "train", "end"]
    assert all("succeeded" in r[2] for r in page.rows[1:])
    task = run["start"].task
    page = _Page(task._repr_html_())
    assert "script" not in page.tags
    label = next(r for r in page.rows if r and r[0] == "label")
    assert "<script>alert(1)</script>" in label[3]  # shown as text
    assert "\x1b" not in "".join(page.text)  # the escape sequence is shown as \x1b
    text = _render(task)
    assert "label" in text and "scores" in text and "\x1b" not in text
    assert "start" in _render(run) and "train" in _render(run)


def test_a_spin_displays_its_diff_with_collapsible_details(tmp_path):
    flow = tmp_path / "shown_flow.py"
    flow.write_text(FLOW)
    store = tmp_path / "store"
    run_flow(flow, {}, store=store)
    flow.write_text(FLOW.replace("FACTOR = 1", "FACTOR = 10"))
    result = workbench.spin(flow, "train", store=store)
    page = _Page(result._repr_html_())
    assert "details" in page.tags and "summary" in page.tags  # the detail, collapsible
    assert "pre" in page.tags
    text = "".join(page.text)
    assert "values" in text
    assert "total" in text and "changed" in text
    assert "6" in text and "60" in text
    assert ["total", "changed", "int", "6", "60"] in page.rows  # the typed diff is a table
    assert page.rows[0] == ["artifact", "change", "type", "before", "after"]
    assert result.run.pathspec in text
    diff = result.diffs[0]
    assert "total" in "".join(_Page(diff._repr_html_()).text)
    rendered = _render(result)
    assert "total" in rendered and "changed" in rendered


def test_a_comparison_displays_parameters_steps_and_changes(tmp_path):
    flow = tmp_path / "shown_flow.py"
    flow.write_text(FLOW.replace("class Shown(FlowSpec):", "class Shown(FlowSpec):\n"
                                 "    k = Parameter('k', default=1)\n").replace(
        "from metaflow import FlowSpec, step", "from metaflow import FlowSpec, Parameter, step")
        .replace("sum(self.scores) * FACTOR", "sum(self.scores) * FACTOR * self.k"))
    store = tmp_path / "store"
    run_flow(flow, {"k": "1"}, store=store)
    run_flow(flow, {"k": "5"}, store=store)
    cmp = workbench.compare_runs(flow, 1, 2, store=store)
    page = _Page(cmp._repr_html_())
    assert "script" not in page.tags
    assert ["k", "1", "5"] in page.rows
    steps = [r[0] for r in page.rows if r and r[0] in ("start", "train", "end")]
    assert steps == ["start", "train", "end"]
    text = "".join(page.text)
    assert "total" in text and "changed" in text and "30" in text
    shown = _render(cmp)
    assert "train" in shown and "total" in shown


FRAME_FLOW = '''
from metaflow import FlowSpec, step


class FrameShown(FlowSpec):
    @step
    def start(self):
        import pandas as pd
        self.frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "name": list("abcd")})
        self.next(self.scale)

    @step
    def scale(self):
        self.scaled = self.frame.assign(x=self.frame.x * FACTOR)
        self.next(self.end)

    @step
    def end(self):
        pass


FACTOR = 1
'''


def test_a_dataframe_change_displays_as_small_tables(tmp_path):
    flow = tmp_path / "frame_flow.py"
    flow.write_text(FRAME_FLOW)
    store = tmp_path / "store"
    run_flow(flow, {}, store=store)
    flow.write_text(FRAME_FLOW.replace("FACTOR = 1", "FACTOR = 3"))
    result = workbench.spin(flow, "scale", store=store)
    page = _Page(result._repr_html_())
    assert "pre" not in page.tags  # the frame's change is tables, not preformatted text
    text = "".join(page.text)
    assert "DataFrame 4x2 -> 4x2" in text and "4 cells changed in 4 rows" in text
    stats = [r for r in page.rows if r[:2] in (["x", "before"], ["x", "after"])]
    assert len(stats) == 2 and stats[0][2:] != stats[1][2:]  # per-column stats, both sides
    header = next(r for r in page.rows if r and r[0] == "row")
    assert header == ["row", "column", "before", "after"]
    examples = page.rows[page.rows.index(header) + 1:]
    assert examples[0] == ["0", "x", "1", "3"] and ["3", "x", "4", "12"] in examples
