"""Entry of a spawned task process (where fork is missing): load the flow, run one task.

``python -m workbench.engine.spawned RESULT_FD`` reads a pickled ``(job, flow_file, flow_name,
store_root)`` on stdin and writes the result document to ``RESULT_FD``.
"""
from __future__ import annotations

import io
import os
import pickle
import sys


def main() -> int:
    from .process import _die_with_parent_setup, die_with_parent

    _die_with_parent_setup()
    die_with_parent(int(sys.argv[2]) if len(sys.argv) > 2 else os.getppid())
    result_fd = int(sys.argv[1])
    job, flow_file, flow_name, store_root = pickle.loads(sys.stdin.buffer.read())
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    from pathlib import Path

    from ..flow import load_flow
    from ..store import BlobStore
    from .task import run_in_child

    loaded = load_flow(flow_file, flow_name)
    run_in_child(job, loaded.flow_cls, loaded.graph, BlobStore(Path(store_root)), result_fd)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
