"""gc on real runs and spins: old spins go, blobs a kept run uses never do."""
from __future__ import annotations

import os
import time

import pytest

import workbench
from workbench.store.gc import gc, plan_removal
from workbench.store import Store, StoreError, codec

FLOW = """
    from workbench import FlowSpec, step

    class G(FlowSpec):
        @step
        def start(self):
            self.base = list(range(50))
            self.next(self.train)

        @step
        def train(self):
            print("training")
            self.model = "v1"
            self.next(self.end)

        @step
        def end(self):
            self.done = True
"""


@pytest.fixture
def store(store_dir):
    s = Store(store_dir)
    yield s
    s.close()


def _spin(flow, store_dir, version: int, step: str = "train", run: int | None = None):
    text = flow.read_text()
    flow.write_text(text.replace(text[text.index('self.model = "'):].split("\n")[0],
                                 f'self.model = "v{version}"'))
    result = workbench.spin(flow, step, run=run, store=store_dir)
    assert result.successful
    return result


def _key(store: Store, value) -> str:
    """The blob key `value` is stored under (computed, nothing written)."""
    return codec.encode(value).key


def _age(path, seconds: float = 3600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def _all_referenced_blobs_exist(store: Store) -> bool:
    return all(store.blobs.exists(k) for k in store.catalog.referenced_keys())


def test_keeps_newest_spins_and_every_blob_they_use(write_flow, store_dir, store):
    flow = write_flow(FLOW)
    workbench.run(flow, store=store_dir)
    spins = [_spin(flow, store_dir, v) for v in (2, 3, 4)]
    assert [s.run.number for s in spins] == [2, 3, 4]
    v2, v3, v4 = (_key(store, f"v{v}") for v in (2, 3, 4))
    dropped_task = spins[0].task.record.id
    assert store.log_path(dropped_task, "stdout").exists()

    report = gc(store, "G", keep_spins=1, blob_grace=0)
    assert report.removed_runs == [2, 3] and report.kept_spins == [4]
    assert report.protected == [] and report.removed_tasks == 4  # start clone + train, twice
    assert [r.number for r in store.catalog.list_runs("G")] == [4, 1]
    assert not store.blobs.exists(v2) and not store.blobs.exists(v3)
    assert store.blobs.exists(v4)
    assert report.removed_blobs == 2 and report.freed_bytes > 0
    assert not store.log_path(dropped_task, "stdout").exists() and report.removed_logs >= 1
    # the kept spin cloned `start` from run 1: same keys, still there and loadable
    assert _all_referenced_blobs_exist(store)
    kept = workbench.Run("G/4", store=store)
    assert kept["start"].task.data.base == list(range(50))
    assert kept["train"].task.data.model == "v4"
    assert kept["start"].task["base"].sha == workbench.Run("G/1", store=store)[
        "start"].task["base"].sha
    assert "training" in kept["train"].task.stdout
    # clones of clones were re-pointed past the deleted spins, lineage too
    start_1 = workbench.Run("G/1", store=store)["start"].task
    assert kept["start"].task.record.cloned_from == start_1.record.id
    assert kept.origin_run == 1
    assert workbench.Run("G/1", store=store)["train"].task.data.model == "v1"
    again = gc(store, "G", keep_spins=1, blob_grace=0)  # idempotent
    assert again.removed_runs == [] and again.removed_blobs == 0


def test_a_spin_a_kept_run_cloned_from_is_protected(write_flow, store_dir, store):
    flow = write_flow(FLOW)
    workbench.run(flow, store=store_dir)
    first = _spin(flow, store_dir, 2)
    _spin(flow, store_dir, 3)
    chained = workbench.spin(flow, "end", run=first.run.number, store=store_dir)
    assert chained.successful and chained.run.origin_run == 2
    plan = plan_removal(store, "G", keep_spins=1)
    assert [r.number for r in plan[0]] == [3]
    assert [r.number for r in plan[1]] == [4] and [r.number for r in plan[2]] == [2]
    report = gc(store, "G", keep_spins=1, blob_grace=0)
    assert report.removed_runs == [3] and report.protected == [2]
    assert _all_referenced_blobs_exist(store)
    # the chained spin's `train` is a clone of run 2's: its log still reads through it
    train = workbench.Run("G/4", store=store)["train"].task
    assert train.record.cloned_from is not None and "training" in train.stdout
    assert train.data.model == "v2"


def test_newest_run_is_kept_so_numbers_are_never_reused(write_flow, store_dir, store):
    flow = write_flow(FLOW)
    workbench.run(flow, store=store_dir)
    _spin(flow, store_dir, 2)
    assert gc(store, "G", keep_spins=0, blob_grace=0).removed_runs == []
    workbench.run(flow, store=store_dir)
    report = gc(store, "G", keep_spins=0, blob_grace=0)
    assert report.removed_runs == [2] and report.kept_spins == []
    assert workbench.run(flow, store=store_dir).run.number == 4
    assert _all_referenced_blobs_exist(store)


def test_orphans_grace_crash_recovery_and_running_runs(write_flow, store_dir, store):
    flow = write_flow(FLOW)
    workbench.run(flow, store=store_dir)
    spin = _spin(flow, store_dir, 2)
    orphan = store.blobs.put({"nobody": "uses this"}).key
    stray_log = store.log_path(999_999, "stderr")
    stray_log.write_text("left by a crash")
    stray_tmp = store.root / "tmp" / "half-written.tmp"
    stray_tmp.write_bytes(b"x")
    _age(stray_tmp)

    # a crash right after the catalog transaction: rows gone, files left behind
    store.catalog.delete_runs([spin.run.record.id])
    assert store.blobs.exists(_key(store, "v2"))

    report = gc(store, "G")  # default grace: blobs written just now stay
    assert report.removed_runs == [] and report.removed_blobs == 0
    assert store.blobs.exists(orphan)
    assert not stray_log.exists() and not stray_tmp.exists()
    assert report.removed_logs >= 2 and report.removed_tmp == 1

    for key in (orphan, _key(store, "v2")):
        _age(store.blobs.path(key))
    running = store.catalog.create_run("Other", flow_file="other.py")  # alive: this process
    report = gc(store, "G")
    assert report.blob_sweep_skipped == "Other/1 is running" and report.removed_blobs == 0
    assert store.blobs.exists(orphan)

    store.catalog.finish_run(running.id, "succeeded")
    report = gc(store, "G")
    assert report.blob_sweep_skipped is None and report.removed_blobs == 2
    assert not store.blobs.exists(orphan) and not store.blobs.exists(_key(store, "v2"))
    assert _all_referenced_blobs_exist(store)


def test_dry_run_and_bad_input(write_flow, store_dir, store):
    flow = write_flow(FLOW)
    workbench.run(flow, store=store_dir)
    _spin(flow, store_dir, 2)
    _spin(flow, store_dir, 3)
    before = sorted(p.name for p in (store.root / "blobs").rglob("*") if p.is_file())
    report = gc(store, "G", keep_spins=0, dry_run=True, blob_grace=0)
    assert report.dry_run and report.removed_runs == [2] and report.removed_tasks == 2
    assert [r.number for r in store.catalog.list_runs("G")] == [3, 2, 1]
    assert sorted(p.name for p in (store.root / "blobs").rglob("*") if p.is_file()) == before
    doc = report.to_json()
    assert doc["removed_runs"] == [2] and doc["dry_run"] is True
    with pytest.raises(StoreError, match="no runs of flow 'Nope'"):
        gc(store, "Nope")
    with pytest.raises(ValueError, match="keep_spins"):
        gc(store, "G", keep_spins=-1)
