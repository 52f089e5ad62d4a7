"""Shape: a @parallel step of four nodes and its join (Metaflow test/core/graphs/
small-parallel.json)."""
from metaflow import FlowSpec, current, parallel, step


class ShapeSmallParallel(FlowSpec):
    @step
    def start(self):
        self.seed = 5
        self.next(self.parallel_step, num_parallel=4)

    @parallel
    @step
    def parallel_step(self):
        self.node = current.parallel.node_index
        self.value = self.seed * 10 + self.node + self.input
        self.next(self.parallel_join)

    @step
    def parallel_join(self, inputs):
        self.values = sorted(i.value for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.values)


if __name__ == "__main__":
    ShapeSmallParallel()
