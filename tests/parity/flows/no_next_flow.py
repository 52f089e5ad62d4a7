"""A step without self.next: both engines refuse the flow before running it."""
from metaflow import FlowSpec, step


class ParityNoNextFlow(FlowSpec):

    @step
    def start(self):
        self.x = 1
        self.next(self.middle)

    @step
    def middle(self):
        self.y = 2

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ParityNoNextFlow()
