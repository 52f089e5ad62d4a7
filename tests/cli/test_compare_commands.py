"""``workbench compare|diff|status|gc`` through the real CLI, and the diff rendering."""
from __future__ import annotations

import io
import os
import sqlite3
import time

from rich.console import Console

from workbench.cli.diff_render import render_diff
from workbench.compare import ArtifactRef, diff_artifacts

FLOW = """
    from workbench import FlowSpec, Parameter, step

    class Cmp(FlowSpec):
        n = Parameter("n", default=3)

        @step
        def start(self):
            self.items = list(range(self.n))
            self.text = "alpha\\nbeta"
            self.next(self.work, foreach="items")

        @step
        def work(self):
            print("working on", self.input)
            self.sq = self.input * self.input
            self.next(self.join)

        @step
        def join(self, inputs):
            self.total = sum(i.sq for i in inputs)
            self.next(self.end)

        @step
        def end(self):
            self.label = "total=%d" % self.total
"""

OTHER = """
    from workbench import FlowSpec, step

    class Other(FlowSpec):
        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass
"""


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _ok(result):
    assert result.returncode == 0, result.stderr
    return result


def _one_line_error(result, text):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_compare_runs_text_and_json(cli, write_flow):
    flow = write_flow(FLOW)
    _ok(cli("run", flow, "-q"))
    _ok(cli("run", flow, "-q", "--param", "n=4"))
    out = _ok(cli("compare", flow, "1", "2")).stdout
    assert "Cmp: run 1 (run, ✔ succeeded" in out and "-> run 2" in out
    assert "n=3 -> n=4" in out
    assert "1 split only in run 2" in out
    assert "total  changed  int   5       14" in out  # join's detail table row
    assert "5 -> 14  (+9, +180.0%)" in out
    doc = _ok(cli("compare", "Cmp", "1", "Cmp/2", "--json")).json()
    assert doc["flow"] == "Cmp" and [p["name"] for p in doc["parameters"]] == ["n"]
    steps = {s["step"]: s for s in doc["steps"]}
    assert list(steps) == ["start", "work", "join", "end"]
    assert steps["work"]["only_b"] == 1 and len(steps["work"]["tasks"]) == 4
    assert steps["join"]["code_changed"] is False
    total = next(d for d in steps["join"]["tasks"][0]["diff"] if d["name"] == "total")
    assert total["change"] == "changed" and total["detail"]["kind"] == "number"


def test_compare_bad_input(cli, write_flow):
    flow = write_flow(FLOW)
    _ok(cli("run", flow, "-q"))
    _ok(cli("run", write_flow(OTHER, "other.py"), "-q"))
    _one_line_error(cli("compare", flow, "1", "Other/1"),
                    "cannot compare runs of different flows: Other/1 is not a run of Cmp")
    _one_line_error(cli("compare", "Cmp", "1", "5"), "run Cmp/5 not found")
    _one_line_error(cli("compare", "Cmp", "1", "x/y/z"), "bad run 'x/y/z'")
    _one_line_error(cli("compare", "Cmp", "1", "2", "--store", "/nonexistent/wb"), "no store at")


def test_diff_two_tasks(cli, write_flow):
    flow = write_flow(FLOW)
    _ok(cli("run", flow, "-q"))
    _edit(flow, '"total=%d" % self.total', '"sum is %d [red]x[/red]" % self.total')
    _ok(cli("spin", flow, "end", "-q"))
    out = _ok(cli("diff", "Cmp/1/end", "Cmp/2/end")).stdout
    assert "Cmp/1/end/" in out and "1 changed, 2 unchanged" in out
    assert "[red]x[/red]" in out  # user text is never read as markup
    assert "unchanged  int" not in out  # unchanged hidden by default
    assert "total  unchanged  int" in _ok(cli("diff", "Cmp/1/end", "Cmp/2/end", "--all")).stdout
    doc = _ok(cli("diff", "Cmp/1/end", "Cmp/2/end", "--json")).json()
    assert doc["summary"] == {"changed": 1, "added": 0, "removed": 0, "unchanged": 2}
    label = next(d for d in doc["diff"] if d["name"] == "label")
    assert label["detail"]["kind"] == "text" and label["type_before"] == "str"
    assert len(doc["diff"]) == 3 and doc["a"].startswith("Cmp/1/end/")
    same = _ok(cli("diff", "Cmp/1/start", "Cmp/2/start")).stdout
    assert "no artifact changed (3 unchanged)" in same
    _one_line_error(cli("diff", "Cmp/1/work", "Cmp/2/end"), "step Cmp/1/work has 3 tasks")
    _one_line_error(cli("diff", "Cmp/1", "Cmp/2/end"), "bad pathspec 'Cmp/1'")
    _one_line_error(cli("diff", "Cmp/1/end/99999", "Cmp/2/end"), "99999")


