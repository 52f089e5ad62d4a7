"""Reads ParityProducer's latest successful run through the client, inside a step."""
from metaflow import Flow, FlowSpec, Run, Task, get_namespace, step
from metaflow.exception import MetaflowNotFound


class ParityConsumer(FlowSpec):

    @step
    def start(self):
        run = Flow("ParityProducer").latest_successful_run
        self.total = run.data.total
        self.table = run["start"].task["table"].data
        self.producer_successful = run.successful
        self.producer_steps = sorted(step.id for step in run)
        self.producer_stdout = run["start"].task.stdout
        self.start_index = run["start"].task.index
        self.artifacts = sorted(art.id for art in run["start"].task
                                if not art.id.startswith("_") and art.id != "name")
        self.same_run = Run(run.pathspec).data.total == Task(run.end_task.pathspec).data.total
        self.namespace = get_namespace()
        try:
            Flow("NoSuchFlowAnywhere")
        except MetaflowNotFound as exc:
            self.not_found = type(exc).__name__
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ParityConsumer()
