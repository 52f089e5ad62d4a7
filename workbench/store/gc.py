"""Garbage collection: drop old spin runs, then the files nothing references any more.

What is kept: every run that is not a spin, the newest `keep_spins` spins, running spins,
the flow's newest run (so a run number is never handed out twice), and, transitively, any
spin in which a task executed that a kept run holds a clone of (a clone's log is read
through its source task). Clones of clones do not pin the runs in between: chained spins
clone their upstream tasks from the previous spin, and deleting it re-points the clones to
the task that actually ran (`Catalog.delete_runs`), as it re-points ``origin_run``.

Crash-safe order: the catalog rows of the dropped runs go in one transaction; only then are
files removed (logs of deleted tasks, blobs no artifact row of any flow references, stale
temp files). A crash in between leaves orphan files only, which the next gc removes: the
blob and log sweeps look at what exists on disk, not at what this gc deleted.

Blobs newer than `blob_grace` seconds are never removed (a task may have written one whose
artifact row is not committed yet), and the blob sweep is skipped while any run of any flow
is running.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from .cards import CARDS_DIR
from .catalog import RunRecord
from .errors import StoreError
from .store import Store

KEEP_SPINS = 5  # spins kept per flow by default: enough to compare recent iterations
BLOB_GRACE = 60.0  # seconds: younger unreferenced blobs are left for a later gc

_KEY = re.compile(r"[0-9a-f]{64}")
_LOG = re.compile(r"(\d+)\.(stdout|stderr|order|json)(\.tmp|\.\d+\.tmp)?")


@dataclass
class GcReport:
    """What gc removed (or, with ``dry_run``, would remove)."""

    flow: str
    keep_spins: int
    dry_run: bool = False
    removed_runs: list[int] = field(default_factory=list)  # run numbers
    kept_spins: list[int] = field(default_factory=list)  # spin run numbers kept
    protected: list[int] = field(default_factory=list)  # old spins kept: a kept run uses them
    removed_tasks: int = 0
    removed_blobs: int = 0
    freed_bytes: int = 0
    removed_logs: int = 0
    removed_tmp: int = 0
    blob_sweep_skipped: str | None = None  # why the blob sweep did not run

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow, "keep_spins": self.keep_spins, "dry_run": self.dry_run,
            "removed_runs": self.removed_runs, "kept_spins": self.kept_spins,
            "protected": self.protected, "removed_tasks": self.removed_tasks,
            "removed_blobs": self.removed_blobs, "freed_bytes": self.freed_bytes,
            "removed_logs": self.removed_logs, "removed_tmp": self.removed_tmp,
            "blob_sweep_skipped": self.blob_sweep_skipped,
        }


def plan_removal(store: Store, flow: str, keep_spins: int = KEEP_SPINS
                 ) -> tuple[list[RunRecord], list[RunRecord], list[RunRecord]]:
    """``(remove, kept_spins, protected)``: the spin runs gc drops, the spins it keeps by
    count, and the older spins it keeps because a kept run holds clones of their tasks."""
    if keep_spins < 0:
        raise ValueError(f"keep_spins must be >= 0, not {keep_spins}")
    runs = store.catalog.list_runs(flow)  # newest first
    spins = [r for r in runs if r.kind == "spin"]
    kept_by_count = spins[:keep_spins]
    keep = {r.id for r in runs if r.kind != "spin" or r.status == "running"}
    keep |= {r.id for r in kept_by_count}
    if runs:
        keep.add(runs[0].id)
    deps: dict[int, set[int]] = {r.id: set() for r in runs}
    for run_id, source_id in store.catalog.clone_sources(flow):
        if run_id in deps and source_id != run_id:
            deps[run_id].add(source_id)
    pending = list(keep)
    while pending:
        for dep in deps.get(pending.pop(), ()):
            if dep not in keep:
                keep.add(dep)
                pending.append(dep)
    counted = {r.id for r in kept_by_count}
    remove = [r for r in spins if r.id not in keep]
    protected = [r for r in spins[keep_spins:] if r.id in keep and r.id not in counted
                 and r.status != "running" and r.id != runs[0].id]
    return remove, kept_by_count, protected


def gc(store: Store, flow: str, keep_spins: int = KEEP_SPINS, *, dry_run: bool = False,
       blob_grace: float = BLOB_GRACE) -> GcReport:
    """Remove `flow`'s spin runs beyond the newest `keep_spins`, then unreferenced blobs,
    orphan logs and stale temp files of the whole store. Returns what was removed."""
    store.blobs.check_trusted()  # never sweep through a link, or a store someone else owns
    if store.catalog.count_runs(flow) == 0:
        raise StoreError(f"no runs of flow {flow!r} in {store.root}")
    store.catalog.reap_crashed(flow)
    remove, kept, protected = plan_removal(store, flow, keep_spins)
    report = GcReport(flow, keep_spins, dry_run, sorted(r.number for r in remove),
                      sorted(r.number for r in kept), sorted(r.number for r in protected))
    if dry_run:
        report.removed_tasks = sum(len(store.catalog.list_tasks(r.id)) for r in remove)
        return report
    deleted = store.catalog.delete_runs(r.id for r in remove)  # rows first, one transaction
    report.removed_tasks = len(deleted)
    report.removed_logs = _remove_logs(store)
    running = store.catalog.running_runs()
    if running:  # a live run's tasks may have written blobs no row references yet
        report.blob_sweep_skipped = f"{running[0].pathspec} is running"
    else:
        report.removed_blobs, report.freed_bytes = _sweep_blobs(store, blob_grace)
    report.removed_tmp = store.gc_tmp()
    return report


def _remove_logs(store: Store) -> int:
    """Delete log and card files whose task row no longer exists."""
    entries = []
    for folder in ("logs", CARDS_DIR):
        try:
            entries += list(os.scandir(store.root / folder))
        except FileNotFoundError:
            pass
    if not entries:
        return 0
    live = store.catalog.task_ids()
    removed = 0
    for entry in entries:
        m = _LOG.fullmatch(entry.name)
        if m and int(m.group(1)) not in live:
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


def _sweep_blobs(store: Store, grace: float) -> tuple[int, int]:
    """Delete blob files no artifact row references and older than `grace` seconds."""
    referenced = store.catalog.referenced_keys()
    cutoff = time.time() - grace
    removed = freed = 0
    try:
        shards = [e for e in os.scandir(store.blobs.dir) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return 0, 0
    for shard in shards:
        for entry in os.scandir(shard.path):
            if not _KEY.fullmatch(entry.name) or entry.name in referenced:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
                if st.st_mtime > cutoff:
                    continue
                os.unlink(entry.path)
            except OSError:
                continue
            removed += 1
            freed += st.st_size
    return removed, freed  # shard directories stay: a writer may be about to use one
