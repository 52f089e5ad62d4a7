"""@parallel: self.next(self.step, num_parallel=N) runs N tasks of the @parallel step, each
with current.parallel, and a join over them."""
from metaflow import FlowSpec, current, parallel, step


class ParityParallelFlow(FlowSpec):

    @step
    def start(self):
        self.base = 10
        self.next(self.train, num_parallel=3)

    @parallel
    @step
    def train(self):
        info = current.parallel
        self.node = [info.main_ip, info.num_nodes, info.node_index,
                     info.control_task_id is not None, current.is_parallel]
        self.where = [self.input, self.index]
        self.score = self.base + info.node_index
        self.next(self.join)

    @step
    def join(self, inputs):
        self.scores = sorted(i.score for i in inputs)
        self.same_control = len({i.node[3] for i in inputs}) == 1
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.scores)


if __name__ == "__main__":
    ParityParallelFlow()
