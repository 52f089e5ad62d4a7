"""Shape: a switch inside a branch (Metaflow test/core/graphs/switch_in_branch.json)."""
from metaflow import FlowSpec, step


class ShapeSwitchInBranch(FlowSpec):
    @step
    def start(self):
        self.trail = ["start"]
        self.next(self.a, self.b)

    @step
    def a(self):
        self.condition = "case2"
        self.trail = self.trail + ["a"]
        self.next({"case1": self.c, "case2": self.d}, condition="condition")

    @step
    def b(self):
        self.trail = self.trail + ["b"]
        self.next(self.join)

    @step
    def c(self):
        self.trail = self.trail + ["c"]
        self.next(self.join)

    @step
    def d(self):
        self.trail = self.trail + ["d"]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.trail = sorted(t for i in inputs for t in i.trail) + ["join"]
        self.next(self.end)

    @step
    def end(self):
        self.trail = self.trail + ["end"]


if __name__ == "__main__":
    ShapeSwitchInBranch()
