"""Loader: one-line errors with file:line, the metaflow alias, module registration."""
from __future__ import annotations

import ast
import pickle
import sys
import textwrap
import types
from pathlib import Path

import pytest

from workbench.flow import (
    FlowLoadError, FlowSpec, GraphError, UnsupportedMetaflowName, install_metaflow_alias,
    load_flow, metaflow_api,
)
from workbench.flow.loader import module_name_for

GOOD = textwrap.dedent('''
    from metaflow import FlowSpec, step, Parameter, current


    class Hello(FlowSpec):
        """Say hello."""

        alpha = Parameter("alpha", default=0.5)

        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass
''')


def load_error(path, cls=FlowLoadError, **kw):
    with pytest.raises(cls) as info:
        load_flow(path, **kw)
    return info.value


def test_loads_a_metaflow_flow(flows):
    path = flows.write(GOOD)
    loaded = load_flow(path)
    assert loaded.name == "Hello" and loaded.graph.name == "Hello"
    assert loaded.file == path.resolve() and loaded.file.is_absolute()
    assert issubclass(loaded.flow_cls, FlowSpec)
    assert loaded.flow_cls.__module__ == loaded.module.__name__ == module_name_for(path)
    assert sys.modules[loaded.module.__name__] is loaded.module
    assert loaded.flow_cls.start.is_step
    assert [n.name for n in loaded.graph] == ["start", "end"]


def test_missing_file_and_not_py(flows, monkeypatch):
    monkeypatch.chdir(flows.root)
    assert str(load_error("flow.py")) == "flow.py: no such file"
    (flows.root / "notes.txt").write_text("hello")
    err = load_error("notes.txt")
    assert str(err).startswith("notes.txt: not a Python file")
    (flows.root / "adir.py").mkdir()
    assert "directory" in str(load_error("adir.py"))


def test_syntax_error_names_file_and_line(flows, monkeypatch):
    flows.write('''
        from metaflow import FlowSpec, step

        class F(FlowSpec):
            @step
            def start(self):
                x = (1,
                self.next(self.end)
    ''')
    monkeypatch.chdir(flows.root)
    err = load_error("flow.py")
    assert err.line is not None
    assert str(err).startswith(f"flow.py:{err.line}: syntax error: ")


def test_graph_errors_come_first(flows):
    path = flows.write('''
        import does_not_exist
        from metaflow import FlowSpec, step

        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.nowhere)

            @step
            def end(self):
                pass
    ''')
    err = load_error(path, GraphError)
    assert err.line == flows.line_of(path, "self.next(self.nowhere)")


def test_no_flow_and_several_flows(flows, monkeypatch):
    monkeypatch.chdir(flows.root)
    flows.write("x = 1\n")
    assert str(load_error("flow.py")) == "flow.py: no FlowSpec subclass found"
    body = GOOD + GOOD.replace("class Hello", "class Other")
    flows.write(body, "two.py")
    err = load_error("two.py")
    assert "Hello, Other" in str(err) and "--flow NAME" in str(err)
    assert load_flow("two.py", flow_name="Other").name == "Other"


def test_module_raising_reports_its_line(flows, monkeypatch):
    flows.write('''
        from metaflow import FlowSpec, step


        def helper():
            return undefined_name

        VALUE = helper()


        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    ''')
    monkeypatch.chdir(flows.root)
    err = load_error("flow.py")
    line = flows.line_of(flows.root / "flow.py", "return undefined_name")
    assert str(err) == (f"flow.py:{line}: error while importing the flow: "
                        "NameError: name 'undefined_name' is not defined")
    assert module_name_for(flows.root / "flow.py") not in sys.modules


def test_module_calling_sys_exit(flows):
    path = flows.write(GOOD + "\nimport sys\nsys.exit(3)\n")
    err = load_error(path)
    assert err.line == flows.line_of(path, "sys.exit(3)")
    assert "the flow module called sys.exit(3)" in err.message


