"""A real store filled through the store API (Catalog, BlobStore, logs) for client tests."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import workbench.client as client_module
from workbench.store import RunRecord, Store


class Builder:
    """Writes runs and tasks the way the runtime does, without running anything."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.catalog = store.catalog

    def run(self, flow: str = "TrainFlow", kind: str = "run", **kw: Any) -> RunRecord:
        kw.setdefault("flow_file", "/src/train_flow.py")
        return self.catalog.create_run(flow, kind, **kw)

    def task(self, run: RunRecord, step: str, artifacts: dict[str, Any] | None = None, *,
             status: str = "succeeded", split_index: int | None = None,
             exception: str | None = None, traceback: str | None = None,
             stdout: str = "", stderr: str = "", inputs: tuple[int, ...] = (),
             attempt: int = 0) -> int:
        tid = self.catalog.create_task(run.id, step, split_index=split_index,
                                       input_task_ids=inputs, attempt=attempt)
        for stream, text in (("stdout", stdout), ("stderr", stderr)):
            if text:
                self.store.log_path(tid, stream).write_text(text)
        if status == "running":
            return tid
        rows = []
        for name, value in (artifacts or {}).items():
            info = self.store.blobs.put(value, name)
            rows.append((name, info.key, info.type_name, info.size, info.summary))
        self.catalog.finish_task(tid, status=status, artifacts=rows, exception=exception,
                                 traceback=traceback, stdout_bytes=len(stdout),
                                 stderr_bytes=len(stderr))
        return tid

    def finish(self, run: RunRecord, status: str = "succeeded") -> None:
        self.catalog.finish_run(run.id, status)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "store")
    client_module.set_store(s.root)
    yield s
    client_module.set_store(None)
    s.close()


@pytest.fixture
def builder(store: Store) -> Builder:
    return Builder(store)


@pytest.fixture
def history(builder: Builder) -> dict[str, Any]:
    """TrainFlow: run 1 succeeded (foreach of 3), run 2 failed in train, run 3 spins train <- 1.

    Returns the task ids by name.
    """
    ids: dict[str, Any] = {}
    r1 = builder.run(parameters={"alpha": 0.5, "label": "[bold]x"}, tags=["nightly"])
    ids["start1"] = s = builder.task(r1, "start", {"alpha": 0.5, "rows": [1, 2, 3]},
                                     stdout="starting\n", stderr="warn: careful\n")
    ids["train1"] = []
    for i in (2, 0, 1):  # created out of order: tasks() still orders by split index
        ids["train1"].append(builder.task(r1, "train", {"model": i * 10, "i": i}, split_index=i,
                                          inputs=(s,), stdout=f"training split {i}\n"))
        time.sleep(0.002)
    ids["join1"] = j = builder.task(r1, "join", {"best": 20}, inputs=tuple(ids["train1"]))
    ids["end1"] = builder.task(r1, "end", {"result": "done", "best": 20}, inputs=(j,))
    builder.finish(r1)

    r2 = builder.run(parameters={"alpha": 2.0})
    builder.task(r2, "start", {"alpha": 2.0})
    ids["train2"] = builder.task(
        r2, "train", {}, status="failed", split_index=0,
        exception="ValueError: alpha too big\nsecond line", traceback="Traceback...\nValueError")
    builder.finish(r2, "failed")

    r3 = builder.run(kind="spin", parameters={"alpha": 0.5}, origin_run=1, spun_step="train",
                     tags=["nightly", "spin"])
    ids["start3"] = builder.catalog.clone_task(ids["start1"], r3.id)
    ids["train3"] = builder.task(r3, "train", {"model": 99}, split_index=0,
                                 inputs=(ids["start3"],))
    builder.finish(r3)
    ids["runs"] = (r1, r2, r3)
    return ids
