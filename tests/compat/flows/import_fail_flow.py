"""A run that fails in its middle step."""
from metaflow import FlowSpec, step


class ImportFailFlow(FlowSpec):
    @step
    def start(self):
        self.x = 1
        self.next(self.boom)

    @step
    def boom(self):
        print("about to fail")
        raise ValueError("no good")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ImportFailFlow()
