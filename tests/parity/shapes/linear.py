"""Shape: linear (Metaflow test/core/graphs/linear.json)."""
from metaflow import FlowSpec, step


class ShapeLinear(FlowSpec):
    @step
    def start(self):
        self.trail = ["start"]
        self.next(self.a)

    @step
    def a(self):
        self.trail = self.trail + ["a"]
        self.next(self.b)

    @step
    def b(self):
        self.trail = self.trail + ["b"]
        self.next(self.end)

    @step
    def end(self):
        self.trail = self.trail + ["end"]


if __name__ == "__main__":
    ShapeLinear()
