"""`workbench runs|show|logs` over a real store built with the store API."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from workbench.cli import main
from workbench.store import RunRecord, Store

FLOW_FILE = '''
from metaflow import FlowSpec, step

class TrainFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
'''


class Builder:
    def __init__(self, store: Store) -> None:
        self.store, self.catalog = store, store.catalog

    def run(self, flow: str = "TrainFlow", kind: str = "run", **kw: Any) -> RunRecord:
        return self.catalog.create_run(flow, kind, flow_file="/src/flow.py", **kw)

    def task(self, run: RunRecord, step: str, artifacts: dict | None = None, *,
             status: str = "succeeded", split_index: int | None = None,
             stdout: str = "", stderr: str = "", **finish: Any) -> int:
        tid = self.catalog.create_task(run.id, step, split_index=split_index)
        for stream, text in (("stdout", stdout), ("stderr", stderr)):
            if text:
                self.store.log_path(tid, stream).write_text(text)
        rows = []
        for name, value in (artifacts or {}).items():
            info = self.store.blobs.put(value, name)
            rows.append((name, info.key, info.type_name, info.size, info.summary))
        self.catalog.finish_task(tid, status=status, artifacts=rows, **finish)
        time.sleep(0.002)
        return tid


@pytest.fixture
def store(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("WORKBENCH_STORE", raising=False)
    s = Store(tmp_path / "store")
    yield s
    s.close()


@pytest.fixture
def ids(store: Store) -> dict[str, Any]:
    b = Builder(store)
    out: dict[str, Any] = {}
    r1 = b.run(parameters={"alpha": 0.5})
    out["start1"] = b.task(r1, "start", {"alpha": 0.5, "label": "[bold red]x[/] \x1b[31m"},
                           stdout="hello from start\n", stderr="careful\n")
    out["train1"] = [b.task(r1, "train", {"model": i}, split_index=i,
                            stdout=f"split {i}\n") for i in (1, 0)]
    out["end1"] = b.task(r1, "end", {"result": "done"})
    b.catalog.finish_run(r1.id, "succeeded")
    r2 = b.run(parameters={"alpha": 9.0})
    out["start2"] = b.task(r2, "start", status="failed",
                           exception="ValueError: [red]bad[/]\nmore",
                           traceback="Traceback (most recent call last):\nValueError: bad",
                           stdout="evil \x1b[2J escape\r\nprogress\rdone")
    b.catalog.finish_run(r2.id, "failed")
    r3 = b.run("TrainFlow", "spin", origin_run=1, spun_step="train",
               parameters={"alpha": 0.5})
    b.catalog.clone_task(out["start1"], r3.id)
    b.task(r3, "train", {"model": 7}, split_index=0)
    b.catalog.finish_run(r3.id, "succeeded")
    return out


def wb(store: Store, *args: str) -> int:
    return main([*args, "--store", str(store.root)])


# ------------------------------------------------------------------------------------- runs


def test_runs_table_newest_first(store, ids, capsys):
    assert wb(store, "runs", "TrainFlow") == 0
    out = capsys.readouterr().out
    assert "spin train <- 1" in out and "✔ succeeded" in out and "✘ failed" in out
    assert "alpha=0.5" in out and "alpha=9.0" in out
    lines = [ln for ln in out.splitlines() if "alpha=" in ln]
    assert [ln.split()[1] for ln in lines] == ["3", "2", "1"]


def test_runs_json(store, ids, capsys):
    assert wb(store, "runs", "TrainFlow", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["run"] for r in rows] == [3, 2, 1]
    assert set(rows[0]) == {"run", "pathspec", "kind", "status", "started_at", "finished_at",
                            "seconds", "parameters", "origin_run", "spun_step", "label",
                            "against_run", "message", "metaflow"}
    assert rows[0]["kind"] == "spin" and rows[0]["origin_run"] == 1
    assert rows[0]["spun_step"] == "train" and rows[0]["pathspec"] == "TrainFlow/3"
    assert rows[1]["status"] == "failed" and rows[2]["parameters"] == {"alpha": 0.5}
    assert rows[2]["seconds"] >= 0 and rows[2]["finished_at"] >= rows[2]["started_at"]


def test_runs_limit_and_flow_file(store, ids, capsys, tmp_path):
    flow_file = tmp_path / "train_flow.py"
    flow_file.write_text(FLOW_FILE)
    assert wb(store, "runs", str(flow_file), "--json", "--limit", "2") == 0
    assert [r["run"] for r in json.loads(capsys.readouterr().out)] == [3, 2]


def test_runs_unknown_flow_exit_2(store, ids, capsys):
    assert wb(store, "runs", "Nope") == 2
    err = capsys.readouterr().err
    assert f"no runs of flow 'Nope' in {store.root}" in err
    assert len(err.strip().splitlines()) == 1


def test_runs_missing_store_exit_2(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["runs", "TrainFlow", "--store", str(missing)]) == 2
    assert f"no store at {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_runs_bad_limit_and_missing_file(store, ids, capsys, tmp_path):
    assert wb(store, "runs", "TrainFlow", "--limit", "-1") == 2
    assert wb(store, "runs", str(tmp_path / "missing_flow.py")) == 2
    err = capsys.readouterr().err
    assert "--limit -1" in err and "missing_flow.py" in err


# ------------------------------------------------------------------------------------- show


def test_show_run(store, ids, capsys):
    assert wb(store, "show", "TrainFlow/1") == 0
    out = capsys.readouterr().out
    assert "TrainFlow/1" in out and "✔ succeeded" in out and "alpha=0.5" in out
    rows = [ln.split("│")[1].strip() for ln in out.splitlines() if ln.startswith("│")]
    assert rows == ["start", "train", "end"]  # execution order, not alphabetical


def test_show_run_json(store, ids, capsys):
    assert wb(store, "show", "TrainFlow/3", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["pathspec"] == "TrainFlow/3" and doc["kind"] == "spin"
    assert doc["origin_run"] == 1 and doc["status"] == "succeeded"
    assert [t["step"] for t in doc["tasks"]] == ["start", "train"]
    assert {"pathspec", "task_id", "status", "split_index", "exception"} <= set(doc["tasks"][0])


def test_show_step(store, ids, capsys):
    assert wb(store, "show", "TrainFlow/1/train") == 0
    out = capsys.readouterr().out
    assert "TrainFlow/1/train" in out and "2 task(s)" in out
    assert wb(store, "show", "TrainFlow/1/train", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["step"] == "train" and doc["run"] == 1
    assert [t["split_index"] for t in doc["tasks"]] == [0, 1]
    assert [t["task_id"] for t in doc["tasks"]] == list(reversed(ids["train1"]))


def test_show_failed_step_and_task(store, ids, capsys):
    assert wb(store, "show", "TrainFlow/2/start") == 0
    out = capsys.readouterr().out
    assert "✘ failed" in out and "ValueError: [red]bad[/]" in out and "more" not in out
    assert wb(store, "show", f"TrainFlow/2/start/{ids['start2']}") == 0
    out = capsys.readouterr().out
    assert "ValueError: [red]bad[/]" in out and "Traceback (most recent call last)" in out
    assert "no artifacts" in out


def test_show_task_artifacts_are_safe_text(store, ids, capsys):
    assert wb(store, "show", f"TrainFlow/1/start/{ids['start1']}") == 0
    out = capsys.readouterr().out
    assert "alpha" in out and "float" in out and "label" in out and "str" in out
    assert "[bold red]x[/]" in out  # printed literally, never interpreted as markup
    assert "\x1b[31m" not in out and "\\x1b[31m" in out
    assert " B" in out  # sizes via format_size


def test_show_task_json(store, ids, capsys):
    tid = ids["start1"]
    assert wb(store, "show", f"TrainFlow/1/start/{tid}", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["pathspec"] == f"TrainFlow/1/start/{tid}" and doc["status"] == "succeeded"
    assert doc["task_id"] == tid and doc["flow"] == "TrainFlow" and doc["run"] == 1
    assert [a["name"] for a in doc["artifacts"]] == ["alpha", "label"]
    alpha = doc["artifacts"][0]
    assert set(alpha) == {"name", "type", "size", "summary", "sha"}
    assert alpha["type"] == "float" and alpha["summary"] == "0.5" and len(alpha["sha"]) == 64


@pytest.mark.parametrize("spec", ["TrainFlow", "TrainFlow/x", "TrainFlow/1/start/abc",
                                  "a/1/b/2/c", "TrainFlow//start", ""])
def test_show_bad_pathspec_exit_2(store, ids, capsys, spec):
    assert wb(store, "show", spec) == 2
    err = capsys.readouterr().err
    assert "expected Flow/run, Flow/run/step or Flow/run/step/task" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("spec, message", [
    ("TrainFlow/99", "run TrainFlow/99 not found"),
    ("Nope/1", "run Nope/1 not found"),
    ("TrainFlow/1/nope", "step TrainFlow/1/nope not found"),
    ("TrainFlow/1/end/999999", "task TrainFlow/1/end/999999 not found"),
])
def test_show_unknown_exit_2(store, ids, capsys, spec, message):
    assert wb(store, "show", spec) == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------------------------------------------- logs


def test_logs_task(store, ids, capsys):
    spec = f"TrainFlow/1/start/{ids['start1']}"
    assert wb(store, "logs", spec) == 0
    assert capsys.readouterr().out == "hello from start\ncareful\n"
    assert wb(store, "logs", spec, "--stdout") == 0
    assert capsys.readouterr().out == "hello from start\n"
    assert wb(store, "logs", spec, "--stderr") == 0
    assert capsys.readouterr().out == "careful\n"


def test_logs_single_task_step_has_no_header(store, ids, capsys):
    assert wb(store, "logs", "TrainFlow/1/start") == 0
    assert capsys.readouterr().out == "hello from start\ncareful\n"


def test_logs_step_with_several_tasks(store, ids, capsys):
    assert wb(store, "logs", "TrainFlow/1/train") == 0
    out = capsys.readouterr().out
    t1, t0 = ids["train1"]
    assert out == (f"==> TrainFlow/1/train/{t0} (split 0) succeeded <==\nsplit 0\n"
                   f"==> TrainFlow/1/train/{t1} (split 1) succeeded <==\nsplit 1\n")


def test_logs_control_characters_are_escaped(store, ids, capsys):
    assert wb(store, "logs", "TrainFlow/2/start") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert out == "evil \\x1b[2J escape\nprogress\ndone\n"


def test_logs_cloned_task_shows_source_log(store, ids, capsys):
    assert wb(store, "logs", "TrainFlow/3/start", "--stdout") == 0
    assert capsys.readouterr().out == "hello from start\n"


@pytest.mark.parametrize("spec", ["TrainFlow/1", "TrainFlow", "TrainFlow/1/start/x"])
def test_logs_bad_pathspec_exit_2(store, ids, capsys, spec):
    assert wb(store, "logs", spec) == 2
    assert "expected Flow/run/step/task or Flow/run/step" in capsys.readouterr().err
