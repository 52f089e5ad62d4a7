"""Spin and resume on real flows in a temporary store, through the Python API and the CLI."""
from __future__ import annotations

import json
import sqlite3

import pytest

import workbench

LINEAR = """
    from workbench import FlowSpec, Parameter, step

    class Lin(FlowSpec):
        scale = Parameter("scale", default=2)

        @step
        def start(self):
            self.base = [1, 2, 3]
            self.next(self.double)

        @step
        def double(self):
            self.values = [v * self.scale for v in self.base]
            self.total = sum(self.values)
            self.next(self.end)

        @step
        def end(self):
            self.final = self.total
"""


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_spin_linear_step_with_edited_code(write_flow, store_dir):
    flow = write_flow(LINEAR)
    first = workbench.run(flow, store=store_dir)
    assert first.successful
    _edit(flow, "v * self.scale", "v * self.scale + 1")
    result = workbench.spin(flow, "double", store=store_dir)
    assert result.successful
    assert result.run.kind == "spin" and result.run.origin_run == 1
    assert result.task.data.values == [3, 5, 7]
    changes = {d.name: d.change for d in result.diff}
    assert changes["values"] == "changed" and changes["total"] == "changed"
    assert changes["base"] == "unchanged"
    total = next(d for d in result.diff if d.name == "total")
    assert total.detail.to_json()["delta"] == 3
    # upstream cloned by reference, downstream not run
    assert "start" in result.run and "end" not in result.run
    start = result.run["start"].task
    assert start.data.base == [1, 2, 3]
    assert start["base"].sha == first.run["start"].task["base"].sha


def test_spin_start_gets_reference_parameters_and_override(write_flow, store_dir):
    flow = write_flow(LINEAR)
    workbench.run(flow, {"scale": "5"}, store=store_dir)
    same = workbench.spin(flow, "start", store=store_dir)
    assert same.task.data.scale == 5
    assert all(d.change == "unchanged" for d in same.diff)
    changed = workbench.spin(flow, "start", overrides={"scale": 7}, store=store_dir)
    assert changed.task.data.scale == 7
    assert changed.run.parameters["scale"] == 7
    assert changed.run.overrides == {"scale": "7"}


def test_spin_after_failed_run_uses_its_inputs(write_flow, store_dir):
    flow = write_flow(LINEAR.replace("self.total = sum(self.values)",
                                     "self.total = sum(self.values) / 0"))
    failed = workbench.run(flow, store=store_dir)
    assert failed.status == "failed"
    _edit(flow, "sum(self.values) / 0", "sum(self.values)")
    result = workbench.spin(flow, "double", store=store_dir)
    assert result.successful and result.reference.id == "1"
    assert result.task.data.total == 12
    assert {d.name: d.change for d in result.diff}["total"] == "added"


def test_chained_spins_use_the_freshest_inputs(write_flow, store_dir):
    flow = write_flow(LINEAR)
    workbench.run(flow, store=store_dir)
    _edit(flow, "self.base = [1, 2, 3]", "self.base = [10, 20, 30]")
    spun_start = workbench.spin(flow, "start", store=store_dir)
    assert spun_start.task.data.base == [10, 20, 30]
    spun_double = workbench.spin(flow, "double", store=store_dir)
    assert spun_double.reference.id == spun_start.run.id
    assert spun_double.task.data.total == 120


