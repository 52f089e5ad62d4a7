"""A small foreach, for the S3 datastore test (every S3 write is a request)."""
from metaflow import FlowSpec, step


class ImportSmallFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        print("small start")
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.sq = self.input ** 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.sq for i in inputs)
        self.squares = [i.sq for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ImportSmallFlow()
