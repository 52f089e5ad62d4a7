"""Resume from every kind of step, and after a failure: a branch, a foreach body and its join,
a recursive switch. FAIL_AT=step (or step:index, for a split or a loop's pass) makes that
step fail, so a run stops part way and a resume has to finish it."""
import os

from metaflow import FlowSpec, current, step


def fail(name, index=None):
    where = os.environ.get("FAIL_AT", "")
    if where in (name, f"{name}:{index}"):
        raise RuntimeError(f"failing at {where} on purpose")


class ParityResumeFlow(FlowSpec):

    @step
    def start(self):
        fail("start")
        self.items = [1, 2, 3]
        self.next(self.left, self.right)

    @step
    def left(self):
        fail("left")
        self.left_value = 10
        self.next(self.join)

    @step
    def right(self):
        self.next(self.body, foreach="items")

    @step
    def body(self):
        fail("body", self.index)
        self.doubled = self.input * 2
        self.next(self.fjoin)

    @step
    def fjoin(self, inputs):
        fail("fjoin")
        self.doubles = sorted(i.doubled for i in inputs)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = inputs.left.left_value + sum(inputs.fjoin.doubles)
        self.count = 0
        self.next(self.loop)

    @step
    def loop(self):
        fail("loop", self.count)
        self.count += 1
        self.state = "done" if self.count >= 3 else "again"
        self.next({"again": self.loop, "done": self.end}, condition="state")

    @step
    def end(self):
        fail("end")
        self.summary = [self.total, self.count]
        self.resumed = current.origin_run_id is not None


if __name__ == "__main__":
    ParityResumeFlow()
