"""Catalog over real SQLite files, with real processes."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from workbench.store import (
    SCHEMA_VERSION,
    STALE_AFTER,
    ArtifactRecord,
    Catalog,
    CorruptStoreError,
    SchemaTooNewError,
    StoreError,
)


@pytest.fixture
def cat(tmp_path: Path) -> Catalog:
    c = Catalog(tmp_path / "catalog.sqlite")
    yield c
    c.close()


def test_schema_and_wal(cat: Catalog) -> None:
    assert cat.schema_version() == SCHEMA_VERSION
    raw = sqlite3.connect(cat.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "tasks", "artifacts"} <= tables
    raw.close()


def test_runs_crud(cat: Catalog) -> None:
    r1 = cat.create_run("Flow", flow_file="/x/flow.py", parameters={"alpha": 0.5}, tags=["t"])
    assert (r1.flow, r1.number, r1.kind, r1.status) == ("Flow", 1, "run", "running")
    assert r1.parameters == {"alpha": 0.5} and r1.tags == ("t",)
    assert r1.pid == os.getpid() and r1.host and r1.heartbeat_at
    assert r1.pathspec == "Flow/1" and not r1.finished and r1.duration >= 0
    r2 = cat.create_run(
        "Flow", "spin", flow_file="/x/flow.py", origin_run=1, spun_step="train",
        overrides={"lr": 0.1}, code_hash="abc", user="me",
    )
    assert r2.number == 2 and r2.kind == "spin" and r2.origin_run == 1
    assert r2.spun_step == "train" and r2.overrides == {"lr": 0.1} and r2.user == "me"
    other = cat.create_run("Other", flow_file="/x/other.py")
    assert other.number == 1

    cat.finish_run(r1.id, "succeeded")
    cat.update_run(r2.id, parameters={"alpha": 1}, tags=("a", "b"))
    done = cat.get_run("Flow", 1)
    assert done.status == "succeeded" and done.finished and done.successful
    assert done.finished_at >= done.started_at
    assert cat.get_run_by_id(r2.id).parameters == {"alpha": 1}
    assert cat.get_run_by_id(r2.id).tags == ("a", "b")

    assert cat.list_flows() == ["Flow", "Other"]
    assert [r.number for r in cat.list_runs("Flow")] == [2, 1]
    assert [r.number for r in cat.list_runs("Flow", limit=1)] == [2]
    assert cat.count_runs("Flow") == 2 and cat.count_runs("Nope") == 0
    assert cat.latest_run("Flow").number == 2
    assert cat.latest_run("Flow", successful=True).number == 1
    assert cat.latest_run("Flow", kind="spin").number == 2
    assert cat.latest_run("Flow", kind=("run", "resume")).number == 1
    assert cat.get_run("Flow", 99) is None and cat.latest_run("Nope") is None

    with pytest.raises(ValueError):
        cat.create_run("Flow", "bogus", flow_file="f.py")
    with pytest.raises(ValueError):
        cat.update_run(r1.id, number=5)
    with pytest.raises(StoreError, match="not found"):
        cat.finish_run(12345, "failed")


def test_tasks_and_artifacts(cat: Catalog) -> None:
    run = cat.create_run("Flow", flow_file="f.py")
    start = cat.create_task(run.id, "start", source_hash="h1")
    body = [
        cat.create_task(
            run.id, "body", split_index=i, foreach_stack=[(i, 2)], input_task_ids=[start]
        )
        for i in (1, 0)
    ]
    pending = cat.create_task(run.id, "end", status="pending")
    t = cat.get_task(start)
    assert t.pathspec == f"Flow/1/start/{start}" and t.status == "running"
    assert t.flow == "Flow" and t.run_number == 1 and t.source_hash == "h1"
    assert cat.get_task(pending).started_at is None

    cat.finish_task(
        start,
        status="succeeded",
        artifacts=[
            ArtifactRecord(0, "x", "k" * 64, "int", 10, "1"),
            ("df", "d" * 64, "pandas.DataFrame", 1000, "DataFrame 1x1: a int64"),
        ],
        transition={"next": ["body"], "foreach": "items", "num_splits": 2},
        stdout_bytes=12,
        log_truncated=True,
    )
    cat.finish_task(
        body[0], status="failed", exception="ValueError: bad", traceback="Traceback...\n"
    )
    t = cat.get_task(start)
    assert t.successful and t.finished and t.duration >= 0
    assert t.transition == {"next": ["body"], "foreach": "items", "num_splits": 2}
    assert t.stdout_bytes == 12 and t.log_truncated is True
    failed = cat.get_task(body[0])
    assert failed.status == "failed" and failed.exception == "ValueError: bad"
    assert failed.foreach_stack == ((1, 2),) and failed.input_task_ids == (start,)

    arts = cat.list_artifacts(start)
    assert [a.name for a in arts] == ["df", "x"]
    assert arts[1] == ArtifactRecord(start, "x", "k" * 64, "int", 10, "1")
    assert cat.get_artifact(start, "df").size == 1000
    assert cat.get_artifact(start, "nope") is None

    listed = cat.list_tasks(run.id)
    assert [(x.step, x.split_index) for x in listed] == [
        ("body", 0), ("body", 1), ("end", None), ("start", None)
    ]
    assert [x.id for x in cat.list_tasks(run.id, step="body")] == [body[1], body[0]]

    cat.update_task(pending, status="running", attempt=1, input_task_ids=body)
    assert cat.get_task(pending).attempt == 1
    assert cat.get_task(pending).input_task_ids == tuple(body)

    spin = cat.create_run("Flow", "spin", flow_file="f.py", origin_run=1)
    clone = cat.clone_task(start, spin.id)
    c = cat.get_task(clone)
    assert c.cloned_from == start and c.run_id == spin.id and c.pathspec.startswith("Flow/2/")
    assert c.status == "succeeded" and c.transition == t.transition
    assert [(a.name, a.key) for a in cat.list_artifacts(clone)] == [
        ("df", "d" * 64), ("x", "k" * 64)
    ]
    assert all(a.task_id == clone for a in cat.list_artifacts(clone))
    with pytest.raises(StoreError, match="not found"):
        cat.clone_task(99999, spin.id)
    assert cat.get_task(99999) is None


def test_many_artifacts_list_fast(cat: Catalog) -> None:
    run = cat.create_run("Flow", flow_file="f.py")
    tid = cat.create_task(run.id, "start")
    arts = [(f"a{i:05d}", f"{i:064x}", "int", 28, str(i)) for i in range(10_000)]
    cat.finish_task(tid, status="succeeded", artifacts=arts)
    t0 = time.perf_counter()
    listed = cat.list_artifacts(tid)
    elapsed = time.perf_counter() - t0
    assert len(listed) == 10_000 and listed[0].name == "a00000" and listed[-1].name == "a09999"
    assert elapsed < 0.5


def _make_runs(path: str, n: int, queue) -> None:
    cat = Catalog(path)
    queue.put([cat.create_run("Race", flow_file="f.py").number for _ in range(n)])


def test_run_numbers_never_collide_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "catalog.sqlite")
    Catalog(path).schema_version()  # create it
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_make_runs, args=(path, 50, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    numbers = queue.get(timeout=60) + queue.get(timeout=60)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sorted(numbers) == list(range(1, 101))
    assert Catalog(path).count_runs("Race") == 100


def test_forked_child_reopens_connection(cat: Catalog) -> None:
    run = cat.create_run("Flow", flow_file="f.py")  # parent connection open
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=lambda: cat.create_task(run.id, "start"))
    p.start()
    p.join(timeout=30)
    assert p.exitcode == 0
    cat.create_task(run.id, "end")  # parent connection still fine
    assert [t.step for t in cat.list_tasks(run.id)] == ["end", "start"]


def test_threads_share_catalog(cat: Catalog) -> None:
    run = cat.create_run("Flow", flow_file="f.py")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(30):
                cat.create_task(run.id, "s")
                cat.list_tasks(run.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert len(cat.list_tasks(run.id)) == 120


def test_schema_too_new(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(SchemaTooNewError) as err:
        Catalog(path).list_flows()
    assert str(err.value) == (
        f"store {path} was written by a newer workbench "
        f"(schema {SCHEMA_VERSION + 1} > {SCHEMA_VERSION}); upgrade workbench"
    )


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    path.write_bytes(b"this is not sqlite at all, just some text " * 50)
    with pytest.raises(CorruptStoreError) as err:
        Catalog(path).list_flows()
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_truncated_database(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    cat = Catalog(path)
    run = cat.create_run("Flow", flow_file="f.py")
    tid = cat.create_task(run.id, "start")
    cat.finish_task(
        tid, status="succeeded",
        artifacts=[(f"a{i}", f"{i:064x}", "str", 1, "x" * 150) for i in range(3000)],
    )
    cat.close()  # checkpoints the WAL into the main file
    size = path.stat().st_size
    assert size > 100_000
    with open(path, "r+b") as f:
        f.truncate(size // 3)
    with pytest.raises(CorruptStoreError, match=str(path)):
        c2 = Catalog(path)
        c2.list_artifacts(tid)
        c2.list_runs("Flow")
        c2.list_tasks(run.id)


def test_crashed_run_created_by_dead_child(cat: Catalog) -> None:
    def child() -> None:
        run = cat.create_run("Flow", flow_file="f.py")
        cat.create_task(run.id, "start")
        os._exit(0)  # dies without finishing

    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=child)
    p.start()
    p.join(timeout=30)
    run = cat.get_run("Flow", 1)
    assert run.status == "crashed" and run.finished and run.finished_at is not None
    (task,) = cat.list_tasks(run.id)
    assert task.status == "crashed"

    # stored status is still running until reaped
    raw = sqlite3.connect(cat.path)
    assert raw.execute("SELECT status FROM runs").fetchone()[0] == "running"
    reaped = cat.reap_crashed()
    assert [r.number for r in reaped] == [1]
    assert raw.execute("SELECT status FROM runs").fetchone()[0] == "crashed"
    assert raw.execute("SELECT status FROM tasks").fetchone()[0] == "crashed"
    raw.close()
    assert cat.reap_crashed() == []


def test_live_run_is_not_crashed_but_stale_heartbeat_is(cat: Catalog) -> None:
    run = cat.create_run("Flow", flow_file="f.py")
    assert cat.get_run_by_id(run.id).status == "running"
    assert cat.reap_crashed("Flow") == []
    cat.heartbeat(run.id)
    cat.update_run(run.id, heartbeat_at=time.time() - STALE_AFTER - 1)
    # on its own host a live process is running whatever its heartbeat (paused, blocked)
    assert cat.get_run_by_id(run.id).status == "running"
    # elsewhere only the heartbeat can tell
    cat.update_run(run.id, host="another-host")
    assert cat.get_run_by_id(run.id).status == "crashed"
    assert cat.reap_crashed("Other") == []
    assert [r.id for r in cat.reap_crashed("Flow")] == [run.id]


def test_an_older_store_is_upgraded_in_place(tmp_path: Path) -> None:
    from workbench.store.catalog import MIGRATIONS

    path = tmp_path / "catalog.sqlite"
    raw = sqlite3.connect(path)
    for stmts in MIGRATIONS[:2]:  # a store written before runs kept their flow file's text
        for stmt in stmts:
            raw.execute(stmt)
    raw.execute("INSERT INTO runs (flow, number, kind, status, flow_file, started_at)"
                " VALUES ('F', 1, 'run', 'succeeded', 'f.py', 1.0)")
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()
    cat = Catalog(path)
    old = cat.get_run("F", 1)
    assert old is not None and old.source_key is None and cat.source_text(None) is None
    assert cat.schema_version() == SCHEMA_VERSION
    new = cat.create_run("F", flow_file="f.py", source_text="class F: ...\n")
    assert new.number == 2 and cat.source_text(new.source_key) == "class F: ...\n"
    cat.close()
