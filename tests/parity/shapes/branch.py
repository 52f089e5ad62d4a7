"""Shape: branch (Metaflow test/core/graphs/branch.json)."""
from metaflow import FlowSpec, step


class ShapeBranch(FlowSpec):
    @step
    def start(self):
        self.trail = ["start"]
        self.next(self.a, self.b, self.c)

    @step
    def a(self):
        self.trail = self.trail + ["a"]
        self.next(self.join)

    @step
    def b(self):
        self.trail = self.trail + ["b"]
        self.next(self.join)

    @step
    def c(self):
        self.trail = self.trail + ["c"]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.trail = sorted(t for i in inputs for t in i.trail) + ["join"]
        self.next(self.end)

    @step
    def end(self):
        self.trail = self.trail + ["end"]


if __name__ == "__main__":
    ShapeBranch()
