"""workbench.compat.metaflow: Metaflow's client semantics over the store (what ``from metaflow
import Flow`` gives inside a run)."""
from __future__ import annotations

from pathlib import Path

import pytest

import workbench.client as client_module
from workbench.compat import metaflow as mf
from workbench.compat.metaflow.exception import (MetaflowException, MetaflowInvalidPathspec,
                                                 MetaflowNamespaceMismatch, MetaflowNotFound,
                                                 MetaflowTaggingError)


@pytest.fixture(autouse=True)
def as_alice(monkeypatch, store):
    monkeypatch.setenv("METAFLOW_USER", "alice")
    mf.default_namespace()
    yield
    mf.default_namespace()


def _finished_run(builder, flow="TrainFlow", user="alice", kind="run", **kw):
    run = builder.run(flow, kind=kind, user=user, **kw)
    start = builder.task(run, "start", {"x": 1}, stdout="hello\n")
    builder.task(run, "end", {"x": 1, "model": "m"}, inputs=(start,))
    builder.finish(run)
    return run


def test_errors_have_metaflows_classes(builder):
    _finished_run(builder)
    with pytest.raises(MetaflowNotFound):
        mf.Flow("NoSuchFlow")
    with pytest.raises(MetaflowInvalidPathspec):
        mf.Run("TrainFlow")
    run = mf.Flow("TrainFlow").latest_run
    with pytest.raises(KeyError):
        run["nope"]
    task = run["end"].task
    with pytest.raises(KeyError):
        task["nope"]
    with pytest.raises(AttributeError):
        task.data.nope
    assert issubclass(MetaflowNotFound, MetaflowException)
    assert MetaflowNotFound is client_module.MetaflowNotFound
    from workbench.flow import metaflow_exception  # what `metaflow.exception` is in a run

    assert metaflow_exception.MetaflowNotFound is MetaflowNotFound
    assert metaflow_exception.MetaflowNamespaceMismatch is MetaflowNamespaceMismatch


def test_namespaces_follow_the_user_who_ran(builder):
    mine = _finished_run(builder)
    theirs = _finished_run(builder, user="bob", tags=("shared",))
    assert mf.get_namespace() == "user:alice"
    assert [r.id for r in mf.Flow("TrainFlow")] == [str(mine.number)]
    with pytest.raises(MetaflowNamespaceMismatch, match="user:alice"):
        mf.Run(f"TrainFlow/{theirs.number}")
    with pytest.raises(MetaflowNamespaceMismatch):
        mf.Flow("TrainFlow")[theirs.number]
    mf.namespace("user:bob")
    assert mf.Flow("TrainFlow").latest_run.id == str(theirs.number)
    mf.namespace("shared")  # any tag is a namespace
    assert [r.id for r in mf.Flow("TrainFlow")] == [str(theirs.number)]
    assert mf.namespace(None) is None
    assert [r.id for r in mf.Flow("TrainFlow")] == [str(theirs.number), str(mine.number)]
    only_bob = _finished_run(builder, flow="BobsFlow", user="bob")
    mf.default_namespace()
    assert [f.id for f in mf.Metaflow().flows] == ["TrainFlow"]
    with pytest.raises(MetaflowNamespaceMismatch):
        mf.Flow("BobsFlow")
    assert str(mf.Metaflow()) == "Metaflow()" and only_bob.number == 1


def test_tags_include_system_tags_and_can_change(builder):
    _finished_run(builder, tags=("exp",))
    run = mf.Flow("TrainFlow").latest_run
    assert run.tags == {"exp", "user:alice", "runtime:dev"}
    assert run.user_tags == {"exp"} and run.system_tags == {"user:alice", "runtime:dev"}
    assert [r.id for r in mf.Flow("TrainFlow").runs("exp", "user:alice")] == [run.id]
    assert list(mf.Flow("TrainFlow").runs("other")) == []
    run.add_tag("best")
    run.replace_tag("exp", "exp2")
    assert mf.Run(run.pathspec).user_tags == {"best", "exp2"}
    run.remove_tags(["best"])
    assert run["end"].task.tags == {"exp2", "user:alice", "runtime:dev"}
    with pytest.raises(MetaflowTaggingError):
        run.remove_tag("user:alice")


