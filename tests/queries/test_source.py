"""The code a step ran in a run (kept per run, followed through clones) against the file now."""
from __future__ import annotations

import textwrap

import pytest

import workbench
from workbench.flow import parse_graph
from workbench.queries.source import ran_source, source_diff
from workbench.store import Store

from test_status import BRANCHY, _edit


@pytest.fixture
def store(store_dir):
    s = Store(store_dir)
    yield s
    s.close()


def _ran(flow, store, number, step):
    graph = parse_graph(flow)
    run = store.catalog.get_run("Branchy", number)
    return graph, ran_source(store, graph, run, step)


def test_the_code_that_ran_is_kept_and_diffed_against_the_file_now(write_flow, store_dir, store):
    flow = write_flow(BRANCHY)
    workbench.run(flow, store=store_dir)
    _edit(flow, "self.a = self.x + 1", "# now a hundred\n        self.a = self.x + 100")
    graph, ran = _ran(flow, store, 1, "left")
    assert ran is not None and ran.task.startswith("Branchy/1/left/")
    assert "self.a = self.x + 1\n" in ran.text and "@step" in ran.text
    node = graph["left"]
    lines = source_diff(ran, node.source, node.source_line)
    marked = [(line.tag, line.text.strip()) for line in lines if line.tag != " "]
    assert marked == [("-", "self.a = self.x + 1"), ("+", "# now a hundred"),
                      ("+", "self.a = self.x + 100")]
    # every line of the step now is there, numbered as in the file
    text = flow.read_text().splitlines()
    for line in lines:
        if line.tag != "-":
            assert text[line.number - 1].strip() == line.text.strip()
    assert [line.text for line in lines if line.tag != "-"] == node.source.splitlines()
    # the run's text is kept once however many runs read it
    workbench.run(flow, store=store_dir)
    workbench.run(flow, store=store_dir)
    keys = [r.source_key for r in sorted(store.catalog.list_runs("Branchy"), key=lambda r: r.number)]
    assert keys[0] != keys[1] == keys[2]
    assert store.catalog._one("SELECT COUNT(*) FROM sources", ())[0] == 2


def test_clones_and_spins_point_at_the_task_that_executed_the_code(write_flow, store_dir, store):
    flow = write_flow(BRANCHY)
    workbench.run(flow, store=store_dir)                       # 1: left is "+ 1"
    _edit(flow, "self.b = self.x + 2", "self.b = self.x + 3")
    workbench.resume(flow, "right", run=1, store=store_dir)   # 2: left cloned from 1
    _edit(flow, "self.a = self.x + 1", "self.a = self.x + 5")
    _, ran = _ran(flow, store, 2, "left")
    assert ran is not None and ran.task.startswith("Branchy/1/left/")
    assert "self.x + 1" in ran.text
    # a spin of right holds no left task: its left is the origin's, which ran in run 1
    workbench.spin(flow, "right", run=2, store=store_dir)      # 3
    _, ran = _ran(flow, store, 3, "left")
    assert ran is not None and ran.task.startswith("Branchy/1/left/")
    # the spin's own step ran the file as the spin read it
    _edit(flow, "self.b = self.x + 3", "self.b = self.x + 4")
    _, ran = _ran(flow, store, 3, "right")
    assert ran is not None and ran.task.startswith("Branchy/3/right/")
    assert "self.x + 3" in ran.text


def test_a_text_that_is_not_what_ran_is_never_shown(write_flow, store_dir, store):
    flow = write_flow(BRANCHY)
    workbench.run(flow, store=store_dir)
    run = store.catalog.get_run("Branchy", 1)
    # a run from before the text was kept
    with store.catalog._write() as conn:
        conn.execute("UPDATE runs SET source_key = NULL WHERE id = ?", (run.id,))
    graph, ran = _ran(flow, store, 1, "left")
    assert ran is None
    # a kept text whose step differs from the task's recorded hash
    other = textwrap.dedent(BRANCHY.replace("self.x + 1", "self.x + 7"))
    with store.catalog._write() as conn:
        conn.execute("INSERT INTO sources (key, text) VALUES ('k', ?)", (other,))
        conn.execute("UPDATE runs SET source_key = 'k' WHERE id = ?", (run.id,))
    graph, ran = _ran(flow, store, 1, "left")
    assert ran is None
    graph, ran = _ran(flow, store, 1, "right")  # unchanged step: that text is what ran
    assert ran is not None
