"""Two steps, for the S3 datastore test (every S3 write is a request of its own)."""
from metaflow import FlowSpec, Parameter, step


class ImportSmallFlow(FlowSpec):
    factor = Parameter("factor", default=1)

    @step
    def start(self):
        self.items = [1, 2]
        self.squares = [i * i for i in self.items]
        print("small start")
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.squares) * self.factor


if __name__ == "__main__":
    ImportSmallFlow()
