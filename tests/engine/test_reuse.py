"""run --reuse: only what changed re-runs, reused tasks equal executed ones, and show so."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

FLOW = '''
import os
from metaflow import FlowSpec, Parameter, step
from helpers import scale


def bump(x):
    # a comment
    return x + 1


class ReuseFlow(FlowSpec):
    k = Parameter("k", default=1)

    @step
    def start(self):
        self.items = [1, 2, 3]
        self.base = bump(0)
        self.next(self.each, foreach="items")

    @step
    def each(self):
        self.sq = scale(self.input)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.sq for i in inputs)
        self.merge_artifacts(inputs, exclude=["sq"])
        self.next(self.tail)

    @step
    def tail(self):
        if os.environ.get("REUSE_TEST_FAIL"):
            raise RuntimeError("failing on purpose")
        self.result = self.total * self.k + self.base
        self.next(self.end)

    @step
    def end(self):
        pass
'''


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    (tmp_path / "helpers.py").write_text("def scale(x):\n    return x * 2\n")
    path = tmp_path / "reuse_flow.py"
    path.write_text(FLOW)
    return path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _run(cli, flow: Path, *args: str, **env: str) -> dict:
    """``workbench run FLOW --json ARGS`` as the engine does it, in this process (the tasks
    still run in child processes): the run's JSON. With ``--reuse-except``, or when your own
    module changes (this process keeps the imported one), through the real CLI."""
    if "--reuse-except" in args or env.pop("fresh_process", ""):
        proc = cli("run", str(flow), "--json", "-q", *args, **env)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.json()
    from workbench.cli.commands import run_json
    from workbench.engine.api import open_store, run_flow

    params = dict(a.split("=", 1) for a in args[args.index("--param") + 1:][:1]) \
        if "--param" in args else {}
    store = open_store(cli.store_dir)
    sys.modules.pop("helpers", None)  # another test's helpers.py may be imported here
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        run = run_flow(flow, params, store=store, reuse="--reuse" in args)
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return json.loads(json.dumps(run_json(run, store.catalog.list_tasks(run.id)), default=str))


def _executed(run: dict) -> list[tuple[str, int | None]]:
    return sorted((t["step"], t["split_index"]) for t in run["tasks"]
                  if t["reused_from"] is None)


ALL = [("each", 0), ("each", 1), ("each", 2), ("end", None), ("join", None), ("start", None),
       ("tail", None)]


def test_comment_edit_reuses_everything_and_reaches_end(cli, flow):
    first = _run(cli, flow)
    assert _executed(first) == ALL
    _edit(flow, "# a comment", "# another comment")
    again = _run(cli, flow, "--reuse")
    assert again["status"] == "succeeded" and _executed(again) == []
    assert {t["step"] for t in again["tasks"]} == {s for s, _ in ALL}
    ids = {t["task_id"] for t in first["tasks"]}
    assert all(t["reused_from"] in ids for t in again["tasks"])


def test_helper_edit_reruns_its_callers_and_reuses_what_comes_out_the_same(cli, flow, tmp_path):
    _run(cli, flow)
    # same values, other code: the callers re-run, their outputs are equal, so join is reused
    _edit(tmp_path / "helpers.py", "x * 2", "x + x")
    same = _run(cli, flow, "--reuse", fresh_process="1")
    assert _executed(same) == [("each", 0), ("each", 1), ("each", 2)]
    # other values: the callers and everything they feed re-run. (The edit changes the file's
    # size: CPython trusts a .pyc whose source has the same size and mtime second, so a
    # same-size edit within one second would run the old code, under Metaflow too.)
    _edit(tmp_path / "helpers.py", "x + x", "x * 3  # triple")
    other = _run(cli, flow, "--reuse", fresh_process="1")
    assert _executed(other) == [("each", 0), ("each", 1), ("each", 2), ("end", None),
                                ("join", None), ("tail", None)]


def test_parameter_change_reruns_the_steps_whose_inputs_change(cli, flow):
    _run(cli, flow)
    changed = _run(cli, flow, "--reuse", "--param", "k=2")
    assert _executed(changed) == ALL  # k is an input of every task (Metaflow passes it on)
    back = _run(cli, flow, "--reuse", "--param", "k=1")
    assert _executed(back) == []


def test_one_changed_foreach_item_reruns_that_split_alone(cli, flow):
    _run(cli, flow)
    _edit(flow, "self.items = [1, 2, 3]", "self.items = [1, 2, 4]")
    run = _run(cli, flow, "--reuse")
    assert _executed(run) == [("each", 2), ("end", None), ("join", None), ("start", None),
                              ("tail", None)]


def test_a_reused_run_equals_a_full_run_value_by_value(cli, flow, tmp_path):
    _run(cli, flow)
    _edit(flow, "self.items = [1, 2, 3]", "self.items = [1, 2, 4]")
    reused = _run(cli, flow, "--reuse")
    full = _run(cli, flow)
    assert _executed(full) == ALL
    comp = cli("compare", "ReuseFlow", str(reused["run"]), str(full["run"]), "--json").json()
    changes = [(s["step"], d["name"], d["change"]) for s in comp["steps"] for p in s["tasks"]
               for d in p["diff"] if d["change"] != "unchanged"]
    assert changes == []
    assert {s["step"]: s["reused_a"] for s in comp["steps"]}["each"] == 2


def test_failed_and_cancelled_tasks_are_never_reused(cli, flow, store_dir):
    failed = _run(cli, flow, REUSE_TEST_FAIL="1")
    assert failed["status"] == "failed"
    again = _run(cli, flow, "--reuse")
    assert again["status"] == "succeeded"
    assert ("tail", None) in _executed(again)  # the failed tail ran again

    from workbench.store import Store
    catalog = Store(store_dir, create=False).catalog
    run = catalog.get_run("ReuseFlow", again["run"])
    tail = next(t for t in catalog.list_tasks(run.id) if t.step == "tail")
    catalog.update_task(tail.id, status="cancelled")
    third = _run(cli, flow, "--reuse")
    assert ("tail", None) in _executed(third)


def test_reuse_except_forces_steps_and_is_shown(cli, flow):
    _run(cli, flow)
    run = _run(cli, flow, "--reuse", "--reuse-except", "join,end")
    assert _executed(run) == [("end", None), ("join", None)]
    text = cli("run", str(flow), "--reuse").stdout
    assert "reused from ReuseFlow/" in text and "↺ reused" in text
    shown = cli("show", f"ReuseFlow/{run['run']}/start/{run['tasks'][0]['task_id']}").stdout
    assert "reused from ReuseFlow/1/start/" in shown
    bad = cli("run", str(flow), "--reuse", "--reuse-except", "nope")
    assert bad.returncode == 2 and "nope is not a step" in bad.stderr
    assert cli("run", str(flow), "--reuse-except", "end").returncode == 2


def test_a_split_that_reads_the_whole_list_reruns_when_it_changes(cli, flow):
    """A body that reads self.items (not only self.input) depends on the whole list."""
    _edit(flow, "        self.sq = scale(self.input)\n",
          "        self.sq = scale(self.input) + len(self.items)\n")
    _run(cli, flow)
    _edit(flow, "self.items = [1, 2, 3]", "self.items = [1, 2, 3, 4]")
    run = _run(cli, flow, "--reuse")
    assert [s for s in _executed(run) if s[0] == "each"] == [("each", i) for i in range(4)]
