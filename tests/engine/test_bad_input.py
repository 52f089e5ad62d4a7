"""Every bad input gets one clear line, exit 2, no traceback, and leaves the store as it was."""
from __future__ import annotations

import sqlite3

import pytest

GOOD = """
    from workbench import FlowSpec, Parameter, step

    class Good(FlowSpec):
        n = Parameter("n", default=1)

        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def _one_line_error(result, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [l for l in result.stderr.splitlines() if l.startswith("workbench: error:")]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _store_untouched(store_dir) -> bool:
    catalog = store_dir / "catalog.sqlite"
    if not catalog.exists():
        return True
    with sqlite3.connect(catalog) as conn:
        return conn.execute("select count(*) from runs").fetchone()[0] == 0


def test_missing_file(cli, tmp_path, store_dir):
    _one_line_error(cli("run", tmp_path / "nope.py"), "nope.py", "no such file")
    assert _store_untouched(store_dir)


def test_not_a_python_file(cli, tmp_path, store_dir):
    path = tmp_path / "flow.txt"
    path.write_text("hello")
    _one_line_error(cli("run", path), "flow.txt")
    assert _store_untouched(store_dir)


def test_syntax_error_names_line(cli, write_flow, store_dir):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Broken(FlowSpec):
            @step
            def start(self)
                self.next(self.end)
    """)
    _one_line_error(cli("run", flow), "flow.py:5", "syntax")
    assert _store_untouched(store_dir)


def test_no_flow_class(cli, write_flow):
    _one_line_error(cli("run", write_flow("x = 1\n")), "no FlowSpec subclass")


def test_several_flow_classes_ask_for_flow_option(cli, write_flow, store_dir):
    source = GOOD + GOOD.replace("class Good", "class Other")
    flow = write_flow(source)
    _one_line_error(cli("run", flow), "Good", "Other", "--flow")
    assert cli("run", flow, "--flow", "Other").returncode == 0


def test_graph_error_names_file_and_line(cli, write_flow, store_dir):
    flow = write_flow("""
        from workbench import FlowSpec, step

        class Bad(FlowSpec):
            @step
            def start(self):
                self.next(self.nowhere)

            @step
            def end(self):
                pass
    """)
    _one_line_error(cli("run", flow), "flow.py:6", "nowhere")
    assert _store_untouched(store_dir)


def test_unknown_parameter(cli, write_flow, store_dir):
    _one_line_error(cli("run", write_flow(GOOD), "--param", "bogus=1"), "bogus")
    assert _store_untouched(store_dir)


def test_ill_typed_parameter(cli, write_flow, store_dir):
    _one_line_error(cli("run", write_flow(GOOD), "--param", "n=abc"), "'n'", "int")
    assert _store_untouched(store_dir)


def test_parameter_without_equals(cli, write_flow):
    _one_line_error(cli("run", write_flow(GOOD), "--param", "n"), "NAME=VALUE")


def test_store_that_cannot_be_written(cli, write_flow, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    _one_line_error(cli("run", write_flow(GOOD), "--store", blocker / "store"), "store")


def test_store_from_a_newer_schema(cli, write_flow, store_dir):
    assert cli("run", write_flow(GOOD)).returncode == 0
    with sqlite3.connect(store_dir / "catalog.sqlite") as conn:
        conn.execute("PRAGMA user_version = 999")
    _one_line_error(cli("run", write_flow(GOOD)), "newer")
    _one_line_error(cli("runs", "Good"), "newer")


def test_flow_module_raising_at_import(cli, write_flow):
    flow = write_flow("""
        from workbench import FlowSpec, step
        import json
        CONFIG = json.loads("{not json")

        class Raises(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    _one_line_error(cli("run", flow), "flow.py:3")


def test_unsupported_metaflow_name(cli, write_flow):
    flow = write_flow("""
        from metaflow import FlowSpec, step, S3

        class UsesS3(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    """)
    _one_line_error(cli("run", flow), "S3", "flow.py:1")


@pytest.mark.parametrize("args", [["run"], ["show"], ["bogus-command"], ["run", "x.py", "--max-workers", "many"]])
def test_usage_errors_exit_2(cli, args):
    result = cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_version_and_help(cli):
    version = cli("--version")
    assert version.returncode == 0 and "workbench" in version.stdout
    for command in ("run", "runs", "show", "logs"):
        assert cli(command, "--help").returncode == 0


@pytest.mark.parametrize("deco,message", [
    ('@project(name="Bad-Name")', "The @project name must contain only lowercase alphanumeric"),
    ('@project(name="ok", branch="Feature X")', "The branch name must contain only lowercase"),
    ("@project()", "@project needs a name"),
])
def test_a_bad_project_name(cli, write_flow, store_dir, deco, message):
    flow = write_flow(GOOD.replace("from workbench import FlowSpec, Parameter, step",
                                   "from metaflow import FlowSpec, Parameter, project, step")
                      .replace("    class Good", f"    {deco}\n    class Good"))
    _one_line_error(cli("run", flow), "flow.py", message)
    assert _store_untouched(store_dir)


CONFIGURED = """
    from metaflow import Config, FlowSpec, step

    class Configured(FlowSpec):
        cfg = Config("cfg", default_value={"a": 1})

        @step
        def start(self):
            self.a = self.cfg.a
            self.next(self.end)

        @step
        def end(self):
            pass

    if __name__ == "__main__":
        Configured()
"""


@pytest.mark.parametrize("args,message", [
    (["--config-value", "cfg", "{not json"], "config 'cfg' could not be parsed: JSONDecodeError"),
    (["--config", "cfg", "missing.json"], "config 'cfg': cannot read missing.json"),
    (["--config", "nope", "x.json"], "unknown parameter 'nope'"),
])
def test_a_bad_config(cli, write_flow, store_dir, args, message):
    flow = write_flow(CONFIGURED)
    _one_line_error(cli(flow, *args, "run"), message)
    assert _store_untouched(store_dir)
