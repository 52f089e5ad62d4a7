"""Catalog support for gc and status: delete_runs, referenced_keys, clone_links, steps_seen."""
from __future__ import annotations

import sqlite3

from workbench.store import Store


def _task(store: Store, run_id: int, step: str, **values) -> int:
    tid = store.catalog.create_task(run_id, step)
    rows = []
    for name, value in values.items():
        info = store.blobs.put(value, name)
        rows.append((name, info.key, info.type_name, info.size, info.summary))
    store.catalog.finish_task(tid, status="succeeded", artifacts=rows)
    return tid


def test_delete_runs_removes_rows_in_one_go(store: Store) -> None:
    cat = store.catalog
    r1 = cat.create_run("F", flow_file="f.py")
    t1 = _task(store, r1.id, "start", x=1, y="shared")
    r2 = cat.create_run("F", "spin", flow_file="f.py", origin_run=1)
    clone = cat.clone_task(t1, r2.id)
    t2 = _task(store, r2.id, "train", z=[1, 2, 3], y="shared")
    other = cat.create_run("G", flow_file="g.py")
    _task(store, other.id, "start", w=2.5)

    assert cat.clone_sources("F") == {(r2.id, r1.id)}
    assert cat.clone_sources("G") == set()
    keys_before = cat.referenced_keys()
    assert len(keys_before) == 4  # x, y (shared by both runs), z, w

    assert cat.delete_runs([r2.id]) == sorted([clone, t2])
    assert cat.get_run("F", 2) is None and cat.get_task(t2) is None
    assert cat.list_artifacts(clone) == [] and cat.list_artifacts(t2) == []
    assert cat.get_run("F", 1) is not None and len(cat.list_artifacts(t1)) == 2
    z_key = store.blobs.put([1, 2, 3]).key
    assert cat.referenced_keys() == keys_before - {z_key}
    assert cat.task_ids() == {t1} | {t.id for t in cat.list_tasks(other.id)}
    assert cat.delete_runs([]) == []
    raw = sqlite3.connect(cat.path)  # no dangling rows
    assert raw.execute("SELECT COUNT(*) FROM artifacts WHERE task_id NOT IN "
                       "(SELECT id FROM tasks)").fetchone()[0] == 0
    raw.close()


def test_steps_seen_and_running_runs(store: Store) -> None:
    cat = store.catalog
    r1 = cat.create_run("F", flow_file="f.py")
    _task(store, r1.id, "start")
    assert [r.id for r in cat.running_runs()] == [r1.id]
    cat.finish_run(r1.id, "succeeded")
    r2 = cat.create_run("F", flow_file="f.py")
    _task(store, r2.id, "start")
    _task(store, r2.id, "extra")
    cat.finish_run(r2.id, "failed")
    assert cat.running_runs() == []
    assert cat.steps_seen("F") == {"start", "extra"}
    assert cat.steps_seen("F", max_number=1) == {"start"}
    assert cat.steps_seen("G") == set()


def test_delete_runs_repoints_clone_chains_and_origins(store: Store) -> None:
    cat = store.catalog
    r1 = cat.create_run("F", flow_file="f.py")
    start = _task(store, r1.id, "start", x=1)
    r2 = cat.create_run("F", "spin", flow_file="f.py", origin_run=1)
    start_2 = cat.clone_task(start, r2.id)
    train_2 = _task(store, r2.id, "train", y=2)
    r3 = cat.create_run("F", "spin", flow_file="f.py", origin_run=2)
    start_3 = cat.clone_task(start_2, r3.id)  # a clone of a clone
    r4 = cat.create_run("F", "spin", flow_file="f.py", origin_run=2)
    train_4 = cat.clone_task(train_2, r4.id)  # a clone of a task that ran in r2
    # chains resolve to the run where the task executed
    assert cat.clone_sources("F") == {(r2.id, r1.id), (r3.id, r1.id), (r4.id, r2.id)}

    assert cat.delete_runs([r2.id]) == sorted([start_2, train_2])
    assert cat.get_task(start_3).cloned_from == start  # past the deleted clone
    assert cat.get_task(train_4).cloned_from is None  # its source is gone
    assert cat.get_run("F", 3).origin_run == 1 and cat.get_run("F", 4).origin_run == 1
    assert cat.get_run("F", 1).origin_run is None


def test_delete_many_runs(store: Store) -> None:
    cat = store.catalog
    ids = [cat.create_run("F", "spin", flow_file="f.py").id for _ in range(600)]
    keep = cat.create_run("F", flow_file="f.py")
    tasks = [_task(store, rid, "start") for rid in ids[:3]]
    assert cat.delete_runs(ids) == tasks
    assert [r.id for r in cat.list_runs("F")] == [keep.id]
