"""Runs of real flows through the real CLI: graph shapes, artifacts, decorators, parameters."""
from __future__ import annotations

import json


def test_linear_flow_streams_prefixed_logs_and_persists(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Linear(FlowSpec):
            @step
            def start(self):
                self.x = 1
                print("hello from start")
                self.next(self.middle)

            @step
            def middle(self):
                self.x += 1
                self.y = "two"
                self.next(self.end)

            @step
            def end(self):
                print("x is", self.x)
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stderr
    start_line = next(l for l in result.stdout.splitlines() if "hello from start" in l)
    assert start_line.startswith("[start/")
    assert any(l.startswith("[end/") and "x is 2" in l for l in result.stdout.splitlines())
    run = client.Flow("Linear").latest_run
    assert run.successful and run.finished
    assert run["middle"].task.data.x == 2
    assert run.data.y == "two"
    assert "hello from start" in run["start"].task.stdout


def test_branch_join_inputs_by_name_and_merge(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Branches(FlowSpec):
            @step
            def start(self):
                self.shared = [1, 2, 3]
                self.next(self.a, self.b)

            @step
            def a(self):
                self.value = "from a"
                self.only_a = 1
                self.next(self.join)

            @step
            def b(self):
                self.value = "from b"
                self.next(self.join)

            @step
            def join(self, inputs):
                self.values = [inp.value for inp in inputs]
                self.from_b = inputs.b.value
                self.count = len(inputs)
                self.first = inputs[0].value
                self.merge_artifacts(inputs, exclude=["value"])
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stdout + result.stderr
    data = client.Flow("Branches").latest_run["join"].task.data
    assert data.values == ["from a", "from b"]
    assert data.from_b == "from b"
    assert data.count == 2 and data.first == "from a"
    assert data.shared == [1, 2, 3] and data.only_a == 1
    assert "value" not in client.Flow("Branches").latest_run["join"].task


def test_merge_artifacts_conflict_fails_with_metaflow_message(cli, write_flow):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Conflict(FlowSpec):
            @step
            def start(self):
                self.next(self.a, self.b)

            @step
            def a(self):
                self.x = 1
                self.next(self.join)

            @step
            def b(self):
                self.x = 2
                self.next(self.join)

            @step
            def join(self, inputs):
                self.merge_artifacts(inputs)
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 1
    assert "cannot merge the following artifacts due to them having conflicting values" in result.stdout
    assert "[x]" in result.stdout


def test_nested_foreach_stack_and_join_order(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Nested(FlowSpec):
            @step
            def start(self):
                self.letters = ["a", "b"]
                self.next(self.outer, foreach="letters")

            @step
            def outer(self):
                self.numbers = [1, 2, 3]
                self.next(self.inner, foreach="numbers")

            @step
            def inner(self):
                self.stack = self.foreach_stack()
                self.label = f"{self.stack[0][2]}{self.input}"
                self.next(self.inner_join)

            @step
            def inner_join(self, inputs):
                self.labels = [inp.label for inp in inputs]
                self.next(self.outer_join)

            @step
            def outer_join(self, inputs):
                self.all_labels = [inp.labels for inp in inputs]
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow, "--max-workers", "4")
    assert result.returncode == 0, result.stdout + result.stderr
    run = client.Flow("Nested").latest_run
    assert run["outer_join"].task.data.all_labels == [["a1", "a2", "a3"], ["b1", "b2", "b3"]]
    inner = run["inner"].tasks()
    assert len(inner) == 6
    stacks = sorted(t.data.stack for t in inner)
    assert stacks[0] == [(0, 2, "a"), (0, 3, 1)]
    assert stacks[-1] == [(1, 2, "b"), (2, 3, 3)]


def test_switch_takes_one_branch_and_records_it(cli, write_flow, client, store_dir):
    flow = write_flow("""
        from workbench import FlowSpec, Parameter, step

        class Switchy(FlowSpec):
            mode = Parameter("mode", default="fast")

            @step
            def start(self):
                self.choice = self.mode
                self.next({"fast": self.fast, "slow": self.slow}, condition="choice")

            @step
            def fast(self):
                self.path = "fast"
                self.next(self.end)

            @step
            def slow(self):
                self.path = "slow"
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    assert cli("run", flow, "--param", "mode=slow").returncode == 0
    run = client.Flow("Switchy").latest_run
    assert run.data.path == "slow"
    assert "fast" not in run
    from workbench.store import Store

    catalog = Store(store_dir).catalog
    start = catalog.list_tasks(catalog.get_run("Switchy", int(run.id)).id, "start")[0]
    assert start.transition["steps"] == ["slow"]
    assert start.transition["condition_value"] == "slow"


def test_switch_loop_runs_until_condition(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Loop(FlowSpec):
            @step
            def start(self):
                self.count = 0
                self.next(self.work)

            @step
            def work(self):
                self.count += 1
                self.state = "again" if self.count < 3 else "done"
                self.next({"again": self.work, "done": self.end}, condition="state")

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stdout + result.stderr
    run = client.Flow("Loop").latest_run
    assert run.data.count == 3
    assert len(run["work"].tasks()) == 3


def test_retry_then_success_records_attempt(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, current, retry, step

        class Flaky(FlowSpec):
            @retry(times=2, minutes_between_retries=0)
            @step
            def start(self):
                self.attempts_seen = current.retry_count
                if current.retry_count < 2:
                    raise RuntimeError(f"flaky {current.retry_count}")
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "will retry" in result.stdout
    task = client.Flow("Flaky").latest_run["start"].task
    assert task.data.attempts_seen == 2
    assert task.attempt == 2


def test_catch_keeps_artifacts_and_continues(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, catch, step

        class Caught(FlowSpec):
            @catch(var="failure")
            @step
            def start(self):
                self.before = "kept"
                raise ValueError("boom")
                self.next(self.end)

            @step
            def end(self):
                self.saw = str(self.failure)
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stdout + result.stderr
    run = client.Flow("Caught").latest_run
    start = run["start"].task.data
    assert start.before == "kept"
    assert "boom" in str(start.failure) and "ValueError" in start.failure.type
    assert run.data.saw == str(start.failure)


def test_catch_after_hard_crash_stores_failure(cli, write_flow, client):
    flow = write_flow("""
        import os
        from workbench import FlowSpec, catch, step

        class Crashy(FlowSpec):
            @catch(var="failure")
            @step
            def start(self):
                os._exit(3)
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stdout + result.stderr
    failure = client.Flow("Crashy").latest_run["start"].task.data.failure
    assert "kept failing" in str(failure)


def test_timeout_stops_a_step_and_fails_the_run(cli, write_flow, client):
    flow = write_flow("""
        import time
        from workbench import FlowSpec, step, timeout

        class Slow(FlowSpec):
            @timeout(seconds=1)
            @step
            def start(self):
                self.before = 1
                time.sleep(60)
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow, timeout=30)
    assert result.returncode == 1
    task = client.Flow("Slow").latest_run["start"].task
    assert "timed out" in task.exception
    assert task.data.before == 1


def test_crashing_step_fails_run_without_taking_runtime_down(cli, write_flow, client):
    flow = write_flow("""
        import os, signal
        from workbench import FlowSpec, step

        class Segv(FlowSpec):
            @step
            def start(self):
                self.next(self.a, self.b)

            @step
            def a(self):
                os.kill(os.getpid(), signal.SIGSEGV)
                self.next(self.join)

            @step
            def b(self):
                self.ok = True
                self.next(self.join)

            @step
            def join(self, inputs):
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 1
    run = client.Flow("Segv").latest_run
    assert run.status == "failed"
    assert "SIGSEGV" in run["a"].task.exception
    assert run["b"].task.data.ok is True


def test_failed_step_keeps_artifacts_set_before_raising(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Fails(FlowSpec):
            @step
            def start(self):
                self.fine = 41
                self.next(self.train)

            @step
            def train(self):
                self.partial = "set before"
                raise KeyError("missing column")
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 1
    assert "Traceback" in result.stdout and "KeyError" in result.stdout
    assert "workbench/engine" not in result.stdout  # the engine's frames are not the user's
    run = client.Flow("Fails").latest_run
    assert run["start"].task.data.fine == 41
    task = run["train"].task
    assert not task.successful and task.data.partial == "set before"
    assert task.exception.startswith("KeyError")
    assert "end" not in run


def test_unpicklable_artifact_fails_task_naming_it(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Unpicklable(FlowSpec):
            @step
            def start(self):
                import threading
                self.lock = threading.Lock()
                self.fine = 1
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 1
    task = client.Flow("Unpicklable").latest_run["start"].task
    assert "lock" in task.exception and "can't be pickled" in task.exception
    assert task.data.fine == 1


def test_parameters_coerced_and_read_only(cli, write_flow, client):
    flow = write_flow("""
        from workbench import FlowSpec, JSONType, Parameter, step

        class Params(FlowSpec):
            alpha = Parameter("alpha", default=0.1)
            n = Parameter("n", default=3)
            flag = Parameter("flag", default=False, type=bool)
            name = Parameter("label", default="x")
            config = Parameter("config", type=JSONType, default='{"a": 1}')

            @step
            def start(self):
                self.seen = (self.alpha, self.n, self.flag, self.name, self.config)
                self.next(self.end)

            @step
            def end(self):
                self.alpha_in_end = self.alpha
                try:
                    self.alpha = 3
                except AttributeError as exc:
                    self.error = str(exc)
    """)
    result = cli("run", flow, "-p", "alpha=0.5", "-p", "n=7", "-p", "flag=true",
                 "-p", "label=hi", "-p", 'config={"b": [1, 2]}')
    assert result.returncode == 0, result.stdout + result.stderr
    run = client.Flow("Params").latest_run
    assert run["start"].task.data.seen == (0.5, 7, True, "hi", {"b": [1, 2]})
    assert run.data.alpha_in_end == 0.5
    assert run.data.error == "Flow level attributes and Parameters are not modifiable"
    assert run.parameters["alpha"] == 0.5


def test_include_file_content_is_an_artifact(cli, write_flow, client, tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    flow = write_flow("""
        from workbench import FlowSpec, IncludeFile, step

        class Include(FlowSpec):
            data = IncludeFile("data", default="data.csv")

            @step
            def start(self):
                self.rows = self.data.splitlines()
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    assert cli("run", flow).returncode == 0
    run = client.Flow("Include").latest_run
    assert run["start"].task.data.rows == ["a,b", "1,2"]
    assert run["start"].task.data.data == "a,b\n1,2\n"


def test_metaflow_imports_run_unchanged(cli, write_flow, client):
    flow = write_flow("""
        from metaflow import FlowSpec, step, current, Parameter

        class FromMetaflow(FlowSpec):
            n = Parameter("n", default=2)

            @step
            def start(self):
                self.where = current.flow_name
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow)
    assert result.returncode == 0, result.stdout + result.stderr
    assert client.Flow("FromMetaflow").latest_run["start"].task.data.where == "FromMetaflow"


def test_current_fields_inside_a_task(cli, write_flow, client):
    flow = write_flow("""
        import os
        from workbench import FlowSpec, current, step

        class Cur(FlowSpec):
            @step
            def start(self):
                self.fields = dict(flow_name=current.flow_name, run_id=current.run_id,
                                   step_name=current.step_name, task_id=current.task_id,
                                   pathspec=current.pathspec, retry_count=current.retry_count,
                                   is_running_flow=current.is_running_flow,
                                   username=current.username)
                self.tempdir_ok = os.path.isdir(current.tempdir)
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    assert cli("run", flow).returncode == 0
    task = client.Flow("Cur").latest_run["start"].task
    fields = task.data.fields
    assert fields["flow_name"] == "Cur" and fields["step_name"] == "start"
    assert fields["pathspec"] == task.pathspec
    assert fields["run_id"] == "1" and fields["task_id"] == str(task.id)
    assert fields["retry_count"] == 0 and fields["is_running_flow"] is True
    assert task.data.tempdir_ok


def test_run_json_output(cli, write_flow):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class J(FlowSpec):
            @step
            def start(self):
                print("to stderr with --json")
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow, "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["flow"] == "J" and data["run"] == 1 and data["status"] == "succeeded"
    assert [t["step"] for t in data["tasks"]] == ["start", "end"]
    assert "to stderr with --json" in result.stderr


def test_spawn_start_method_runs_the_same_flow(cli, write_flow, client):
    """Where fork is missing tasks start as fresh interpreters; forced here by the env var."""
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Spawned(FlowSpec):
            @step
            def start(self):
                self.items = [1, 2, 3]
                self.next(self.body, foreach="items")

            @step
            def body(self):
                from metaflow import current
                self.value = self.input * 10
                self.where = current.step_name
                print("body", self.index)
                self.next(self.join)

            @step
            def join(self, inputs):
                self.values = [i.value for i in inputs]
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    result = cli("run", flow, WORKBENCH_START_METHOD="spawn")
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(l.startswith("[body/") and "body 2" in l for l in result.stdout.splitlines())
    run = client.Flow("Spawned").latest_run
    assert run["join"].task.data.values == [10, 20, 30]
    assert run["body"].task.data.where == "body"
