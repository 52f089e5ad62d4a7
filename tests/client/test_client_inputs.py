"""`workbench.inputs()`: a step's `self` at its start on stored inputs, in the notebook's own
process, equal to what the step saw when it ran (a foreach split, a branch join, a foreach
join), and errors as one clear line."""
from __future__ import annotations

import numpy as np
import pytest

import workbench
from workbench.client import Run
from workbench.engine.api import run_flow
from workbench.engine.errors import EngineInputError

FLOW = """
import numpy as np
from metaflow import FlowSpec, Parameter, step


class Seen(FlowSpec):
    scale = Parameter("scale", default=3)

    @step
    def start(self):
        self.base = np.arange(10.0) * self.scale
        self.items = ["a", "b", "c"]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.saw = (self.input, self.index, float(self.base.sum()),
                    [tuple(f) for f in self.foreach_stack()])
        self.value = f"{self.input}{self.index}"
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.saw_join = [i.value for i in inputs]
        self.values = self.saw_join
        self.next(self.fan)

    @step
    def fan(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.side = len(self.values)
        self.next(self.meet)

    @step
    def right(self):
        self.side = -1
        self.next(self.meet)

    @step
    def meet(self, inputs):
        self.saw_meet = (inputs.left.side, inputs.right.side, self.scale)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    Seen()
"""


@pytest.fixture
def ran(tmp_path):
    flow = tmp_path / "seen_flow.py"
    flow.write_text(FLOW)
    store = tmp_path / "store"
    record = run_flow(flow, {"scale": "2"}, store=store)
    assert record.status == "succeeded"
    return flow, store, Run(record.pathspec, store=store)


def test_a_foreach_split_sees_what_its_task_saw(ran):
    flow, store, run = ran
    for task in run["work"]:
        me = workbench.inputs(flow, "work", index=task.index, store=store)
        saw = (me.input, me.index, float(me.base.sum()),
               [tuple(f) for f in me.foreach_stack()])
        assert saw == task.data.saw
        assert me.reference.number == run.number
        np.testing.assert_array_equal(me.base, np.arange(10.0) * 2)


def test_joins_see_their_inputs(ran):
    flow, store, run = ran
    me = workbench.inputs(flow, "gather", store=store)
    assert [i.value for i in me.inputs] == run["gather"].task.data.saw_join
    assert len(me.inputs) == 3
    meet = workbench.inputs(flow, "meet", store=store)
    inputs = meet.inputs
    assert (inputs.left.side, inputs.right.side, meet.scale) == \
        run["meet"].task.data.saw_meet
    # developing the body cell by cell: assignments stay on the object, nothing is stored
    meet.total = inputs.left.side + inputs.right.side
    assert meet.total == 2
    assert len(list(Run(run.pathspec, store=store)["meet"])) == 1


def test_bad_inputs_are_one_line(ran):
    flow, store, _ = ran
    with pytest.raises(EngineInputError, match="has no step 'nope'"):
        workbench.inputs(flow, "nope", store=store)
    with pytest.raises(EngineInputError, match="--index 7 is out of range"):
        workbench.inputs(flow, "work", index=7, store=store)
    with pytest.raises(EngineInputError, match="has no run 9"):
        workbench.inputs(flow, "work", run=9, store=store)
