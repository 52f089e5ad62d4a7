"""A step's code fingerprint: its code and all the user's code it reaches, nothing else."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from workbench.flow import parse_graph

FLOW = '''
import json
from metaflow import FlowSpec, step
from helpers import scale
import localpkg

OFFSET = 1


def bump(x):
    # a comment
    return inner(x) + OFFSET


def inner(x):
    """A docstring."""
    return x


class FpFlow(FlowSpec):
    @step
    def start(self):
        self.a = bump(1)
        self.next(self.middle)

    @step
    def middle(self):
        self.b = scale(self.a) + localpkg.VALUE
        self.next(self.end)

    @step
    def end(self):
        self.c = self.tidy(json.dumps(self.b))

    def tidy(self, v):
        return v
'''


def _setup(tmp_path: Path) -> Path:
    (tmp_path / "helpers.py").write_text("def scale(x):\n    return x * 2\n")
    (tmp_path / "localpkg").mkdir()
    (tmp_path / "localpkg" / "__init__.py").write_text("VALUE = 1\n")
    flow = tmp_path / "fp_flow.py"
    flow.write_text(textwrap.dedent(FLOW))
    return flow


def _prints(flow: Path) -> dict[str, str]:
    return {n.name: n.fingerprint for n in parse_graph(flow)}


def _changed(flow: Path, edit) -> set[str]:
    before = _prints(flow)
    edit()
    after = _prints(flow)
    return {step for step in before if before[step] != after[step]}


def _sub(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_comments_docstrings_and_formatting_change_nothing(tmp_path):
    flow = _setup(tmp_path)
    assert _changed(flow, lambda: _sub(flow, "# a comment", "# another comment")) == set()
    assert _changed(flow, lambda: _sub(flow, '"""A docstring."""', '"""Other words."""')) \
        == set()
    assert _changed(flow, lambda: _sub(flow, "return inner(x) + OFFSET",
                                       "return inner( x )  +  OFFSET")) == set()


def test_each_edit_changes_exactly_the_steps_that_reach_it(tmp_path):
    flow = _setup(tmp_path)
    # a helper a helper calls, transitively
    assert _changed(flow, lambda: _sub(flow, "    return x\n", "    return x + 0\n")) \
        == {"start"}
    assert _changed(flow, lambda: _sub(flow, "OFFSET = 1", "OFFSET = 2")) == {"start"}
    # the user's own module beside the flow file, and a package there
    assert _changed(flow, lambda: _sub(tmp_path / "helpers.py", "x * 2", "x * 3")) \
        == {"middle"}
    assert _changed(flow, lambda: _sub(tmp_path / "localpkg" / "__init__.py", "1", "2")) \
        == {"middle"}
    # a method of the flow class a step calls on self
    assert _changed(flow, lambda: _sub(flow, "        return v\n", "        return v[:5]\n")) \
        == {"end"}
    # the step itself
    assert _changed(flow, lambda: _sub(flow, "self.a = bump(1)", "self.a = bump(2)")) \
        == {"start"}


def test_status_marks_the_steps_a_helper_edit_reaches(tmp_path, cli):
    flow = _setup(tmp_path)
    assert cli("run", str(flow), "-q", "--store", str(tmp_path / "s")).returncode == 0
    _sub(tmp_path / "helpers.py", "x * 2", "x * 3")
    out = cli("status", str(flow), "--json", "--store", str(tmp_path / "s"))
    steps = {s["step"]: (s["status"], s["reason"]) for s in json.loads(out.stdout)["steps"]}
    assert steps["start"][0] == "up to date"
    assert steps["middle"] == ("modified", "code it calls changed since FpFlow/1")
    assert steps["end"][0] == "stale"
