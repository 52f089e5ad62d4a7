"""``run --reuse``: what a task is computed from, as one key.

A task's reuse key hashes its step's code fingerprint (the step and every code of the user's it
reaches, ``flow/fingerprint.py``), every artifact it could read (each parent's, by content key,
parents in split order for a join), its foreach path and the run's parameters. A succeeded task
with the same key computed the same thing: ``run --reuse`` clones it by reference instead of
executing. Every task records its key, so any earlier run, spin or resume can be reused from.

Inside a foreach, the list being split is left out and the split's own item (its content hash)
goes in instead: a list that changes in one element re-runs that split alone. The reused split
then carries the new list forward (``carried_lists``), so its artifacts equal a full run's.
"""
from __future__ import annotations

import ast
import hashlib
import json
import textwrap
from collections import OrderedDict
from typing import Any

import blake3
import cloudpickle

_LISTS_KEPT = 16  # foreach lists whose item hashes are kept (by blob key)


class SplitItems:
    """Content hashes of the items of foreach lists, each list loaded once per runtime."""

    def __init__(self, load: Any) -> None:
        self._load = load  # blob key -> value
        self._hashes: OrderedDict[str, list[str] | None] = OrderedDict()

    def item_hash(self, key: str, index: int) -> str | None:
        """The hash of item ``index`` of the list stored under ``key`` (None: unknown)."""
        if key not in self._hashes:
            try:
                hashes: list[str] | None = [_content_hash(item)
                                            for item in list(self._load(key))]
            except Exception:  # noqa: BLE001 - an unloadable list: the whole list counts
                hashes = None
            self._hashes[key] = hashes
            while len(self._hashes) > _LISTS_KEPT:
                self._hashes.popitem(last=False)
        hashes = self._hashes[key]
        return hashes[index] if hashes is not None and index < len(hashes) else None


def _content_hash(item: Any) -> str:
    """blake3 of an item's pickle, its large buffers (arrays, frames) hashed where they lie
    instead of copied into the pickle stream."""
    buffers: list[Any] = []
    stream = cloudpickle.dumps(item, protocol=5, buffer_callback=buffers.append)
    digest = blake3.blake3(stream)
    for buffer in buffers:
        digest.update(buffer.raw())
    return digest.hexdigest()


def self_reads(source: str) -> set[str]:
    """``x`` for each ``self.x`` in a step's source (empty when it does not parse alone)."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return set()
    return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"}


def split_items(parents: list[Any], frames: list[Any], items: SplitItems,
                reads: set[str] = frozenset()) -> dict[str, str] | None:
    """``{foreach var: its item's hash}`` for a task inside foreaches (one parent, which
    carries each list), or None when that cannot be told (the lists then count whole). A
    list the step itself reads (``reads``: its ``self.x`` names) counts whole too."""
    if not frames or len(parents) != 1:
        return None
    refs = parents[0].refs
    out = {}
    for frame in frames:
        if frame.var in reads:
            continue
        ref = refs.get(frame.var)
        digest = items.item_hash(ref.key, frame.index) if ref is not None else None
        if digest is None:
            return None
        out[frame.var] = f"{frame.index}:{digest}"
    return out or None


def reuse_key(node: Any, parents: list[Any], frames: list[Any], parameters: dict,
              items: dict[str, str] | None = None) -> str:
    """The key of a task of ``node`` with these parents (FinishedTask), foreach frames and
    run parameters; ``items`` (``split_items``) stands in for the lists being split."""
    digest = hashlib.sha256(f"{node.name}\0{node.fingerprint or node.source_hash}\0".encode())
    left_out = set(items or ())
    for parent in parents:
        digest.update(f"parent {parent.step}\0".encode())
        for name in sorted(parent.refs):
            if name not in left_out:
                digest.update(f"{name}={parent.refs[name].key}\0".encode("utf-8", "replace"))
    for var, item in sorted((items or {}).items()):
        digest.update(f"item {var}={item}\0".encode())
    digest.update(json.dumps([[f.step, f.var, f.index, f.num_splits] for f in frames])
                  .encode())
    digest.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def carried_lists(reused: list[Any], old_parent: list[Any], new_parent: dict[str, Any],
                  names: set[str]) -> list[Any]:
    """The rows of the foreach lists (``names``) a reused task carried unchanged from its
    old parent, now taken from its new parent: the reused split passes the current list on."""
    old = {a.name: a.key for a in old_parent}
    return [new_parent[a.name] for a in reused
            if a.name in names and a.name in new_parent and old.get(a.name) == a.key]
