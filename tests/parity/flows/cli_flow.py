"""A small flow for Metaflow's command line: two parameters, a foreach of three, the tags."""
from metaflow import FlowSpec, Parameter, current, step


class ParityCliFlow(FlowSpec):
    alpha = Parameter("alpha", default=1.5)
    beta = Parameter("beta", default=2)

    @step
    def start(self):
        self.tags_seen = sorted(current.tags)
        self.items = [1, 2, 3]
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.value = self.input * self.alpha
        self.next(self.join)

    @step
    def join(self, inputs):
        self.values = sorted(i.value for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ParityCliFlow()
