"""compare_runs and diff_tasks on real runs in a temporary store."""
from __future__ import annotations

import pytest

import workbench
from workbench.queries.comparison import (ComparisonError, compare_runs, diff_tasks,
                                         resolve_run)
from workbench.store import Store, StoreError

FOREACH = """
    from workbench import FlowSpec, Parameter, step

    class Fan(FlowSpec):
        n = Parameter("n", default=3)
        label = Parameter("label", default="a")

        @step
        def start(self):
            self.items = list(range(self.n))
            self.note = "first line\\nsecond line"
            self.next(self.work, foreach="items")

        @step
        def work(self):
            self.sq = self.input * self.input
            self.next(self.join)

        @step
        def join(self, inputs):
            self.total = sum(i.sq for i in inputs)
            self.next(self.end)

        @step
        def end(self):
            self.summary = {"total": self.total, "n": self.n}
"""

OTHER = """
    from workbench import FlowSpec, step

    class Other(FlowSpec):
        @step
        def start(self):
            self.x = 1
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture
def store(store_dir):
    s = Store(store_dir)
    yield s
    s.close()


def test_compare_parameters_steps_and_foreach_splits(write_flow, store_dir, store):
    flow = write_flow(FOREACH)
    assert workbench.run(flow, store=store_dir).successful
    assert workbench.run(flow, {"n": "4"}, store=store_dir).successful
    comp = compare_runs(store, "Fan", 1, 2)
    assert [(p.name, p.change, p.before, p.after) for p in comp.parameters] == [
        ("n", "changed", 3, 4)]
    steps = {s.step: s for s in comp.steps}
    assert [s.step for s in comp.steps] == ["start", "work", "join", "end"]
    assert all(s.status_a == s.status_b == "succeeded" for s in comp.steps)
    assert all(s.code_changed is False for s in comp.steps)
    assert steps["start"].tasks_a == 1 and steps["work"].tasks_b == 4
    # foreach body: one pair per split index, the extra split is one-sided
    work = steps["work"]
    assert [p.split for p in work.pairs] == [(0,), (1,), (2,), (3,)]
    assert work.only_b == 1 and work.only_a == 0
    assert work.pairs[3].task_a is None and work.pairs[3].diffs == []
    sq = {d.name: d for d in work.pairs[2].diffs}
    assert sq["sq"].change == "unchanged" and sq["n"].change == "changed"
    assert sq["note"].change == "unchanged"
    total = next(d for d in steps["join"].pairs[0].diffs if d.name == "total")
    assert total.change == "changed" and total.detail.to_json()["delta"] == 9
    summary = next(d for d in steps["end"].pairs[0].diffs if d.name == "summary")
    assert summary.detail.kind == "mapping"
    # end set one changed artifact; n and total it only carried, from where they changed
    assert steps["end"].summary["changed"] == 1
    assert steps["end"].carried == {"n": "start", "total": "join"}
    assert steps["work"].carried == {"items": "start", "n": "start"}
    assert steps["work"].summary["changed"] == 0 and not work.pairs[0].changed_here
    assert comp.flowed_through("start", "n") == ["work", "join", "end"]
    assert comp.flowed_through("join", "total") == ["end"]
    assert steps["end"].seconds_a is not None and steps["end"].seconds_delta is not None
    doc = comp.to_json()
    assert doc["run_a"]["run"] == 1 and doc["run_b"]["run"] == 2
    assert doc["parameters"] == [{"name": "n", "change": "changed", "before": 3, "after": 4}]
    work_doc = doc["steps"][1]
    assert work_doc["step"] == "work" and work_doc["only_b"] == 1
    assert work_doc["tasks"][3]["task_a"] is None and work_doc["tasks"][3]["split"] == [3]
    assert set(work_doc["tasks"][0]["diff"][0]) == {
        "name", "change", "type_before", "type_after", "summary_before", "summary_after",
        "detail", "carried_from"}
    assert work_doc["carried"] == {"items": "start", "n": "start"}
    n_diff = next(d for d in work_doc["tasks"][0]["diff"] if d["name"] == "n")
    assert n_diff["carried_from"] == "start"


CARRY = """
    from workbench import FlowSpec, Parameter, step

    class Carry(FlowSpec):
        k = Parameter("k", default=1)

        @step
        def start(self):
            self.x = self.k * 10
            self.y = 0
            self.next(self.middle)

        @step
        def middle(self):
            self.next(self.end)

        @step
        def end(self):
            self.z = self.x + 1
