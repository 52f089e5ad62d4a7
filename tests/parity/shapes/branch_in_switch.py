"""Shape: a branch inside one case of a switch (Metaflow test/core/graphs/branch_in_switch.json)."""
from metaflow import FlowSpec, step


class ShapeBranchInSwitch(FlowSpec):
    @step
    def start(self):
        self.mode = "process"
        self.next({"process": self.process_branch, "skip": self.skip_path}, condition="mode")

    @step
    def process_branch(self):
        self.next(self.p1, self.p2)

    @step
    def p1(self):
        self.part = 1
        self.next(self.process_join)

    @step
    def p2(self):
        self.part = 2
        self.next(self.process_join)

    @step
    def process_join(self, inputs):
        self.parts = sorted(i.part for i in inputs)
        self.next(self.end)

    @step
    def skip_path(self):
        self.parts = []
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ShapeBranchInSwitch()