def test_unsupported_metaflow_name_with_line(flows, monkeypatch):
    flows.write('''
        import os
        from metaflow import FlowSpec, step, S3

        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    ''')
    monkeypatch.chdir(flows.root)
    err = load_error("flow.py", UnsupportedMetaflowName)
    assert str(err).startswith("flow.py:2: metaflow name 'S3' is not provided by workbench; "
                               "supported: FlowSpec, step, ")
    assert "\n" not in str(err)


def test_unsupported_metaflow_submodule(flows):
    path = flows.write("from metaflow.plugins.aws import aws_utils\n" + GOOD)
    err = load_error(path)
    assert err.line == 1 and "metaflow module 'metaflow.plugins.aws' is not provided" in \
        err.message


def test_metaflow_alias_is_restored(flows, monkeypatch):
    path = flows.write(GOOD)
    monkeypatch.delitem(sys.modules, "metaflow", raising=False)
    load_flow(path)
    assert "metaflow" not in sys.modules
    real = types.ModuleType("metaflow")
    monkeypatch.setitem(sys.modules, "metaflow", real)
    loaded = load_flow(path)
    assert sys.modules["metaflow"] is real
    assert issubclass(loaded.flow_cls, FlowSpec)


def test_install_metaflow_alias_for_lazy_imports(flows, monkeypatch):
    monkeypatch.delitem(sys.modules, "metaflow", raising=False)
    path = flows.write(GOOD.replace("        self.next(self.end)",
                                    "        from metaflow import current as c\n"
                                    "        self.seen = c\n"
                                    "        self.next(self.end)"))
    loaded = load_flow(path)
    with install_metaflow_alias():
        import metaflow
        assert metaflow is metaflow_api
        from metaflow import current
        assert current.is_running_flow is False
    assert "metaflow" not in sys.modules
    alias = install_metaflow_alias()
    assert sys.modules["metaflow"] is metaflow_api
    alias.restore()
    alias.restore()  # idempotent
    assert "metaflow" not in sys.modules
    assert loaded.flow_cls.start.is_step


def test_sibling_modules_and_pickling_by_reference(flows):
    flows.write("def double(x):\n    return 2 * x\n", "helper.py")
    path = flows.write('''
        from dataclasses import dataclass

        from metaflow import FlowSpec, step
        import helper


        @dataclass
        class Point:
            x: int


        class F(FlowSpec):
            @step
            def start(self):
                import helper as lazy
                self.value = lazy.double(2)
                self.next(self.end)

            @step
            def end(self):
                pass
    ''')
    loaded = load_flow(path)
    assert sys.path[0] == str(path.resolve().parent)
    Point = loaded.module.Point
    back = pickle.loads(pickle.dumps(Point(3)))
    assert type(back) is Point and back.x == 3
    assert loaded.module.helper.double(4) == 8


def test_reloading_the_same_file_replaces_the_module(flows):
    path = flows.write(GOOD)
    first = load_flow(path)
    path.write_text(path.read_text().replace("Say hello.", "Say hi."))
    second = load_flow(path)
    assert second.module is not first.module
    assert sys.modules[second.module.__name__] is second.module
    assert second.graph.doc == "Say hi."


def test_flow_class_missing_or_not_a_flowspec(flows):
    path = flows.write(GOOD + "\ndel Hello\n", "gone.py")
    err = load_error(path)
    assert "flow class 'Hello' not found" in err.message and err.line == 4
    path = flows.write('''
        class FlowSpec:
            pass

        def step(f):
            return f

        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
    ''', "fake.py")
    assert "not a FlowSpec subclass" in load_error(path).message


def test_flow_package_imports_nothing_else_of_workbench():
    root = Path(__import__("workbench.flow").flow.__file__).parent
    for file in root.glob("*.py"):
        tree = ast.parse(file.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("textual"), (file, name)
                assert not name.startswith("workbench") or name.startswith("workbench.flow"), \
                    (file, name)


def test_a_metaflow_cards_name_workbench_lacks_is_one_line(flows):
    path = flows.write("from metaflow.cards import Markdown, JSONViewer\n" + GOOD)
    err = load_error(path, UnsupportedMetaflowName)
    assert err.line == 1
    assert "metaflow.cards name 'JSONViewer' is not provided by workbench; supported: " \
        in err.message and "Markdown" in err.message and "\n" not in str(err)