def test_status_after_edits(cli, write_flow):
    flow = write_flow(FLOW)
    never = _ok(cli("status", flow, "--json")).json()
    assert never["reference"] is None
    assert {s["status"] for s in never["steps"]} == {"never run"}
    _ok(cli("run", flow, "-q"))
    _edit(flow, "print(\"working on\", self.input)",
          "print(\"working on\", self.input)  # a comment only")
    doc = _ok(cli("status", flow, "--json")).json()
    assert {s["status"] for s in doc["steps"]} == {"up to date"}
    _edit(flow, "self.input * self.input", "self.input * 3")
    out = _ok(cli("status", flow)).stdout
    assert "vs run 1" in out and "modified" in out and "downstream of modified work" in out
    doc = _ok(cli("status", flow, "--json", "--run", "1")).json()
    assert [(s["step"], s["status"]) for s in doc["steps"]] == [
        ("start", "up to date"), ("work", "modified"), ("join", "stale"), ("end", "stale")]
    # --diff: the code that ran in run 1 against the file now, same rule as the Source tab
    out = _ok(cli("status", flow, "--diff")).stdout
    assert "work  - ran in Cmp/1/work/" in out
    assert "- " in out and "self.input * self.input" in out and "self.input * 3" in out
    doc = _ok(cli("status", flow, "--json", "--diff")).json()
    work = next(s for s in doc["steps"] if s["step"] == "work")
    marked = [(line["tag"], line["text"].strip()) for line in work["diff"]["lines"]
              if line["tag"] != " "]
    # both edits since run 1 show, the comment too (status itself ignores comments)
    assert [tag for tag, _ in marked] == ["-", "-", "+", "+"]
    assert "self.input * self.input" in marked[1][1] and "self.input * 3" in marked[3][1]
    assert "# a comment only" in marked[2][1]
    assert all("diff" not in s for s in doc["steps"] if s["step"] != "work")
    _one_line_error(cli("status", "Cmp"), "status needs the flow file (.py), not 'Cmp'")
    _one_line_error(cli("status", flow, "--run", "9"), "run Cmp/9 not found")


def test_gc_removes_old_spins(cli, write_flow, store_dir):
    flow = write_flow(FLOW)
    _ok(cli("run", flow, "-q"))
    for k in (50, 60, 70):  # three spins with new code, each on the previous one's inputs
        _edit(flow, "self.sq = ", f"self.sq = {k} + ")
        _ok(cli("spin", flow, "work", "-q"))
    dry = _ok(cli("gc", flow, "--keep-spins", "1", "--dry-run", "--json")).json()
    assert dry["dry_run"] and dry["removed_runs"] == [2, 3]
    assert len(_ok(cli("runs", "Cmp", "--json")).json()) == 4
    # age every blob past the grace period so the sweep may remove unreferenced ones
    old = time.time() - 3600
    for path in (store_dir / "blobs").rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    out = _ok(cli("gc", "Cmp", "--keep-spins", "1")).stdout
    assert "removed 2 spin run(s): 2, 3" in out and "kept the newest spins: 4" in out
    assert "removed 2 blob(s)" in out
    assert [r["run"] for r in _ok(cli("runs", "Cmp", "--json")).json()] == [4, 1]
    shown = _ok(cli("show", "Cmp/4/work", "--json")).json()
    task = shown["tasks"][0]["pathspec"]
    assert _ok(cli("show", task, "--json")).json()["artifacts"]
    assert "working on 0" in _ok(cli("logs", task)).stdout
    # the flow texts only the removed spins read went with them
    with sqlite3.connect(store_dir / "catalog.sqlite") as raw:
        kept = {k for (k,) in raw.execute("SELECT key FROM sources")}
        used = {k for (k,) in raw.execute("SELECT source_key FROM runs")}
    assert kept == used and len(kept) == 2
    again = _ok(cli("gc", flow, "--json")).json()
    assert again["removed_runs"] == [] and again["removed_blobs"] == 0
    _one_line_error(cli("gc", flow, "--keep-spins", "-1"), "--keep-spins -1")
    _one_line_error(cli("gc", "Nope"), "no runs of flow 'Nope'")


def _render(diffs, **kw) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=120, force_terminal=True, color_system="truecolor")
    render_diff(console, diffs, **kw)
    return buf.getvalue()


def test_render_diff_is_markup_safe_and_coloured():
    before = {"a": 1, "s": "x\n[bold]y[/bold]", "gone": 0, "same": "k"}
    after = {"a": 2, "s": "x\nz\x1b[31m", "new": [1], "same": "k"}

    def ref(values, name):
        return ArtifactRef(name, f"{name}-{values[name]!r}", type(values[name]).__name__, 1,
                           repr(values[name]))

    diffs = diff_artifacts([ref(before, n) for n in before], [ref(after, n) for n in after],
                           before.__getitem__, after.__getitem__)
    out = _render(diffs)
    text = _strip(out)
    assert "[bold]y[/bold]" in text  # never read as markup
    assert "\\x1b[31m" in text and "\x1b[31m'" not in out  # control characters escaped
    assert "\x1b[" in out  # coloured on a terminal
    assert "same" not in text and "same" in _strip(_render(diffs, show_unchanged=True))
    assert "1 -> 2" in text and "+z" in text
    for name, change in (("new", "added"), ("gone", "removed"), ("a", "changed")):
        assert any(name in line and change in line for line in text.splitlines())
    unchanged = [d for d in diffs if d.change == "unchanged"]
    assert "no artifact changed (1 unchanged)" in _strip(_render(unchanged))
    assert "no artifacts" in _strip(_render([]))


def _strip(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)
