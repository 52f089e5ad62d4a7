"""Shape: a foreach inside one branch of a split."""
from metaflow import FlowSpec, step


class ShapeForeachInBranch(FlowSpec):
    @step
    def start(self):
        self.base = 100
        self.next(self.fan, self.plain)

    @step
    def fan(self):
        self.items = [1, 2, 3, 4]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.out = self.base + self.input
        self.next(self.fan_join)

    @step
    def fan_join(self, inputs):
        self.outs = [i.out for i in inputs]
        self.next(self.join)

    @step
    def plain(self):
        self.outs = [self.base]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.outs = sorted(o for i in inputs for o in i.outs)
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.outs)


if __name__ == "__main__":
    ShapeForeachInBranch()
