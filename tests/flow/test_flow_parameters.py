"""Parameters: type inference, coercion, resolution, IncludeFile, the descriptor."""
from __future__ import annotations

import pickle

import pytest

from workbench.flow import (
    IncludeFile, JSONType, Parameter, ParameterError, coerce, flow_parameters, resolve_parameters,
)


class Holder:
    """Stands in for a FlowSpec: the descriptor asks it for values."""

    def __init__(self, values):
        self.values = values

    def _wb_parameter_value(self, attr):
        return self.values[attr]


def test_type_inference():
    assert Parameter("a", default=1).type is int
    assert Parameter("a", default=1.5).type is float
    assert Parameter("a", default=True).type is bool
    assert Parameter("a", default="x").type is str
    assert Parameter("a").type is str
    assert Parameter("a", default={"k": 1}).type is JSONType
    assert Parameter("a", default=lambda: 3).type is str
    assert Parameter("a", default=1, type=float).type is float
    assert Parameter("a", type=JSONType).type is JSONType


@pytest.mark.parametrize("ptype, raw, expected", [
    (int, "42", 42), (int, " -3 ", -3),
    (float, "0.25", 0.25), (float, "1e3", 1000.0),
    (str, "hello", "hello"),
    (bool, "true", True), (bool, "False", False), (bool, "1", True), (bool, "0", False),
    (bool, "YES", True), (bool, "no", False),
    (JSONType, '{"a": [1, 2]}', {"a": [1, 2]}), (JSONType, "3", 3),
])
def test_coerce_strings(ptype, raw, expected):
    value = coerce(Parameter("p", type=ptype), raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("ptype, raw, article", [
    (int, "1.5", "an int"), (float, "abc", "a float"), (bool, "maybe", "a bool"),
])
def test_coerce_errors(ptype, raw, article):
    with pytest.raises(ParameterError) as info:
        coerce(Parameter("alpha", type=ptype), raw)
    assert str(info.value) == f"parameter 'alpha' expects {article}, got '{raw}'"


def test_coerce_json_error_and_python_values():
    with pytest.raises(ParameterError) as info:
        coerce(Parameter("cfg", type=JSONType), "{bad")
    assert str(info.value).startswith("parameter 'cfg' expects a JSON value, got '{bad'")
    assert coerce(Parameter("a", type=float), 2) == 2.0
    assert coerce(Parameter("a", type=int), 2) == 2
    assert coerce(Parameter("a", type=str), 2) == "2"
    assert coerce(Parameter("a", type=JSONType), [1]) == [1]
    with pytest.raises(ParameterError):
        coerce(Parameter("a", type=int), 2.5)
    with pytest.raises(ParameterError):
        coerce(Parameter("a", type=bool), 1)


def test_separator_splits_strings():
    assert coerce(Parameter("tags", separator=","), "a,b,c") == ["a", "b", "c"]
    with pytest.raises(ParameterError, match="Separator is only allowed for string"):
        Parameter("n", default=1, separator=",")


def test_reserved_name_and_function_fields():
    with pytest.raises(ParameterError, match="reserved word"):
        Parameter("params")
    with pytest.raises(ParameterError, match="cannot have a function"):
        Parameter("a", required=lambda: True)


def test_descriptor_behaviour():
    class Flow(Holder):
        alpha = Parameter("alpha", default=0.5)
        data = IncludeFile("data-file")

    assert isinstance(Flow.alpha, Parameter) and Flow.alpha.attr_name == "alpha"
    assert Flow.data.attr_name == "data"
    flow = Flow({"alpha": 0.7, "data": "content"})
    assert flow.alpha == 0.7 and flow.data == "content"
    with pytest.raises(AttributeError, match="Parameter 'alpha' is read-only"):
        flow.alpha = 1.0


def test_flow_parameters_in_declaration_order_through_the_mro():
    class Base:
        b = Parameter("b", default=1)
        a = Parameter("a", default=2)

    class Child(Base):
        c = Parameter("c", default=3)
        a = Parameter("a", default=20)   # overrides, keeps its position

    names = [(p.attr_name, p.default) for p in flow_parameters(Child)]
    assert names == [("b", 1), ("a", 20), ("c", 3)]


def test_resolve_parameters(tmp_path):
    calls = []

    def ctx_default(ctx):
        calls.append(ctx.parameter_name)
        return "from-ctx"

    class Flow:
        alpha = Parameter("alpha", default=0.5)
        num_epochs = Parameter("num-epochs", default=3)
        flag = Parameter("flag", default=False)
        cfg = Parameter("cfg", type=JSONType, default='{"a": 1}')
        made = Parameter("made", default=lambda: 41 + 1, type=int)
        ctx = Parameter("ctx", default=ctx_default)
        opt = Parameter("opt")

    values = resolve_parameters(Flow, {"alpha": "0.25", "num_epochs": "5", "FLAG": "yes"},
                                tmp_path / "flow.py")
    assert values == {"alpha": 0.25, "num_epochs": 5, "flag": True, "cfg": {"a": 1},
                      "made": 42, "ctx": "from-ctx", "opt": None}
    assert calls == ["ctx"]
    assert resolve_parameters(Flow, {"num-epochs": 7}, None)["num_epochs"] == 7

    with pytest.raises(ParameterError) as info:
        resolve_parameters(Flow, {"beta": "1"}, None)
    assert str(info.value).startswith("unknown parameter 'beta'; known: alpha, num-epochs, flag")
    with pytest.raises(ParameterError, match="parameter 'alpha' expects a float, got 'x'"):
        resolve_parameters(Flow, {"alpha": "x"}, None)


def test_required_and_duplicates():
    class Flow:
        needed = Parameter("needed", required=True)

    with pytest.raises(ParameterError, match="missing required parameter 'needed'"):
        resolve_parameters(Flow, {}, None)
    assert resolve_parameters(Flow, {"needed": "x"}, None) == {"needed": "x"}

    class Twice:
        a = Parameter("Alpha")
        b = Parameter("alpha")

    with pytest.raises(ParameterError, match="specified twice"):
        resolve_parameters(Twice, {}, None)


def test_include_file(tmp_path, monkeypatch):
    flow_dir = tmp_path / "flows"
    flow_dir.mkdir()
    (flow_dir / "data.csv").write_text("a,b\n1,2\n")
    (flow_dir / "blob.bin").write_bytes(b"\x00\x01")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "data.csv").write_text("from cwd\n")

    class Flow:
        data = IncludeFile("data", default="data.csv")
        blob = IncludeFile("blob", is_text=False, default="blob.bin")
        none = IncludeFile("none")

    monkeypatch.chdir(tmp_path)  # no data.csv here: the flow's directory is used
    values = resolve_parameters(Flow, {}, flow_dir / "flow.py")
    assert values == {"data": "a,b\n1,2\n", "blob": b"\x00\x01", "none": None}
    monkeypatch.chdir(cwd)       # the current directory comes first
    assert resolve_parameters(Flow, {}, flow_dir / "flow.py")["data"] == "from cwd\n"
    with pytest.raises(ParameterError) as info:
        resolve_parameters(Flow, {"data": "missing.csv"}, flow_dir / "flow.py")
    assert "'data'" in str(info.value) and "missing.csv" in str(info.value)


def test_jsontype_pickles_as_the_singleton():
    assert pickle.loads(pickle.dumps(JSONType)) is JSONType
    assert repr(JSONType) == "JSON"


def test_a_default_function_imports_metaflow_as_workbench():
    """As in a step: ``import metaflow`` inside a default function is workbench's API, even
    where the real Metaflow is installed (or where it is not)."""
    import sys

    from workbench.flow.spec import FlowSpec as WorkbenchFlowSpec

    def default(ctx):
        import metaflow

        return f"{ctx.flow_name}:{metaflow.FlowSpec is WorkbenchFlowSpec}"

    class Flow(WorkbenchFlowSpec):
        tag = Parameter("tag", default=default)

    before = sys.modules.get("metaflow")
    assert resolve_parameters(Flow, {}) == {"tag": "Flow:True"}
    assert sys.modules.get("metaflow") is before  # put back afterwards
