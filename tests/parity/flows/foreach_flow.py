"""Nested foreach with foreach_stack(), then a switch chosen by a parameter."""
from metaflow import FlowSpec, Parameter, step


class ParityForeachFlow(FlowSpec):
    mode = Parameter("mode", default="fast", help="fast or slow")

    @step
    def start(self):
        self.models = ["lin", "tree"]
        self.next(self.fit, foreach="models")

    @step
    def fit(self):
        self.model = self.input
        self.seeds = [1, 2, 3]
        self.next(self.trial, foreach="seeds")

    @step
    def trial(self):
        self.stack = self.foreach_stack()
        self.result = (self.model, self.input, self.index)
        self.next(self.join_trials)

    @step
    def join_trials(self, inputs):
        self.results = [inp.result for inp in inputs]
        self.stacks = [inp.stack for inp in inputs]
        self.model = inputs[0].model
        self.next(self.join_models)

    @step
    def join_models(self, inputs):
        self.by_model = {inp.model: inp.results for inp in inputs}
        self.stacks = [stack for inp in inputs for stack in inp.stacks]
        self.next(self.choose)

    @step
    def choose(self):
        self.route = self.mode
        self.next({"fast": self.fast, "slow": self.slow}, condition="route")

    @step
    def fast(self):
        self.speed = 10
        self.next(self.end)

    @step
    def slow(self):
        self.speed = 1
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ParityForeachFlow()
