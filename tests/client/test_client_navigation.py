"""Navigating a real store with the client: Flow -> Run -> Step -> Task -> artifacts."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import workbench
from workbench.client import (DataArtifact, Flow, MetaflowNotFound, Run, Step, Task,
                              get_store, set_store)
from workbench.store import StoreError


def test_package_reexports_client_names():
    assert workbench.Flow is Flow and workbench.Run is Run and workbench.Task is Task
    assert workbench.MetaflowNotFound is MetaflowNotFound
    assert workbench.set_store is set_store and workbench.get_store is get_store


def test_flow_lists_runs_newest_first(history):
    flow = Flow("TrainFlow")
    assert flow.id == flow.pathspec == "TrainFlow"
    # as in Metaflow's client, spins are kept apart: run 3 (a spin) is not listed
    assert [r.number for r in flow] == [2, 1]
    assert [r.id for r in flow] == ["2", "1"]
    assert flow.latest_run.number == 2
    assert flow.latest_successful_run.number == 1
    assert [r.number for r in flow.runs("nightly")] == [1]
    assert [r.number for r in flow.spins()] == [3]
    assert flow[1] == flow["1"] == Run("TrainFlow/1")
    assert flow[3] == Run("TrainFlow/3") and flow[3].kind == "spin"
    assert 2 in flow and 3 in flow and 7 not in flow and "x" not in flow


def test_latest_successful_run_none_when_all_failed(builder):
    run = builder.run("Other")
    builder.task(run, "start", status="failed", exception="E: x")
    builder.finish(run, "failed")
    assert Flow("Other").latest_successful_run is None
    assert Flow("Other").latest_run.status == "failed"


def test_run_attributes(history):
    run = Run("TrainFlow/1")
    assert run.pathspec == "TrainFlow/1" and run.id == "1" and run.number == 1
    assert run.kind == "run" and run.status == "succeeded"
    assert run.successful and run.finished
    assert run.parameters == {"alpha": 0.5, "label": "[bold]x"}
    assert run.tags == frozenset({"nightly"})
    assert isinstance(run.created_at, datetime) and isinstance(run.finished_at, datetime)
    assert run.finished_at >= run.created_at
    assert run.origin_run is None and run.spun_step is None
    assert [s.id for s in run] == ["start", "train", "join", "end"]
    assert "train" in run and "nope" not in run
    assert run.end_task.id == str(history["end1"])
    assert run.data.result == "done" and run.data.best == 20


def test_spin_run(history):
    run = Run("TrainFlow/3")
    assert run.kind == "spin" and run.origin_run == 1 and run.spun_step == "train"
    assert run.origin_pathspec == "TrainFlow/1"
    assert [s.id for s in run] == ["start", "train"]
    assert run.end_task is None and run.data is None
    start = run["start"].task
    assert start.id == str(history["start3"]) and start.data.rows == [1, 2, 3]
    assert start.stdout == "starting\n"  # a cloned task shows its source task's log


def test_failed_run_and_task(history):
    run = Run("TrainFlow/2")
    assert run.status == "failed" and not run.successful and run.finished
    task = run["train"].task
    assert task.status == "failed" and not task.successful and task.finished
    assert task.exception == "ValueError: alpha too big"
    assert task.traceback.startswith("Traceback")
    assert list(task.artifacts) == []


def test_step_tasks_ordered_by_split_index(history):
    step = Step("TrainFlow/1/train")
    assert step.pathspec == "TrainFlow/1/train" and step.id == "train"
    assert [t.index for t in step.tasks()] == [0, 1, 2]
    assert [t.index for t in step] == [0, 1, 2]
    assert step.task.index == 0 and step.task.data.model == 0
    assert isinstance(step.created_at, datetime) and isinstance(step.finished_at, datetime)
    t = step.tasks()[2]
    assert step[t.id] == t and int(t.id) in step


def test_task_attributes(history):
    tid = history["start1"]
    task = Task(f"TrainFlow/1/start/{tid}")
    assert task.pathspec == f"TrainFlow/1/start/{tid}" and task.id == str(tid)
    assert task.status == "succeeded" and task.successful and task.finished
    assert task.index is None and task.attempt == 0
    assert task.exception is None and task.traceback is None
    assert task.stdout == "starting\n" and task.stderr == "warn: careful\n"
    assert isinstance(task.created_at, datetime) and isinstance(task.finished_at, datetime)
    assert "alpha" in task and "nope" not in task
    assert task.data.alpha == 0.5 and task.data["rows"] == [1, 2, 3]
    assert sorted(dir(task.data)) == ["alpha", "rows"]
    assert "rows" in task.data
    assert task.run == Run("TrainFlow/1")
    child = Step("TrainFlow/1/train").task
    assert child.parent_tasks == [task]


def test_artifacts_namespace(history):
    task = Step("TrainFlow/1/start").task
    arts = task.artifacts
    assert [a.id for a in arts] == ["alpha", "rows"] and len(arts) == 2
    rows = arts.rows
    assert rows is arts["rows"] and "rows" in arts
    assert rows.type_name == "list" and rows.size > 0 and rows.summary == "[1, 2, 3]"
    assert len(rows.sha) == 64 and rows.sha == task["rows"].sha
    assert rows.pathspec == f"{task.pathspec}/rows"
    assert rows.created_at == task.finished_at
    assert rows.data == [1, 2, 3]
    assert DataArtifact(f"{task.pathspec}/alpha").data == 0.5
    # equal values share one blob
    assert task["alpha"].sha == Run("TrainFlow/3")["start"].task["alpha"].sha


@pytest.mark.parametrize("make", [
    lambda: Flow("NoSuchFlow"),
    lambda: Run("TrainFlow/99"),
    lambda: Run("NoSuchFlow/1"),
    lambda: Run("TrainFlow"),
    lambda: Run("TrainFlow/x"),
    lambda: Run("TrainFlow/1")["nope"],
    lambda: Step("TrainFlow/1/nope"),
    lambda: Step("TrainFlow/1/train")[123456],
    lambda: Task("TrainFlow/1/start/abc"),
    lambda: Task("TrainFlow/1/start/123456"),
    lambda: Flow("TrainFlow")[42],
    lambda: Step("TrainFlow/1/start").task["nope"],
    lambda: Step("TrainFlow/1/start").task.artifacts.nope,
    lambda: Step("TrainFlow/1/start").task.data.nope,
    lambda: DataArtifact("TrainFlow/1/start"),
])
def test_not_found(history, make):
    with pytest.raises(MetaflowNotFound) as info:
        make()
    message = str(info.value)
    assert "\n" not in message and "not found" in message or "no runs" in message
    assert isinstance(info.value, StoreError) and isinstance(info.value, KeyError)


def test_not_found_messages_say_what_and_where(history, store):
    with pytest.raises(MetaflowNotFound, match=r"no runs of flow 'Nope' in .*store"):
        Flow("Nope")
    with pytest.raises(MetaflowNotFound, match=r"run TrainFlow/99 not found in .*store"):
        Run("TrainFlow/99")
    with pytest.raises(MetaflowNotFound, match=r"expected a pathspec like Flow/run$"):
        Run("TrainFlow")
    t1 = history["start1"]
    # a real task id under the wrong step is not that task
    with pytest.raises(MetaflowNotFound, match=rf"task TrainFlow/1/train/{t1} not found"):
        Task(f"TrainFlow/1/train/{t1}")


def test_missing_artifact_is_attribute_error(history):
    data = Step("TrainFlow/1/start").task.data
    assert not hasattr(data, "nope")
    assert getattr(data, "nope", "default") == "default"


def test_missing_store_is_not_created(tmp_path: Path):
    missing = tmp_path / "nowhere"
    set_store(missing)
    try:
        with pytest.raises(MetaflowNotFound, match=r"no store at .*nowhere"):
            Flow("TrainFlow")
        assert not missing.exists()
    finally:
        set_store(None)


def test_store_argument_and_env(history, store, tmp_path, monkeypatch):
    set_store(None)
    monkeypatch.setenv("WORKBENCH_STORE", str(store.root))
    assert get_store().root == store.root
    assert Flow("TrainFlow").latest_run.number == 2
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "other"))
    assert Flow("TrainFlow", store=store).latest_run.number == 2
    assert Run("TrainFlow/1", store=str(store.root)).status == "succeeded"
    set_store(store)
    assert get_store() is store


def test_run_reads_live(builder, store):
    run_rec = builder.run("LiveFlow")
    run = Run("LiveFlow/1")
    assert run.status == "running" and not run.finished and run.finished_at is None
    assert list(run) == [] and run.data is None
    tid = builder.task(run_rec, "start", status="running")
    task = run["start"].task
    assert task.status == "running" and dir(task.data) == []
    store.catalog.finish_task(tid, status="succeeded",
                              artifacts=[("x", *_put(store, 41))])
    assert task.status == "succeeded" and task.data.x == 41
    end = builder.task(run_rec, "end", {"y": 1})
    builder.finish(run_rec)
    assert run.status == "succeeded" and run.finished and run.data.y == 1
    assert run.end_task.id == str(end)


def _put(store, value):
    info = store.blobs.put(value)
    return info.key, info.type_name, info.size, info.summary
