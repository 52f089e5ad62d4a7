"""Produces results another flow reads."""
from metaflow import FlowSpec, step


class ParityProducer(FlowSpec):

    @step
    def start(self):
        print("producing")
        self.table = {"a": 1, "b": 2}
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.table.values())


if __name__ == "__main__":
    ParityProducer()
