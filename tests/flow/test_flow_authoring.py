"""Decorators, current, errors and the metaflow stand-in module."""
from __future__ import annotations

import os
import pickle
import sys
import types

import pytest

from workbench.flow import (
    FlowError, FlowLoadError, MergeArtifactsException, UnsupportedMetaflowName, catch, current,
    project, resources, retry, schedule, step, timeout,
)
from workbench.flow import decorators, metaflow_api


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(decorators, "_warned", set())


# --------------------------------------------------------------------------- decorators

def test_step_marks_the_function():
    @step
    def start(self):
        pass

    assert start.is_step is True and start.__wb_decorators__ == {}


def test_decorators_recorded_above_or_below_step():
    @retry
    @step
    def a(self):
        pass

    @step
    @retry(times=1, minutes_between_retries=0)
    @catch(var="err", print_exception=False)
    @timeout(minutes=1, seconds=30)
    def b(self):
        pass

    assert a.__wb_decorators__ == {"retry": {"times": 3, "minutes_between_retries": 2,
                                             "only_system": False}}
    assert b.is_step
    assert b.__wb_decorators__["retry"] == {"times": 1, "minutes_between_retries": 0,
                                            "only_system": False}
    assert b.__wb_decorators__["catch"] == {"var": "err", "print_exception": False}
    assert b.__wb_decorators__["timeout"] == {"seconds": 90}

    @catch
    @timeout(hours=1)
    @step
    def c(self):
        pass

    assert c.__wb_decorators__["catch"] == {"var": None, "print_exception": True}
    assert c.__wb_decorators__["timeout"] == {"seconds": 3600}


def test_decorator_argument_errors():
    with pytest.raises(ValueError, match="Specify a duration for @timeout."):
        timeout(seconds=0)
    with pytest.raises(ValueError, match="@retry"):
        retry(times=-1)
    with pytest.raises(ValueError, match="@catch"):
        catch(var="not a name")


def test_ignored_decorators_warn_once(fresh_warnings, capsys):
    @resources(cpu=2, memory=1000)
    @step
    def a(self):
        pass

    @resources
    @step
    def b(self):
        pass

    @project(name="demo")
    @schedule(daily=True)
    class Flow:
        pass

    @project(name="other")
    class Flow2(Flow):
        pass

    err = capsys.readouterr().err.splitlines()
    assert err.count("workbench: @resources is accepted and ignored when running locally") == 1
    assert not any("@project" in line for line in err)  # honoured: current.project_name...
    assert len(err) == 2
    assert a.__wb_decorators__ == {"resources": {"cpu": 2, "memory": 1000}}
    assert b.__wb_decorators__ == {"resources": {}}
    assert Flow.__wb_flow_decorators__ == {
        "schedule": {"daily": True},
        "project": {"name": "demo", "branch": None, "production": False}}
    assert Flow2.__wb_flow_decorators__["project"]["name"] == "other"


# --------------------------------------------------------------------------- current

def test_current_outside_a_task():
    current._reset()
    assert current.is_running_flow is False
    for name in ("flow_name", "run_id", "step_name", "task_id", "pathspec", "retry_count",
                 "origin_run_id", "username", "namespace", "tempdir", "run", "task"):
        assert getattr(current, name) is None, name
    current.card.append("ignored")  # harmless


def test_current_bound_and_reset(monkeypatch):
    monkeypatch.setenv("METAFLOW_USER", "ada")
    current._bind(flow_name="F", run_id=3, step_name="train", task_id=7)
    try:
        assert current.is_running_flow
        assert current.run_id == "3" and current.task_id == "7"
        assert current.pathspec == "F/3/train/7"
        assert current.retry_count == 0 and current.origin_run_id is None
        assert current.username == "ada" and current.namespace == "user:ada"
        assert "run_id" in current and current.get("nope", 1) == 1
        tmp = current.tempdir
        assert os.path.isdir(tmp) and current.tempdir == tmp
        from workbench.flow.cards import Markdown

        current._use_cards([{"type": "default", "id": None}, {"type": "blank", "id": "other"}])
        current.card.append(Markdown("x"))
        current.card["other"].extend([Markdown("y"), Markdown("z")])
        current.card.refresh()
        assert len(current.card) == 1
        assert [c.render()["source"] for c in current.card["other"]] == ["\ny", "\nz"]
    finally:
        current._reset()
    assert not os.path.exists(tmp)
    assert current.pathspec is None and current.is_running_flow is False
    with pytest.raises(TypeError):
        current._bind(bogus=1)


# --------------------------------------------------------------------------- errors

def test_error_formats():
    assert str(FlowError("boom", "flow.py", 12)) == "flow.py:12: boom"
    assert str(FlowError("boom", "flow.py")) == "flow.py: boom"
    assert str(FlowError("boom")) == "boom"
    err = FlowLoadError("bad", "f.py", 3)
    assert (err.message, err.file, err.line) == ("bad", "f.py", 3)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is FlowLoadError and str(back) == "f.py:3: bad"


def test_merge_artifacts_messages():
    err = MergeArtifactsException.conflicting("join", ["x", "y"])
    assert err.artifact_names == ["x", "y"]
    assert err.message.startswith("Step *join* cannot merge the following artifacts due to them "
                                  "having conflicting values: [x, y].")
    missing = MergeArtifactsException.missing("join", ["a", "b"], ["b"])
    assert "[a, b] should be merged but [b] are not present" in missing.message
    assert pickle.loads(pickle.dumps(missing)).artifact_names == ["b"]


# --------------------------------------------------------------------------- metaflow stand-in

def test_metaflow_api_names():
    assert metaflow_api.step is step and metaflow_api.current is current
    with pytest.raises(UnsupportedMetaflowName) as info:
        metaflow_api.S3
    assert isinstance(info.value, ImportError)
    assert str(info.value).startswith("metaflow name 'S3' is not provided by workbench; "
                                      "supported: FlowSpec, step, Parameter")
    assert not hasattr(metaflow_api, "__path__")


def test_client_names_resolve_lazily(monkeypatch):
    fake = types.ModuleType(metaflow_api.CLIENT_MODULE)
    fake.Flow = object()
    fake.namespace = lambda ns: ns
    monkeypatch.setitem(sys.modules, metaflow_api.CLIENT_MODULE, fake)
    assert metaflow_api.Flow is fake.Flow
    assert metaflow_api.namespace("x") == "x"


def test_the_project_decorator_is_not_shadowed_by_its_namesake_module():
    """``workbench.flow.project`` is the decorator however the submodule of that name was
    imported (the engine imports it; in CI a test then got the module)."""
    import subprocess

    code = ("import workbench.engine.replay, workbench.flow.project\n"
            "from workbench.flow import project\n"
            "assert callable(project), project\n"
            "import workbench.flow as f; assert callable(f.project)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
