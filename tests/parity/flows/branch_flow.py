"""Branches: one join merges with merge_artifacts (conflicts, missing include), one does not."""
from metaflow import FlowSpec, step
from metaflow.exception import MissingInMergeArtifactsException, UnhandledInMergeArtifactsException


class ParityBranchFlow(FlowSpec):
    """Two splits; the first join merges, the second does not."""

    @step
    def start(self):
        self.shared = "from start"
        self.next(self.a, self.b)

    @step
    def a(self):
        self.score = 1
        self.only_a = "a"
        self.next(self.join)

    @step
    def b(self):
        self.score = 2
        self.next(self.join)

    @step
    def join(self, inputs):
        try:
            self.merge_artifacts(inputs)
        except UnhandledInMergeArtifactsException as exc:
            self.conflict = (type(exc).__name__, list(exc.artifact_names))
        self.score = max(inp.score for inp in inputs)
        self.merge_artifacts(inputs)
        try:
            self.merge_artifacts(inputs, include=["not_there"])
        except MissingInMergeArtifactsException as exc:
            self.missing = (type(exc).__name__, list(exc.artifact_names))
        self.next(self.middle)

    @step
    def middle(self):
        self.next(self.c, self.d)

    @step
    def c(self):
        self.c_value = 3
        self.next(self.join2)

    @step
    def d(self):
        self.d_value = 4
        self.next(self.join2)

    @step
    def join2(self, inputs):
        self.shared_in_join = hasattr(self, "shared")
        self.values = [inputs.c.c_value, inputs.d.d_value]
        self.shared_in_inputs = [inp.shared for inp in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.shared_at_end = hasattr(self, "shared")
        self.score_at_end = hasattr(self, "score")


if __name__ == "__main__":
    ParityBranchFlow()
