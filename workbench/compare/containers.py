"""Container diffs: sequences (list/tuple), sets, mappings (dict, object attributes).

Each compares elements once (C-level `!=` first, a safe per-element path if that
raises), within the shared scan budget, and details at most `max_items` changes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, ClassVar

from workbench.compare.common import (
    JsonRecord,
    cell,
    format_count,
    jsonable,
    safe_equal,
    short_repr,
    show,
    type_name,
)
from workbench.compare.detail import Change, Detail, nest, value_detail
from workbench.compare.limits import Context


@dataclass
class Entry(JsonRecord):
    """An added or removed key/position and a small stand-in for its value."""

    key: Any
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {"key": jsonable(self.key), "value": jsonable(self.value)}


def key_label(key: Any) -> Any:
    """A key as kept in a detail: JSON scalars as they are, anything else a short repr."""
    if key is None or type(key) in (str, int, float, bool):
        return key if not isinstance(key, str) else key[:200]
    return cell(key)


def _key_text(key: Any) -> str:
    return show(key, 200)


def changed_pairs(pairs: Any) -> list[Any]:
    """Keys whose two values differ, from an iterable of (key, old, new) produced by
    `pairs()` (called again for the safe path). NaN == NaN counts as equal."""
    try:  # `a == a or b == b` is False only when both are NaN
        return [k for k, a, b in pairs() if a is not b and a != b and (a == a or b == b)]
    except Exception:  # e.g. `!=` on arrays/frames has no truth value
        return [k for k, a, b in pairs() if not safe_equal(a, b)]


def _detail_changes(keys: list[Any], get: Any, ctx: Context) -> list[Change]:
    out = []
    for k in keys[: ctx.limits.max_items]:
        a, b = get(k)
        detail = ctx.nested(a, b)
        if detail is None:  # node budget spent: a cheap repr pair instead
            detail = value_detail(a, b, type_name(a), type_name(b), ctx.limits.repr_chars)
        out.append(Change(key_label(k), detail))
    return out


@dataclass
class SequenceDetail(Detail):
    """list/tuple: lengths, changed positions (nested details), added/removed tail."""

    kind: ClassVar[str] = "sequence"
    type_before: str
    type_after: str
    len_before: int
    len_after: int
    n_changed: int
    compared: int  # positions compared (all common positions unless the budget ran out)
    changed: list[Change] = field(default_factory=list)
    added: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)

    def lines(self) -> list[str]:
        t = self.type_before if self.type_before == self.type_after else f"{self.type_before} -> {self.type_after}"
        parts = [f"{format_count(self.n_changed)} changed"]
        n_added = max(0, self.len_after - self.len_before)
        n_removed = max(0, self.len_before - self.len_after)
        if n_added:
            parts.append(f"{format_count(n_added)} added")
        if n_removed:
            parts.append(f"{format_count(n_removed)} removed")
        head = f"{t}: {format_count(self.len_before)} -> {format_count(self.len_after)} items; " + ", ".join(parts)
        common = min(self.len_before, self.len_after)
        if self.compared < common:
            head += f" (first {format_count(self.compared)} of {format_count(common)} positions compared)"
        out = [head]
        for ch in self.changed:
            out += nest(f"  [{ch.key}]", ch.detail)
        if self.n_changed > len(self.changed):
            out.append(f"  … {format_count(self.n_changed - len(self.changed))} more changed")
        for e in self.added:
            out.append(f"  + [{e.key}] {show(e.value)}")
        if n_added > len(self.added):
            out.append(f"  … {format_count(n_added - len(self.added))} more added")
        for e in self.removed:
            out.append(f"  - [{e.key}] {show(e.value)}")
        if n_removed > len(self.removed):
            out.append(f"  … {format_count(n_removed - len(self.removed))} more removed")
        return out


def diff_sequence(old: Any, new: Any, ctx: Context) -> SequenceDetail:
    """Positional diff of two sequences."""
    lim = ctx.limits
    la, lb = len(old), len(new)
    n = ctx.budget.take_scan(min(la, lb))
    keys = changed_pairs(lambda: zip(range(n), old, new))
    common = min(la, lb)
    return SequenceDetail(
        type_name(old),
        type_name(new),
        la,
        lb,
        n_changed=len(keys),
        compared=n,
        changed=_detail_changes(keys, lambda i: (old[i], new[i]), ctx),
        added=[Entry(i, cell(new[i], lim.repr_chars)) for i in range(common, min(lb, common + lim.max_items))],
        removed=[Entry(i, cell(old[i], lim.repr_chars)) for i in range(common, min(la, common + lim.max_items))],
    )


@dataclass
class MappingDetail(Detail):
    """dict (or an object's attributes): added/removed/changed keys, nested details."""

    kind: ClassVar[str] = "mapping"
    type_before: str
    type_after: str
    len_before: int
    len_after: int
    n_added: int
    n_removed: int
    n_changed: int
    compared: int  # common keys compared
    n_common: int
    of: str = "keys"  # "keys" | "attributes"
    changed: list[Change] = field(default_factory=list)
    added: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)

    def lines(self) -> list[str]:
        t = self.type_before if self.type_before == self.type_after else f"{self.type_before} -> {self.type_after}"
        parts = [f"{format_count(n)} {what}" for n, what in ((self.n_changed, "changed"), (self.n_added, "added"), (self.n_removed, "removed")) if n]
        noun = "attributes" if self.of == "attributes" else "keys"
        head = f"{t}: {format_count(self.len_before)} -> {format_count(self.len_after)} {noun}; " + (", ".join(parts) or "no changes")
        if self.compared < self.n_common:
            head += f" (first {format_count(self.compared)} of {format_count(self.n_common)} common {noun} compared)"
        out = [head]
        dot = self.of == "attributes"
        label = (lambda k: f"  .{k}") if dot else (lambda k: f"  [{_key_text(k)}]")
        for ch in self.changed:
            out += nest(label(ch.key), ch.detail)
        if self.n_changed > len(self.changed):
            out.append(f"  … {format_count(self.n_changed - len(self.changed))} more changed")
        for sign, entries, total in (("+", self.added, self.n_added), ("-", self.removed, self.n_removed)):
            for e in entries:
                out.append(f"  {sign}{label(e.key)[1:]} = {show(e.value)}")
            if total > len(entries):
                out.append(f"  … {format_count(total - len(entries))} more {'added' if sign == '+' else 'removed'}")
        return out