def test_override_input_artifact_and_unknown_name_warns(write_flow, store_dir, cli):
    flow = write_flow(LINEAR)
    assert cli("run", flow).returncode == 0
    result = cli("spin", flow, "double", "--set", "base=[5, 5]", "--set", "extra=hello", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reference"] == 1 and data["step"] == "double" and data["status"] == "succeeded"
    assert set(data) >= {"run", "reference", "step", "status", "seconds", "diff"}
    by_name = {d["name"]: d for d in data["diff"]}
    assert by_name["total"]["summary_after"] == "20"
    assert by_name["extra"]["change"] == "added"
    assert "'extra' is not an input artifact" in result.stderr
    entry = by_name["base"]
    assert set(entry) == {"name", "change", "type_before", "type_after", "summary_before",
                          "summary_after", "detail"}


def test_artifacts_module_overrides(write_flow, store_dir, tmp_path):
    flow = write_flow(LINEAR)
    workbench.run(flow, store=store_dir)
    module = tmp_path / "arts.py"
    module.write_text("ARTIFACTS = {'base': [100]}\n")
    result = workbench.spin(flow, "double", artifacts=module, store=store_dir)
    assert result.task.data.values == [200]


BRANCH = """
    from workbench import FlowSpec, step

    class Br(FlowSpec):
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.x = "a"
            self.next(self.join)

        @step
        def b(self):
            self.x = "b"
            self.next(self.join)

        @step
        def join(self, inputs):
            self.xs = [i.x for i in inputs]
            self.from_a = inputs.a.x
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def test_spin_static_branch_join_and_per_input_override(write_flow, store_dir, tmp_path):
    flow = write_flow(BRANCH)
    workbench.run(flow, store=store_dir)
    result = workbench.spin(flow, "join", store=store_dir)
    assert result.task.data.xs == ["a", "b"]
    module = tmp_path / "arts.py"
    module.write_text("ARTIFACTS = {'a': {'x': 'patched'}}\n")
    patched = workbench.spin(flow, "join", artifacts=module, store=store_dir)
    assert patched.task.data.xs == ["patched", "b"]


FOREACH = """
    from workbench import FlowSpec, Parameter, step

    class Fe(FlowSpec):
        n = Parameter("n", default=3)

        @step
        def start(self):
            self.items = list(range(self.n))
            self.next(self.body, foreach="items")

        @step
        def body(self):
            self.sq = self.input * self.input
            self.next(self.join)

        @step
        def join(self, inputs):
            self.squares = [i.sq for i in inputs]
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def test_spin_foreach_body_one_split_and_all(write_flow, store_dir):
    flow = write_flow(FOREACH)
    workbench.run(flow, store=store_dir)
    one = workbench.spin(flow, "body", index=2, store=store_dir)
    assert len(one.tasks) == 1 and one.task.data.sq == 4 and one.task.index == 2
    default = workbench.spin(flow, "body", store=store_dir)
    assert default.task.index == 0
    every = workbench.spin(flow, "body", all_splits=True, store=store_dir)
    assert sorted(t.data.sq for t in every.tasks) == [0, 1, 4]


@pytest.mark.parametrize("splits", [2, 11, 100])
def test_spin_foreach_join_keeps_split_order(write_flow, store_dir, splits):
    flow = write_flow(FOREACH)
    workbench.run(flow, {"n": str(splits)}, store=store_dir)
    result = workbench.spin(flow, "join", store=store_dir)
    assert result.task.data.squares == [i * i for i in range(splits)]
    assert all(d.change == "unchanged" for d in result.diff)


def test_spin_switch_step(write_flow, store_dir):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Sw(FlowSpec):
            @step
            def start(self):
                self.mode = "a"
                self.next({"a": self.a, "b": self.b}, condition="mode")

            @step
            def a(self):
                self.seen = "a"
                self.next(self.end)

            @step
            def b(self):
                self.seen = "b"
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    workbench.run(flow, store=store_dir)
    result = workbench.spin(flow, "start", store=store_dir)
    assert result.successful
    spun_a = workbench.spin(flow, "a", store=store_dir)
    assert spun_a.task.data.seen == "a"


def test_failing_spin_exits_1_and_keeps_run(write_flow, store_dir, cli):
    flow = write_flow(LINEAR)
    assert cli("run", flow).returncode == 0
    _edit(flow, "self.total = sum(self.values)", "self.total = undefined_name")
    result = cli("spin", flow, "double")
    assert result.returncode == 1
    assert "NameError" in result.stdout and "Traceback" in result.stdout
    runs = json.loads(cli("runs", flow, "--json").stdout)
    assert runs[0]["kind"] == "spin" and runs[0]["status"] == "failed"


def test_resume_reruns_step_and_downstream_after_spins(write_flow, store_dir, cli):
    flow = write_flow(LINEAR)
    workbench.run(flow, store=store_dir)
    workbench.spin(flow, "double", store=store_dir)
    _edit(flow, "self.final = self.total", "self.final = self.total * 10")
    result = workbench.resume(flow, "end", store=store_dir)
    assert result.successful and result.run.kind == "resume"
    assert result.run.data.final == 120
    assert result.run.origin_run == 2  # the spin had the freshest succeeded parents
    resumed = cli("resume", flow, "double", "--json")
    assert resumed.returncode == 0, resumed.stderr
    data = json.loads(resumed.stdout)
    assert data["kind"] == "resume" and [t["step"] for t in data["tasks"]] == ["start", "double", "end"]


def test_resume_from_one_branch_reuses_the_other(write_flow, store_dir):
    flow = write_flow(BRANCH)
    workbench.run(flow, store=store_dir)
    _edit(flow, 'self.x = "a"', 'self.x = "A"')
    result = workbench.resume(flow, "a", store=store_dir)
    assert result.successful
    assert result.run["join"].task.data.xs == ["A", "b"]
    assert result.run["b"].task.record.cloned_from is not None


def test_spin_pathspec_forms_pick_run_and_split(write_flow, store_dir, cli):
    flow = write_flow(FOREACH)
    assert cli("run", flow).returncode == 0
    assert cli("run", flow, "-p", "n=5").returncode == 0
    from workbench.client import Flow, set_store

    set_store(store_dir)
    try:
        task = Flow("Fe")[1]["body"].tasks()[1]
        result = cli("spin", flow, task.pathspec, "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["reference"] == 1
        spun = workbench.client.Task(data["tasks"][0], store=store_dir)
        assert spun.index == 1
        result = cli("spin", flow, "2/body", "--index", "4", "--json")
        assert json.loads(result.stdout)["reference"] == 2
    finally:
        set_store(None)


def _runs(store_dir) -> int:
    with sqlite3.connect(store_dir / "catalog.sqlite") as conn:
        return conn.execute("select count(*) from runs").fetchone()[0]


@pytest.mark.parametrize("args, needle", [
    (["nosuchstep"], "no step 'nosuchstep'"),
    (["body", "--index", "9"], "out of range"),
    (["start", "--index", "1"], "not inside a foreach"),
    (["body", "--run", "7"], "no run 7"),
    (["body", "--artifacts", "missing.py"], "no such artifacts file"),
])
def test_spin_bad_input_is_one_line_and_writes_nothing(write_flow, store_dir, cli, args, needle):
    flow = write_flow(FOREACH)
    assert cli("run", flow).returncode == 0
    before = _runs(store_dir)
    result = cli("spin", flow, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [l for l in result.stderr.splitlines() if l.startswith("workbench: error:")]
    assert len(errors) == 1 and needle in errors[0], result.stderr
    assert _runs(store_dir) == before


def test_spin_without_any_run_and_bad_artifacts_module(write_flow, store_dir, cli, tmp_path):
    flow = write_flow(FOREACH)
    result = cli("spin", flow, "body")
    assert result.returncode == 2 and "no run of Fe" in result.stderr
    assert cli("run", flow).returncode == 0
    broken = tmp_path / "broken_arts.py"
    broken.write_text("x = 1\nraise RuntimeError('nope')\n")
    result = cli("spin", flow, "body", "--artifacts", broken)
    assert result.returncode == 2 and "broken_arts.py:2" in result.stderr
    empty = tmp_path / "empty_arts.py"
    empty.write_text("X = 1\n")
    result = cli("spin", flow, "body", "--artifacts", empty)
    assert result.returncode == 2 and "ARTIFACTS" in result.stderr


def test_spin_on_a_run_without_the_steps_parents_is_refused(write_flow, store_dir, cli):
    flow = write_flow(LINEAR.replace("self.base = [1, 2, 3]", "self.base = 1 / 0"))
    assert cli("run", flow).returncode == 1
    before = _runs(store_dir)
    result = cli("spin", flow, "double", "--run", "1")
    assert result.returncode == 2
    assert "has no succeeded parent tasks of step 'double'" in result.stderr
    assert _runs(store_dir) == before
