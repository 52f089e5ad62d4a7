"""``run --reuse``: what a task is computed from, as one key.

A task's reuse key hashes its step's code fingerprint (the step and every code of the user's it
reaches, ``flow/fingerprint.py``), every artifact it could read (each parent's, by content key,
parents in split order for a join), its foreach path and the run's parameters. A succeeded task
with the same key computed the same thing: ``run --reuse`` clones it by reference instead of
executing. Every task records its key, so any earlier run, spin or resume can be reused from.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any


def reuse_key(node: Any, parents: list[Any], frames: list[Any], parameters: dict) -> str:
    """The key of a task of ``node`` with these parents (FinishedTask), foreach frames and
    run parameters."""
    digest = hashlib.sha256(f"{node.name}\0{node.fingerprint or node.source_hash}\0".encode())
    for parent in parents:
        digest.update(f"parent {parent.step}\0".encode())
        for name in sorted(parent.refs):
            digest.update(f"{name}={parent.refs[name].key}\0".encode("utf-8", "replace"))
    digest.update(json.dumps([[f.step, f.var, f.index, f.num_splits] for f in frames])
                  .encode())
    digest.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    return digest.hexdigest()