def diff_mapping(old: Any, new: Any, ctx: Context, of: str = "keys") -> MappingDetail:
    """Key-wise diff of two mappings, in the new mapping's key order."""
    lim = ctx.limits
    try:
        added_set = new.keys() - old.keys()
        removed_set = old.keys() - new.keys()
    except Exception:  # unhashable oddities: fall back to membership tests
        added_set = {k for k in new if k not in old}
        removed_set = {k for k in old if k not in new}
    n_common = len(new) - len(added_set)
    n = ctx.budget.take_scan(n_common)

    def items() -> Any:
        common = new.items() if not added_set else ((k, v) for k, v in new.items() if k not in added_set)
        return itertools.islice(common, n) if n < n_common else common

    try:  # same test as changed_pairs, inlined: dicts can be big
        keys = [k for k, b in items() if (a := old[k]) is not b and a != b and (a == a or b == b)]
    except Exception:
        keys = [k for k, b in items() if not safe_equal(old[k], b)]
    added = itertools.islice((k for k in new if k in added_set), lim.max_items) if added_set else ()
    removed = itertools.islice((k for k in old if k in removed_set), lim.max_items) if removed_set else ()
    return MappingDetail(
        type_name(old),
        type_name(new),
        len(old),
        len(new),
        n_added=len(added_set),
        n_removed=len(removed_set),
        n_changed=len(keys),
        compared=n,
        n_common=n_common,
        of=of,
        changed=_detail_changes(keys, lambda k: (old[k], new[k]), ctx),
        added=[Entry(key_label(k), cell(new[k], lim.repr_chars)) for k in added],
        removed=[Entry(key_label(k), cell(old[k], lim.repr_chars)) for k in removed],
    )


@dataclass
class SetDetail(Detail):
    """set/frozenset: members added and removed (a bounded, sorted listing)."""

    kind: ClassVar[str] = "set"
    type_before: str
    type_after: str
    len_before: int
    len_after: int
    n_added: int
    n_removed: int
    added: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)

    def lines(self) -> list[str]:
        t = self.type_before if self.type_before == self.type_after else f"{self.type_before} -> {self.type_after}"
        out = [
            f"{t}: {format_count(self.len_before)} -> {format_count(self.len_after)} members; "
            f"{format_count(self.n_added)} added, {format_count(self.n_removed)} removed"
        ]
        for sign, members, total in (("+", self.added, self.n_added), ("-", self.removed, self.n_removed)):
            out += [f"  {sign} {show(m)}" for m in members]
            if total > len(members):
                out.append(f"  … {format_count(total - len(members))} more {'added' if sign == '+' else 'removed'}")
        return out


def _listing(members: Any, limit: int, repr_chars: int) -> list[Any]:
    """Up to `limit` members in a deterministic order (by repr) without sorting a huge set."""
    pool = members if len(members) <= 10_000 else list(itertools.islice(members, limit))
    ordered = sorted(((short_repr(m, repr_chars), m) for m in pool), key=lambda t: t[0])[:limit]
    return [cell(m, repr_chars) for _, m in ordered]


def diff_set(old: Any, new: Any, ctx: Context) -> SetDetail:
    """Member-wise diff of two sets."""
    lim = ctx.limits
    added, removed = new - old, old - new
    return SetDetail(
        type_name(old),
        type_name(new),
        len(old),
        len(new),
        n_added=len(added),
        n_removed=len(removed),
        added=_listing(added, lim.max_items, lim.repr_chars),
        removed=_listing(removed, lim.max_items, lim.repr_chars),
    )
