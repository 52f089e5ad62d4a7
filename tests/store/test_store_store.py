"""Store directory handling, logs, tmp cleanup, store dir resolution."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from workbench.store import Store, StoreError, resolve_store_dir


def test_creates_layout(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b" / "store"
    s = Store(root)
    for sub in ("blobs", "tmp", "logs"):
        assert (root / sub).is_dir()
    assert s.root == root and s.blobs.root == root
    assert not (root / "catalog.sqlite").exists()  # opened lazily
    s.catalog.list_flows()
    assert (root / "catalog.sqlite").exists()
    s.close()


def test_unwritable_location_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a dir")
    root = tmp_path / "afile" / "store"
    with pytest.raises(StoreError) as err:
        Store(root)
    msg = str(err.value)
    assert msg.startswith(f"cannot write store directory {root}: ") and "\n" not in msg
    assert (tmp_path / "afile").read_text() == "not a dir"


def test_no_half_state_when_parent_is_missing_then_fails(tmp_path: Path) -> None:
    root = tmp_path / "new" / "store"
    (tmp_path / "new").mkdir()
    (root).write_text("file where the store should be")
    with pytest.raises(StoreError, match="is not a directory"):
        Store(root)
    assert sorted(os.listdir(tmp_path / "new")) == ["store"]


def test_create_false_requires_existing(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        Store(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()
    Store(tmp_path / "made")
    assert Store(tmp_path / "made", create=False).root == tmp_path / "made"


def test_resolve_store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_STORE", raising=False)
    assert resolve_store_dir(None) == tmp_path / ".workbench"
    monkeypatch.setenv("WORKBENCH_STORE", "envstore")
    assert resolve_store_dir(None) == tmp_path / "envstore"
    assert resolve_store_dir("explicit") == tmp_path / "explicit"
    assert resolve_store_dir(tmp_path / "x" / ".." / "y") == tmp_path / "y"
    assert resolve_store_dir("~/s") == Path.home() / "s"
    assert Store.open().root == tmp_path / "envstore"
    assert Store.open("other").root == tmp_path / "other"


def test_logs(store: Store) -> None:
    run = store.catalog.create_run("Flow", flow_file="f.py")
    tid = store.catalog.create_task(run.id, "start")
    assert store.log_path(tid, "stdout") == store.root / "logs" / f"{tid}.stdout"
    assert store.read_log(tid, "stdout") == ""
    store.log_path(tid, "stdout").write_bytes("hello\nwörld\n".encode() + b"\xff")
    assert store.read_log(tid, "stdout") == "hello\nwörld\n\ufffd"
    assert store.read_log(tid, "stderr") == ""
    with pytest.raises(ValueError):
        store.log_path(tid, "other")
    spin = store.catalog.create_run("Flow", "spin", flow_file="f.py")
    clone = store.catalog.clone_task(tid, spin.id)
    assert store.read_log(clone, "stdout").startswith("hello")


def test_gc_tmp(store: Store) -> None:
    old = store.root / "tmp" / "old.tmp"
    new = store.root / "tmp" / "new.tmp"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    past = time.time() - 120
    os.utime(old, (past, past))
    assert store.gc_tmp() == 1
    assert not old.exists() and new.exists()