"""


def test_a_change_is_listed_where_it_was_made(write_flow, store_dir, store):
    flow = write_flow(CARRY)
    workbench.run(flow, store=store_dir)
    workbench.run(flow, {"k": "2"}, store=store_dir)
    comp = compare_runs(store, "Carry", 1, 2)
    steps = {s.step: s for s in comp.steps}
    assert steps["start"].summary["changed"] == 2 and steps["start"].carried == {}
    assert steps["middle"].carried == {"k": "start", "x": "start"}
    assert steps["middle"].summary["changed"] == 0
    assert steps["end"].carried == {"k": "start", "x": "start"}
    assert steps["end"].summary["changed"] == 1  # z
    assert comp.flowed_through("start", "x") == ["middle", "end"]
    # a step that sets the value itself in one run owns the change there
    _edit(flow, "    def middle(self):\n", "    def middle(self):\n        self.x = self.x + 5\n")
    workbench.run(flow, {"k": "2"}, store=store_dir)
    comp = compare_runs(store, "Carry", 2, 3)
    steps = {s.step: s for s in comp.steps}
    assert steps["start"].summary["changed"] == 0
    assert steps["middle"].carried == {} and steps["middle"].summary["changed"] == 1
    assert steps["end"].carried == {"x": "middle"}


def test_compare_code_change_and_bounded_splits(write_flow, store_dir, store):
    flow = write_flow(FOREACH)
    workbench.run(flow, {"n": "6"}, store=store_dir)
    _edit(flow, "self.input * self.input", "self.input * self.input + 1")
    workbench.run(flow, {"n": "6"}, store=store_dir)
    comp = compare_runs(store, "Fan", "1", "Fan/2", max_splits=4)
    steps = {s.step: s for s in comp.steps}
    assert comp.parameters == []
    assert steps["work"].code_changed is True
    assert [s for s, c in steps.items() if c.code_changed] == ["work"]
    assert len(steps["work"].pairs) == 4 and steps["work"].splits_omitted == 2
    assert all(p.changed for p in steps["work"].pairs)
    assert steps["start"].changed is False and steps["work"].changed is True


def test_compare_with_a_spin_run(write_flow, store_dir, store):
    flow = write_flow(FOREACH)
    workbench.run(flow, store=store_dir)
    _edit(flow, "sum(i.sq for i in inputs)", "sum(i.sq for i in inputs) * 10")
    spin = workbench.spin(flow, "join", store=store_dir)
    assert spin.successful
    comp = compare_runs(store, "Fan", 1, spin.run.number)
    steps = {s.step: s for s in comp.steps}
    # cloned upstream tasks: same blob keys, so unchanged without loading
    assert all(d.change == "unchanged" for p in steps["start"].pairs for d in p.diffs)
    assert all(not p.changed for p in steps["work"].pairs)
    assert steps["join"].code_changed is True
    total = next(d for d in steps["join"].pairs[0].diffs if d.name == "total")
    assert (total.summary_before, total.summary_after) == ("5", "50")
    assert steps["end"].status_b is None and steps["end"].only_a == 1
    assert steps["end"].code_changed is None


def test_diff_tasks_loads_flow_defined_classes(write_flow, store_dir, store):
    flow = write_flow("""
        from dataclasses import dataclass
        from workbench import FlowSpec, Parameter, step

        @dataclass
        class Point:
            x: int
            y: int

        class Pts(FlowSpec):
            k = Parameter("k", default=1)

            @step
            def start(self):
                self.p = Point(self.k, 2)
                self.text = "alpha\\nbeta\\n" * self.k
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    workbench.run(flow, store=store_dir)
    workbench.run(flow, {"k": "2"}, store=store_dir)
    a = store.catalog.list_tasks(store.catalog.get_run("Pts", 1).id, "start")[0]
    b = store.catalog.list_tasks(store.catalog.get_run("Pts", 2).id, "start")[0]
    diffs = {d.name: d for d in diff_tasks(store, a.id, b)}
    assert diffs["k"].detail.to_json()["delta"] == 1
    assert diffs["p"].change == "changed" and diffs["p"].detail.kind != "error"
    assert "1 -> 2" in "\n".join(diffs["p"].lines())
    assert diffs["text"].detail.kind == "text"
    assert diff_tasks(store, a, a) and all(
        d.change == "unchanged" for d in diff_tasks(store, a, a))


def test_compare_refuses_other_flows_and_missing_runs(write_flow, store_dir, store):
    workbench.run(write_flow(FOREACH), store=store_dir)
    workbench.run(write_flow(OTHER, "other.py"), store=store_dir)
    with pytest.raises(ComparisonError, match="different flows: Other/1 is not a run of Fan"):
        compare_runs(store, "Fan", 1, "Other/1")
    assert isinstance(ComparisonError("x"), StoreError)  # the CLI prints one line, exit 2
    with pytest.raises(StoreError, match="run Fan/9 not found"):
        compare_runs(store, "Fan", 1, 9)
    with pytest.raises(StoreError, match="bad run"):
        resolve_run(store, "Fan", "one")
    with pytest.raises(StoreError, match="task id 999 not found"):
        diff_tasks(store, 999, 1)


def test_the_app_and_the_cli_show_a_step_missing_on_one_side_as_not_run():
    """Both renderings of a comparison: a step that did not run in one run reads `not run`,
    never `no change`."""
    from rich.console import Console

    from workbench.queries.comparison import RunComparison, StepComparison
    from workbench.store.catalog import RunRecord
    from workbench.tui.screens.compare import steps_table

    def run(number):
        return RunRecord(number, "F", number, "run", "succeeded", "f.py", {}, None, None, None,
                         None, (), None, None, None, 0.0, 1.0, 1.0)

    comp = RunComparison("F", run(1), run(3), [], [
        StepComparison("end", "succeeded", None, 0.1, None, 1, 0, None)])
    console = Console(width=160, record=True, color_system=None)
    console.print(steps_table(comp))
    text = console.export_text()
    assert "not run in run 3" in text and "no change" not in text and "· not run" in text
    assert comp.steps[0].changed
