"""Metaflow's command-line habits on a flow file: ``python flow.py run|resume|spin|show|check``
(a flow importing workbench) and ``workbench flow.py ...`` (a flow importing metaflow)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import cli_env

FLAKY = """
    import os
    from {api} import FlowSpec, Parameter, step

    class Flaky(FlowSpec):
        '''A flow whose middle step fails while BREAK is set.'''

        alpha = Parameter("alpha", default=0.5, help="learning rate")
        deep = Parameter("deep", default=False, type=bool, help="go deep")

        @step
        def start(self):
            '''Begin.'''
            self.x = 1
            self.next(self.middle)

        @step
        def middle(self):
            if os.environ.get("BREAK"):
                raise ValueError("broken")
            self.y = self.x + 1
            self.next(self.end)

        @step
        def end(self):
            print("y", self.y, self.alpha, self.deep)

    if __name__ == "__main__":
        Flaky()
"""


def script(flow: Path, store: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(flow), *args], capture_output=True, text=True,
                          env=cli_env(store, **env), cwd=flow.parent, timeout=120)


def test_run_resume_without_step_and_spin(write_flow, store_dir, client):
    flow = write_flow(FLAKY.format(api="workbench"))
    failed = script(flow, store_dir, "run", "--alpha", "2", "--deep", "true", "--max-workers",
                    "1", BREAK="1")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    resumed = script(flow, store_dir, "resume")  # from the failed step of the newest run
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    run = client.Flow("Flaky").latest_run
    assert run.kind == "resume" and run.spun_step == "middle" and run.origin_run == 1
    assert run.data.y == 2 and run.data.alpha == 2.0 and run.data.deep is True
    assert run["start"].task.record.cloned_from is not None  # start was reused, not re-run
    # as Metaflow's, the default origin is the newest `run` (run 1 again), never a resume
    again = script(flow, store_dir, "resume")
    assert again.returncode == 0, again.stdout + again.stderr
    assert client.Flow("Flaky").latest_run.origin_run == 1
    clean = script(flow, store_dir, "run", "--alpha", "2", "--deep", "true")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    done = script(flow, store_dir, "resume")  # the newest run succeeded: nothing failed
    assert done.returncode == 0 and "nothing to resume" in done.stdout
    named = script(flow, store_dir, "resume", "start", "--origin-run-id", "1")
    assert named.returncode == 0 and client.Flow("Flaky").latest_run.spun_step == "start"
    (flow.parent / "arts.py").write_text("ARTIFACTS = {'x': 41}\n")
    spun = script(flow, store_dir, "spin", "2/middle", "--artifacts-module", "arts.py")
    assert spun.returncode == 0, spun.stdout + spun.stderr
    spin_run = client.Flow("Flaky").spins()[0]
    assert spin_run.kind == "spin" and spin_run.origin_run == 2
    assert spin_run["middle"].task.data.y == 42


def test_resume_of_several_failed_branches_starts_at_their_split(write_flow, store_dir,
                                                                  client):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Both(FlowSpec):
            @step
            def start(self):
                self.next(self.a, self.b)

            @step
            def a(self):
                raise ValueError("a")
                self.next(self.join)

            @step
            def b(self):
                raise ValueError("b")
                self.next(self.join)

            @step
            def join(self, inputs):
                self.next(self.end)

            @step
            def end(self):
                pass

        if __name__ == "__main__":
            Both()
    """)
    assert script(flow, store_dir, "run").returncode == 1
    resumed = script(flow, store_dir, "resume")
    assert resumed.returncode == 1  # the branches still fail, but both ran again
    run = client.Flow("Both").latest_run
    assert run.kind == "resume" and run.spun_step == "start"
    assert {s.name for s in run.steps()} >= {"a", "b"}


def test_help_show_and_check_as_metaflow_prints_them(write_flow, store_dir):
    flow = write_flow(FLAKY.format(api="workbench"))
    top = script(flow, store_dir, "--help")
    assert top.returncode == 0
    assert "--alpha FLOAT  learning rate [default: 0.5]" in top.stdout
    assert "--deep BOOLEAN  go deep [default: False]" in top.stdout
    for command in ("run", "resume", "spin", "show", "check"):
        assert command in top.stdout
    shown = script(flow, store_dir, "show")
    assert shown.returncode == 0
    assert shown.stdout == ("Step start\n    Begin.\n    => middle\n"
                            "Step middle\n    ?\n    => end\n"
                            "Step end\n    ?\n")
    assert "A flow whose middle step fails while BREAK is set." in shown.stderr
    for args in (["check"], []):  # Metaflow checks the flow when given no command
        checked = script(flow, store_dir, *args)
        assert checked.returncode == 0, checked.stderr
        assert "Validating your flow...\n    The graph looks good!" in checked.stderr


def test_workbench_runs_a_metaflow_flow_with_script_habits(write_flow, store_dir, client):
    flow = write_flow(FLAKY.format(api="metaflow"))
    proc = subprocess.run([sys.executable, "-m", "workbench", str(flow), "run", "--alpha", "3",
                           "--store", str(store_dir)], capture_output=True, text=True,
                          env=cli_env(None), cwd=flow.parent, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert client.Flow("Flaky").latest_run.data.alpha == 3.0
    shown = subprocess.run([sys.executable, "-m", "workbench", str(flow), "show"],
                           capture_output=True, text=True, env=cli_env(store_dir),
                           cwd=flow.parent, timeout=60)
    assert shown.returncode == 0 and shown.stdout.startswith("Step start\n")


def test_a_step_reads_other_flows_from_its_own_store(write_flow, store_dir, tmp_path, client):
    """In-process engine: the parent chose another store; the task still reads its own."""
    from workbench.engine.api import run_flow

    producer = write_flow("""
        from metaflow import FlowSpec, step

        class Producer(FlowSpec):
            @step
            def start(self):
                self.value = 7
                self.next(self.end)

            @step
            def end(self):
                pass
    """, name="producer.py")
    consumer = write_flow("""
        from metaflow import Flow, FlowSpec, get_metadata, step

        class Consumer(FlowSpec):
            @step
            def start(self):
                self.value = Flow("Producer").latest_successful_run.data.value
                self.where = get_metadata()
                self.next(self.end)

            @step
            def end(self):
                pass
    """, name="consumer.py")
    assert run_flow(producer, store=store_dir).status == "succeeded"
    client.set_store(tmp_path / "elsewhere")  # inherited by the forked task processes
    from workbench.compat import metaflow as mf

    mf.namespace("user:someone-else")  # a task starts in the default namespace, as in Metaflow
    try:
        record = run_flow(consumer, store=store_dir)
    finally:
        mf.default_namespace()
    client.set_store(store_dir)
    start = client.Flow("Consumer").latest_run["start"].task
    assert record.status == "succeeded", start.stderr
    data = client.Flow("Consumer").latest_run.data
    assert data.value == 7 and data.where == f"local@{store_dir}"


def test_include_file_next_to_the_flow_is_read_with_a_warning(write_flow, store_dir, tmp_path,
                                                              client):
    flow = write_flow("""
        from workbench import FlowSpec, IncludeFile, step

        class Inc(FlowSpec):
            text = IncludeFile("text", default="notes.txt")

            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass

        if __name__ == "__main__":
            Inc()
    """)
    (flow.parent / "notes.txt").write_text("hi\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, str(flow), "run"], capture_output=True, text=True,
                          env=cli_env(store_dir), cwd=elsewhere, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Metaflow reads it from the working directory only" in proc.stderr
    assert client.Flow("Inc").latest_run.data.text == "hi\n"
