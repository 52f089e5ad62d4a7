"""Metaflow's step-time API beyond the basics: current's fields (parameter_names, tags,
@project's names), metaflow.metaflow_current, read-only flow constants, the internals some
flows read (_current_step, _foreach_stack, _graph), and the exception types @catch stores
(a raised ExternalCommandFailed, a timeout, a crashed task)."""
import os
import signal

from metaflow import FlowSpec, Parameter, catch, current, project, step, timeout
from metaflow.exception import ExternalCommandFailed
from metaflow.metaflow_current import current as current_by_module


@project(name="parity_demo")
class ParityApiFlow(FlowSpec):
    beta = Parameter("beta", default=2)
    alpha = Parameter("alpha", default=1.5)
    LIMIT = 10

    @step
    def start(self):
        self.parameter_names = current.parameter_names
        self.project = [current.project_name, current.branch_name, current.is_user_branch,
                        current.is_production, current.project_flow_name]
        self.has_project = "project_name" in current
        self.same_current = current_by_module is current
        self.tags_seen = sorted(current.tags)
        try:
            self.LIMIT = 11
        except AttributeError as exc:
            self.constant_error = str(exc)
        try:
            self.alpha = 3
        except AttributeError as exc:
            self.parameter_error = str(exc)
        self.limit_seen = self.LIMIT
        self.current_step = self._current_step
        self.items = ["x", 2, {"k": [1, 2]}]
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.stack = [list(frame) for frame in self._foreach_stack]
        node = self._graph[self._current_step]
        self.node = [node.type, list(node.out_funcs), list(node.in_funcs)]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.stacks = sorted(i.stack for i in inputs)
        self.join_stack = [list(frame) for frame in self._foreach_stack]
        self.join_type = self._graph[self._current_step].type
        self.next(self.external)

    @catch(var="external_error", print_exception=False)
    @step
    def external(self):
        raise ExternalCommandFailed("the tool exited 3")
        self.next(self.slow)

    @catch(var="timeout_error", print_exception=False)
    @timeout(seconds=1)
    @step
    def slow(self):
        import time
        time.sleep(5)
        self.next(self.crash)

    @catch(var="crash_error", print_exception=False)
    @step
    def crash(self):
        os.kill(os.getpid(), signal.SIGSEGV)
        self.next(self.end)

    @step
    def end(self):
        self.types = [self.external_error.type, self.timeout_error.type, self.crash_error.type]
        self.crash_message = self.crash_error.exception


if __name__ == "__main__":
    ParityApiFlow()
