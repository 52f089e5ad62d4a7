"""Shape: three nested foreaches (Metaflow test/core/graphs/nested_foreach.json)."""
from metaflow import FlowSpec, step


class ShapeNestedForeach(FlowSpec):
    @step
    def start(self):
        self.x = "ab"
        self.next(self.split_y, foreach="x")

    @step
    def split_y(self):
        self.xv = self.input
        self.y = "cd"
        self.next(self.split_z, foreach="y")

    @step
    def split_z(self):
        self.yv = self.input
        self.z = "efg"
        self.next(self.inner, foreach="z")

    @step
    def inner(self):
        self.word = self.xv + self.yv + self.input
        self.stack = [list(f) for f in self.foreach_stack()]
        self.next(self.join_z)

    @step
    def join_z(self, inputs):
        self.words = [i.word for i in inputs]
        self.next(self.join_y)

    @step
    def join_y(self, inputs):
        self.words = [w for i in inputs for w in i.words]
        self.next(self.join_x)

    @step
    def join_x(self, inputs):
        self.words = [w for i in inputs for w in i.words]
        self.next(self.end)

    @step
    def end(self):
        self.count = len(self.words)


if __name__ == "__main__":
    ShapeNestedForeach()
