"""Shape: nested branches (Metaflow test/core/graphs/nested_branches.json)."""
from metaflow import FlowSpec, step


class ShapeNestedBranches(FlowSpec):
    @step
    def start(self):
        self.trail = ["start"]
        self.next(self.a, self.b)

    @step
    def a(self):
        self.trail = self.trail + ["a"]
        self.next(self.aa, self.ab)

    @step
    def aa(self):
        self.trail = self.trail + ["aa"]
        self.next(self.a_join)

    @step
    def ab(self):
        self.trail = self.trail + ["ab"]
        self.next(self.a_join)

    @step
    def a_join(self, inputs):
        self.trail = sorted(t for i in inputs for t in i.trail) + ["a_join"]
        self.next(self.join)

    @step
    def b(self):
        self.trail = self.trail + ["b"]
        self.next(self.ba, self.bb)

    @step
    def ba(self):
        self.trail = self.trail + ["ba"]
        self.next(self.b_join)

    @step
    def bb(self):
        self.trail = self.trail + ["bb"]
        self.next(self.b_join)

    @step
    def b_join(self, inputs):
        self.trail = sorted(t for i in inputs for t in i.trail) + ["b_join"]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.trail = sorted(t for i in inputs for t in i.trail) + ["join"]
        self.next(self.end)

    @step
    def end(self):
        self.trail = self.trail + ["end"]


if __name__ == "__main__":
    ShapeNestedBranches()
