"""Point 5, odd input: flow files in paths with spaces and unicode, a flow module that raises,
calls sys.exit or prints at import, huge and invalid parameter values, an ``--artifacts``
module that raises. Each gets a working result or one clear line (exit 2) with the store left
as it was; the warm worker survives all of them. (World-writable stores and symlinked blobs:
test_reliability_corruption.py.)"""
from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from rel_helpers import wait_for
from workbench.engine.protocol import name_of

GOOD = """
    from workbench import FlowSpec, JSONType, Parameter, step

    class Point:
        def __init__(self, x):
            self.x = x

    class Odd(FlowSpec):
        note = Parameter("note", default="")
        config = Parameter("config", type=JSONType, default='{"a": 1}')

        @step
        def start(self):
            self.point = Point(len(self.note))
            self.next(self.end)

        @step
        def end(self):
            self.length = self.point.x
"""


def _one_line(result, *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error:"), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _runs(store_dir) -> int:
    catalog = store_dir / "catalog.sqlite"
    if not catalog.exists():
        return 0
    with sqlite3.connect(catalog) as conn:
        return conn.execute("select count(*) from runs").fetchone()[0]


def test_flow_in_a_path_with_spaces_and_unicode(cli, tmp_path, client, store_dir):
    folder = tmp_path / "my flows" / "données ✓ 実験"
    folder.mkdir(parents=True)
    flow = folder / "odd flow é.py"
    import textwrap

    flow.write_text(textwrap.dedent(GOOD).lstrip())
    ran = cli("run", flow, "--param", "note=héllo wörld", "--json")
    assert ran.returncode == 0, ran.stderr
    assert cli("runs", flow).returncode == 0
    assert cli("status", flow).returncode == 0
    spun = cli("spin", flow, "end", "--json")
    assert spun.returncode == 0, spun.stderr
    # A class defined in that file unpickles in a fresh reader process, too.
    run = client.Flow("Odd")[1]
    assert run["start"].task.data.point.x == len("héllo wörld")
    reader = cli("show", f"Odd/1/start/{run['start'].task.id}")
    assert reader.returncode == 0 and "Point" in reader.stdout
    import workbench

    result = workbench.run(flow, {"note": "ñ"}, store=store_dir)
    assert result.successful and result.run["end"].task.data.length == 1


@pytest.mark.parametrize("body,needle", [
    ("raise RuntimeError('config missing')", "config missing"),
    ("import sys; sys.exit(3)", "sys.exit(3)"),
    ("raise SystemExit('bye')", "sys.exit('bye')"),
])
def test_flow_module_failing_at_import(cli, write_flow, store_dir, body, needle):
    flow = write_flow(f"""
        from workbench import FlowSpec, step
        {body}

        class Broken(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    for args in (["run", flow], ["spin", flow, "start"], ["resume", flow, "start"]):
        _one_line(cli(*args), "flow.py:2", needle)
    assert _runs(store_dir) == 0


def test_worker_and_python_api_survive_a_flow_that_exits_at_import(write_flow, store_dir):
    from workbench.engine.errors import EngineInputError
    from workbench.engine.worker import EngineWorker

    source = """
        from workbench import FlowSpec, step
        import sys
        sys.exit(3)

        class Exits(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    """
    flow = write_flow(source)
    worker = EngineWorker(flow, store_dir)
    worker.start()
    events: list[dict] = []
    threading.Thread(target=lambda: events.extend(worker.events()), daemon=True).start()
    try:
        worker.run()
        error = wait_for(lambda: [e for e in events if name_of(e) == "error"], 30, "an error")
        assert "sys.exit(3)" in error[0].message and "\n" not in error[0].message
        assert worker.alive
        flow.write_text(flow.read_text().replace("sys.exit(3)", "pass"))
        worker.run()
        wait_for(lambda: [e for e in events if name_of(e) == "command_finished"
                          and e.status == "succeeded"], 30, "a good run after the fix")
    finally:
        worker.stop()
    import workbench

    flow.write_text(flow.read_text().replace("import sys\n", "import sys\nsys.exit(4)\n", 1))
    with pytest.raises(EngineInputError, match=r"sys\.exit\(4\)"):
        workbench.run(flow, store=store_dir)


def test_flow_printing_at_import(cli, write_flow, store_dir):
    flow = write_flow("""
        print("hello from import time")
        import os
        os.write(1, b"and from fd 1\\n")
        from workbench import FlowSpec, step

        class Chatty(FlowSpec):
            @step
            def start(self):
                print("hello from start")
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    for args in (["run", flow, "--json"], ["spin", flow, "end", "--json"],
                 ["resume", flow, "end", "--json"]):
        result = cli(*args)
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)  # stdout is the JSON document only
        assert doc["status"] == "succeeded"
        assert "hello from import time" in result.stderr and "and from fd 1" in result.stderr
    plain = cli("run", flow)
    assert "hello from import time" in plain.stdout and "hello from start" in plain.stdout
    import workbench

    result = workbench.run(flow, store=store_dir)  # the worker's event pipe is not disturbed
    assert result.successful


def test_huge_and_invalid_parameter_values(cli, write_flow, store_dir, client):
    flow = write_flow(GOOD)
    _one_line(cli("run", flow, "--param", "config={not json"), "config")
    _one_line(cli("run", flow, "--param", 'config={"a": [1, 2'), "config")
    assert _runs(store_dir) == 0
    huge = "x" * 120_000  # near the kernel's limit for one argument
    ran = cli("run", flow, "--param", f"note={huge}", "--param", 'config={"deep": ' +
              "[" * 50 + "]" * 50 + "}")
    assert ran.returncode == 0, ran.stderr[-500:]
    listed = cli("runs", flow)
    assert listed.returncode == 0 and len(listed.stdout) < 5_000  # cut, not 120 kB per row
    run = client.Flow("Odd").latest_run
    assert run.parameters["note"] == huge
    assert run["end"].task.data.length == 120_000
    big = cli("run", flow, "--param", "config=" + json.dumps({"k": "v" * 100_000}))
    assert big.returncode == 0, big.stderr[-500:]


def test_artifacts_module_that_raises(cli, write_flow, store_dir, tmp_path):
    flow = write_flow(GOOD)
    assert cli("run", flow).returncode == 0
    for name, source, needle in [
        ("raises.py", "x = 1\nraise ValueError('no artifacts today')\n", "no artifacts today"),
        ("exits.py", "import sys\nsys.exit(5)\n", "SystemExit"),
        ("syntax.py", "ARTIFACTS = {\n", "SyntaxError"),
        ("nodict.py", "ARTIFACTS = [1, 2]\n", "ARTIFACTS"),
    ]:
        module = tmp_path / name
        module.write_text(source)
        _one_line(cli("spin", flow, "end", "--artifacts", module), name, needle)
    assert _runs(store_dir) == 1  # no spin run was created by any of them


SURROGATE = """
    import os
    import time
    from workbench import FlowSpec, step

    class Surrogate(FlowSpec):
        @step
        def start(self):
            self.next(self.bad, self.slow)

        @step
        def bad(self):
            setattr(self, "name_" + os.fsdecode(b"\\xe9"), 1)
            raise ValueError(os.fsdecode(b"caf\\xe9"))
            self.next(self.join)

        @step
        def slow(self):
            time.sleep(0.5)
            setattr(self, "name_" + os.fsdecode(b"\\xe9"), 1)
            self.fine = True
            self.next(self.join)

        @step
        def join(self, inputs):
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def test_a_lone_surrogate_in_an_exception_is_stored_escaped(write_flow, cli, client):
    """os.fsdecode of a non-UTF-8 byte makes a lone surrogate: the task fails with it
    escaped, the run fails (not crashes) and the sibling task finishes (issue 8/14 item 8)."""
    flow = write_flow(SURROGATE)
    result = cli("run", flow, "--json", "-q")
    assert result.returncode == 1, result.stderr
    doc = result.json()
    assert doc["status"] == "failed"
    tasks = {t["step"]: t for t in doc["tasks"]}
    assert tasks["bad"]["status"] == "failed"
    assert tasks["bad"]["exception"] == "ValueError: caf\\udce9"
    assert tasks["slow"]["status"] == "succeeded"
    slow = client.Flow("Surrogate").latest_run["slow"].task
    assert slow.data.fine is True and "name_\\udce9" in [a.name for a in slow.artifacts]
