"""Test-only fault injection: pause a process at a named moment so a test can kill it there.

``WORKBENCH_FAULT="POINT:sleep=SECONDS[:skip=N][;POINT:...]"`` makes the N+1-th call of
``fault(POINT)`` in each process sleep for SECONDS (later calls too); with
``WORKBENCH_FAULT_MARK=FILE`` it first appends ``"POINT PID"`` to FILE, so the test knows
the process is there now. Points: ``blob_write`` (a blob's temp file is half written),
``after_blobs`` (a task's blobs exist, its catalog rows are not committed yet), ``commit``
(inside the transaction that records a task). Only tests/reliability sets these variables;
unset, ``fault()`` costs one dict lookup.
"""
from __future__ import annotations

import os
import time

from .. import settings

ENV = "WORKBENCH_FAULT"
MARK_ENV = "WORKBENCH_FAULT_MARK"

_plan: dict[str, tuple[float, int]] | None = None
_calls: dict[str, int] = {}


def _parse(text: str) -> dict[str, tuple[float, int]]:
    plan: dict[str, tuple[float, int]] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        point, *options = item.split(":")
        settings = dict(opt.partition("=")[::2] for opt in options)
        plan[point] = (float(settings.get("sleep") or 0), int(settings.get("skip") or 0))
    return plan


def fault(point: str) -> None:
    """Sleep here when ``WORKBENCH_FAULT`` names ``point`` (test-only; see the module doc)."""
    global _plan
    if _plan is None:
        _plan = _parse(settings.get(ENV) or "")
    if not _plan or point not in _plan:
        return
    seconds, skip = _plan[point]
    count = _calls[point] = _calls.get(point, 0) + 1
    if count <= skip:
        return
    mark = settings.get(MARK_ENV)
    if mark:
        with open(mark, "a") as f:
            f.write(f"{point} {os.getpid()}\n")
    time.sleep(seconds)
