"""Shape: a branch inside a foreach."""
from metaflow import FlowSpec, step


class ShapeBranchInForeach(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2, 3]
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.item = self.input
        self.next(self.left, self.right)

    @step
    def left(self):
        self.part = self.item * 2
        self.next(self.branch_join)

    @step
    def right(self):
        self.part = self.item * 3
        self.next(self.branch_join)

    @step
    def branch_join(self, inputs):
        self.item = inputs[0].item
        self.parts = sorted(i.part for i in inputs)
        self.next(self.foreach_join)

    @step
    def foreach_join(self, inputs):
        self.all_parts = [i.parts for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(sum(p) for p in self.all_parts)


if __name__ == "__main__":
    ShapeBranchInForeach()
