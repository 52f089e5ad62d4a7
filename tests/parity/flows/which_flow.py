"""Records which `metaflow` the flow ran against."""
import metaflow
from metaflow import FlowSpec, step
from metaflow.exception import MetaflowNotFound


class ParityWhichFlow(FlowSpec):

    @step
    def start(self):
        import metaflow as inside

        self.flowspec_module = FlowSpec.__module__
        self.metaflow_file = str(getattr(metaflow, "__file__", ""))
        self.inside_file = str(getattr(inside, "__file__", ""))
        self.not_found_module = MetaflowNotFound.__module__
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ParityWhichFlow()
