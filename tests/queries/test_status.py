"""step_status: the flow file's steps against a run's recorded source hashes."""
from __future__ import annotations

import pytest

import workbench
from workbench.queries.status import step_status
from workbench.flow import parse_graph
from workbench.store import Store, StoreError

BRANCHY = '''
    from workbench import FlowSpec, step

    class Branchy(FlowSpec):
        """Two branches joined."""

        @step
        def start(self):
            self.x = 1
            self.next(self.left, self.right)

        @step
        def left(self):
            self.a = self.x + 1
            self.next(self.join)

        @step
        def right(self):
            self.b = self.x + 2
            self.next(self.join)

        @step
        def join(self, inputs):
            self.total = inputs.left.a + inputs.right.b
            self.next(self.end)

        @step
        def end(self):
            pass
'''


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _status(flow, store, run=None):
    report = step_status(parse_graph(flow), store, run)
    return {s.step: s.status for s in report.steps}, report


@pytest.fixture
def store(store_dir):
    s = Store(store_dir)
    yield s
    s.close()


def test_unchanged_and_cosmetic_edits_are_up_to_date(write_flow, store_dir, store):
    flow = write_flow(BRANCHY)
    workbench.run(flow, store=store_dir)
    statuses, report = _status(flow, store)
    assert set(statuses.values()) == {"up to date"}
    assert report.reference.number == 1 and report.added == report.removed == []
    # comments, blank lines, re-indented continuation, docstrings: not a modification
    _edit(flow, "self.a = self.x + 1",
          "# a comment\n\n        self.a = (self.x +\n                  1)  # trailing")
    _edit(flow, "def right(self):", 'def right(self):\n        """Now documented."""')
    statuses, _ = _status(flow, store)
    assert set(statuses.values()) == {"up to date"}


def test_modified_step_makes_downstream_stale(write_flow, store_dir, store):
    flow = write_flow(BRANCHY)
    workbench.run(flow, store=store_dir)
    _edit(flow, "self.a = self.x + 1", "self.a = self.x + 100")
    statuses, report = _status(flow, store)
    assert statuses == {"start": "up to date", "left": "modified", "right": "up to date",
                        "join": "stale", "end": "stale"}
    assert report["join"].reason == "downstream of modified left"
    assert report["left"].run_status == "succeeded" and report["left"].tasks == 1
    doc = report.to_json()
    assert doc["reference"]["run"] == 1
    assert doc["steps"][1] == {"step": "left", "status": "modified",
                               "reason": "source differs from Branchy/1",
                               "run_status": "succeeded", "tasks": 1, "run": 1}
    # a new run with the edited code is the new reference: all up to date again
    workbench.run(flow, store=store_dir)
    statuses, _ = _status(flow, store)
    assert set(statuses.values()) == {"up to date"}
    statuses, _ = _status(flow, store, 1)  # --run 1
    assert statuses["left"] == "modified"


def test_graph_changes_added_and_removed_steps(write_flow, store_dir, store):
    flow = write_flow(BRANCHY)
    workbench.run(flow, store=store_dir)
    write_flow("""
        from workbench import FlowSpec, step

        class Branchy(FlowSpec):
            @step
            def start(self):
                self.x = 1
                self.next(self.left)

            @step
            def left(self):
                self.a = self.x + 1
                self.next(self.join)

            @step
            def join(self):
                self.total = self.a
                self.next(self.report)

            @step
            def report(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    statuses, report = _status(flow, store)
    assert report.added == ["report"] and report.removed == ["right"]
    assert statuses == {"start": "modified", "left": "stale", "join": "modified",
                        "report": "never run", "end": "stale"}
    assert report["report"].reason == "new step since Branchy/1"
    assert report.to_json()["added"] == ["report"]


def test_failed_run_spin_reference_and_never_run(write_flow, store_dir, store):
    flow = write_flow(BRANCHY.replace("self.a = self.x + 1", "self.a = self.x / 0"))
    statuses, report = _status(flow, None)
    assert report.reference is None and set(statuses.values()) == {"never run"}
    statuses, report = _status(flow, store)  # a store without runs of this flow
    assert report.reference is None and set(statuses.values()) == {"never run"}
    assert not workbench.run(flow, store=store_dir).successful
    statuses, report = _status(flow, store)
    assert report["left"].run_status == "failed"
    assert statuses["join"] == statuses["end"] == "never run"
    assert report["join"].reason == "no task in Branchy/1" and report.added == []
    _edit(flow, "self.x / 0", "self.x + 1")
    spin = workbench.spin(flow, "left", store=store_dir)
    assert spin.successful
    statuses, report = _status(flow, store)  # newest run, a spin, is the reference
    assert report.reference.kind == "spin"
    assert statuses == {"start": "up to date", "left": "up to date", "right": "up to date",
                        "join": "never run", "end": "never run"}
    assert (report["right"].run, report["left"].run, report["join"].run) == (1, 2, None)
    statuses, _ = _status(flow, store, 1)
    assert statuses["left"] == "modified"
    with pytest.raises(StoreError, match="run Branchy/7 not found"):
        _status(flow, store, 7)


def test_spins_leave_downstream_stale(write_flow, store_dir, store):
    flow = write_flow(BRANCHY)
    workbench.run(flow, store=store_dir)
    _edit(flow, "self.a = self.x + 1", "self.a = self.x + 10")
    assert workbench.spin(flow, "left", store=store_dir).successful
    statuses, report = _status(flow, store)
    assert statuses == {"start": "up to date", "left": "up to date", "right": "up to date",
                        "join": "stale", "end": "stale"}
    assert report["join"].reason == "not re-run after spinning left (Branchy/2)"
    assert (report["left"].run, report["right"].run, report["join"].run) == (2, 1, 1)
    _edit(flow, "self.b = self.x + 2", "self.b = self.x + 20")
    spin = workbench.spin(flow, "right", store=store_dir)  # chained on the first spin
    assert spin.successful and spin.run.origin_run == 2
    statuses, report = _status(flow, store)
    assert statuses == {"start": "up to date", "left": "up to date", "right": "up to date",
                        "join": "stale", "end": "stale"}
    assert report["join"].reason == "not re-run after spinning right (Branchy/3)"
    assert (report["left"].run, report["right"].run) == (2, 3)
    workbench.run(flow, store=store_dir)
    statuses, _ = _status(flow, store)
    assert set(statuses.values()) == {"up to date"}


def test_code_hash_matches_the_runtime(write_flow, store_dir, store):
    from workbench.queries.status import graph_code_hash

    flow = write_flow(BRANCHY)
    run = workbench.run(flow, store=store_dir).run.record
    graph = parse_graph(flow)
    assert graph_code_hash([(n.name, n.source_hash) for n in graph]) == run.code_hash


def test_status_uses_the_newest_run_that_reached_end_and_says_why(write_flow, store_dir,
                                                                 store, cli):
    flow = write_flow(BRANCHY)
    assert workbench.run(flow, store=store_dir).successful
    _edit(flow, "self.a = self.x + 1", "self.a = self.x / 0")
    assert not workbench.run(flow, store=store_dir).successful  # run 2 failed at left
    statuses, report = _status(flow, store)
    assert report.reference.number == 1
    assert "run 1 (run) is the newest run that reached end" in report.why
    assert "passed over run 2 (failed)" in report.why
    assert statuses["left"] == "modified"
    shown = cli("status", flow)
    assert shown.returncode == 0 and "passed over run 2 (failed)" in shown.stdout
    assert cli("status", flow, "--json").json()["why"] == report.why
