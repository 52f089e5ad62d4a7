"""Shape: foreach with two inner steps (Metaflow test/core/graphs/foreach.json)."""
from metaflow import FlowSpec, step


class ShapeForeach(FlowSpec):
    @step
    def start(self):
        self.arr = [1, 2, 3]
        self.next(self.inner_first, foreach="arr")

    @step
    def inner_first(self):
        self.value = self.input * 10
        self.stack = [list(f) for f in self.foreach_stack()]
        self.next(self.inner_second)

    @step
    def inner_second(self):
        self.value = self.value + self.index
        self.next(self.join)

    @step
    def join(self, inputs):
        self.values = [i.value for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.values)


if __name__ == "__main__":
    ShapeForeach()