def test_runs_successful_by_their_end_task_and_spins_hidden(builder):
    good = _finished_run(builder)
    failed = builder.run("TrainFlow", user="alice")
    builder.task(failed, "start", {"x": 2}, status="failed", exception="ValueError: bad",
                 traceback="Traceback (most recent call last):\nValueError: bad\n")
    builder.finish(failed, "failed")
    spin = builder.run("TrainFlow", kind="spin", user="alice", origin_run=good.number)
    builder.task(spin, "end", {"x": 3})
    builder.finish(spin)
    flow = mf.Flow("TrainFlow")
    assert [r.id for r in flow] == [str(failed.number), str(good.number)]  # no spin
    assert flow.latest_run.id == str(failed.number) and not flow.latest_run.successful
    assert not flow.latest_run.finished and flow.latest_run.data is None
    best = flow.latest_successful_run
    assert best.id == str(good.number) and best.successful and best.finished
    assert best.data.model == "m" and best.end_task.pathspec.endswith("/end/" + best.end_task.id)
    assert best.finished_at == best.end_task.finished_at
    assert mf.Run(f"TrainFlow/{spin.number}").data.x == 3  # read directly, it is there


def test_task_exception_is_a_wrapper_like_metaflows(builder):
    run = builder.run("TrainFlow", user="alice")
    ok = builder.task(run, "start", {"x": 1})
    bad = builder.task(run, "end", status="failed", exception="ValueError: bad value",
                       traceback="Traceback (most recent call last):\n  ...\nValueError: bad value\n")
    builder.finish(run, "failed")
    task = mf.Task(f"TrainFlow/{run.number}/end/{bad}")
    exc = task.exception
    assert type(exc).__name__ == "MetaflowExceptionWrapper"
    assert exc.type == "builtins.ValueError" and exc.exception == "bad value"
    assert str(exc).startswith("Traceback") and not task.successful and not task.finished
    assert mf.Task(f"TrainFlow/{run.number}/start/{ok}").exception is None


def test_task_logs_are_the_latest_attempts(builder):
    run = builder.run("TrainFlow", user="alice")
    tid = builder.task(run, "start", {"seen": 1}, attempt=1,
                       stdout="attempt 0\n--- attempt 1 ---\nattempt 1\n")
    task = mf.Task(f"TrainFlow/{run.number}/start/{tid}")
    assert task.stdout == "attempt 1\n" and task.current_attempt == 1
    assert client_module.Task(task.pathspec).stdout.startswith("attempt 0")  # all kept
    with pytest.raises(MetaflowNotFound, match="latest attempt"):
        mf.Task(task.pathspec, attempt=0)
    assert mf.Task(task.pathspec, attempt=1).data.seen == 1


def test_navigation_gives_metaflow_objects(builder):
    run = builder.run("TrainFlow", user="alice")
    start = builder.task(run, "start", {"xs": [1, 2]})
    bodies = [builder.task(run, "body", {"x": i}, split_index=i, inputs=(start,))
              for i in (0, 1)]
    builder.task(run, "end", {"total": 3}, inputs=tuple(bodies))
    builder.finish(run)
    r = mf.Flow("TrainFlow").latest_run
    assert isinstance(r, mf.Run) and isinstance(r["body"], mf.Step)
    assert [s.id for s in r] == ["end", "body", "start"]  # newest first, as Metaflow
    tasks = r["body"].tasks()
    assert all(isinstance(t, mf.Task) for t in tasks) and {t.index for t in tasks} == {0, 1}
    assert r["start"].task.index is None and isinstance(r["start"].task.data, mf.MetaflowData)
    art = r["end"].task["total"]
    assert isinstance(art, mf.DataArtifact) and art.data == 3 and len(art.sha) == 64
    assert art.created_at == art.finished_at == r["end"].task.finished_at
    assert r["end"].task.artifacts.total.data == 3 and r["end"].task.data.total == 3
    assert art.parent.parent.parent == r and r.parent.id == "TrainFlow"
    assert mf.DataArtifact(art.pathspec).data == 3


def test_metadata_chooses_the_store(builder, store, tmp_path: Path):
    _finished_run(builder)
    project = tmp_path / "project"
    (project / ".workbench").mkdir(parents=True)
    try:
        assert mf.metadata(f"local@{store.root}") == f"local@{store.root}"
        assert mf.get_metadata() == f"local@{store.root}"
        assert mf.metadata(str(project)) == f"local@{project / '.workbench'}"
        with pytest.raises(MetaflowException, match="local stores only"):
            mf.metadata("service@https://metadata.example.com")
        assert mf.default_metadata().startswith("local@")
    finally:
        client_module.set_store(store.root)
