"""The client as a step uses it on its own run: tags filter steps and tasks, tag validation
and atomic mutation, parent and child steps and tasks, task metadata, log lines, and client
objects stored as artifacts (pickled by pathspec)."""
from metaflow import FlowSpec, Run, Task, current, step
from metaflow.exception import MetaflowTaggingError


def error_of(fn):
    try:
        fn()
    except MetaflowTaggingError as exc:
        return type(exc).__name__
    return None


class ParityClientFlow(FlowSpec):

    @step
    def start(self):
        print("hello from start")
        self.items = [1, 2]
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.me = Task(current.pathspec)  # a client object as an artifact
        self.next(self.join)

    @step
    def join(self, inputs):
        self.stored = sorted(i.me.pathspec.split("/")[2] for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        run = Run(f"{current.flow_name}/{current.run_id}")
        self.no_steps = list(run.steps("no-such-tag"))
        self.tagged_steps = sorted(s.id for s in run.steps("TAG"))
        self.no_tasks = list(run["body"].tasks("no-such-tag"))
        self.errors = [error_of(lambda: run.add_tag("x" * 600)),
                       error_of(lambda: run.replace_tags([], [])),
                       error_of(lambda: run.add_tag("")),
                       error_of(lambda: run.remove_tag("runtime:dev"))]
        run.add_tag("added")
        run.replace_tag("added", "replaced")
        self.user_tags = sorted(Run(run.pathspec).user_tags)
        self.parents_of_join = sorted(s.id for s in run["join"].parent_steps)
        self.children_of_start = sorted(s.id for s in run["start"].child_steps)
        start_task = run["start"].task
        self.start_children = sorted(t.pathspec.split("/")[2] for t in start_task.child_tasks)
        join_task = run["join"].task
        self.join_parents = sorted(t.pathspec.split("/")[2] for t in join_task.parent_tasks)
        meta = start_task.metadata_dict
        self.meta = {k: meta.get(k) for k in ("attempt", "attempt_ok", "ds-type")}
        self.loglines = [line for _, line in start_task.loglines("stdout")]


if __name__ == "__main__":
    ParityClientFlow()
