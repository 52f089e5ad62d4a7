"""`diff_artifacts`: one ArtifactDiff per artifact name of two tasks.

Unchanged is decided by content-key equality alone: the loaders are never called for
it. Changed artifacts are loaded (by name, through the given callables) and get a
typed detail from `diff_values`. A loader or diff failure becomes an "error" detail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from workbench.compare.common import cut, type_name
from workbench.compare.detail import Detail, EqualDetail, ErrorDetail
from workbench.compare.limits import Budget, Limits
from workbench.compare.values import _dispatch, make_context

CHANGE_KINDS = ("changed", "added", "removed", "unchanged")


class ArtifactLike(Protocol):
    """What diff_artifacts reads of an artifact (the store's ArtifactRecord has these)."""

    name: str
    key: str | None
    type_name: str
    size: int | None
    summary: str


@dataclass(frozen=True)
class ArtifactRef:
    """A plain ArtifactLike, for callers without store records."""

    name: str
    key: str | None
    type_name: str = ""
    size: int | None = None
    summary: str = ""


@dataclass
class ArtifactDiff:
    """How one artifact changed between two tasks."""

    name: str
    change: str  # "added" | "removed" | "changed" | "unchanged"
    type_before: str | None
    type_after: str | None
    summary_before: str | None
    summary_after: str | None
    detail: Detail | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict with exactly: name, change, type_before, type_after,
        summary_before, summary_after, detail (a dict with "kind", or None)."""
        return {
            "name": self.name,
            "change": self.change,
            "type_before": self.type_before,
            "type_after": self.type_after,
            "summary_before": self.summary_before,
            "summary_after": self.summary_after,
            "detail": self.detail.to_json() if self.detail is not None else None,
        }

    def lines(self) -> list[str]:
        """Plain-text rendering: a headline, then the detail's lines indented."""
        sign = {"added": "+", "removed": "-", "changed": "~", "unchanged": "="}.get(self.change, "?")
        t = self.type_after or self.type_before or ""
        if self.type_before and self.type_after and self.type_before != self.type_after:
            t = f"{self.type_before} -> {self.type_after}"
        head = f"{sign} {self.name} ({t}) {self.change}"
        if self.detail is None:
            summary = self.summary_after if self.change != "removed" else self.summary_before
            return [head + (f": {summary}" if summary else "")]
        return [head] + ["    " + line for line in self.detail.lines()]


def _by_name(refs: Sequence[Any]) -> dict[str, Any]:
    return {r.name: r for r in refs}  # a repeated name: the last record wins


def _error(what: str, name: str, exc: BaseException) -> ErrorDetail:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return ErrorDetail(cut(f"{what} {name!r}: {type(exc).__name__}" + (f": {msg}" if msg else ""), 300))


def diff_artifacts(
    before: Sequence[Any],
    after: Sequence[Any],
    load_before: Callable[[str], Any],
    load_after: Callable[[str], Any],
    *,
    max_rows: int | None = None,
    max_items: int | None = None,
    max_lines: int | None = None,
    depth: int | None = None,
    limits: Limits | None = None,
    nodes_per_artifact: int = 500,
) -> list[ArtifactDiff]:
    """One ArtifactDiff per name in the union of `before` and `after`, sorted by name.

    Equal non-None keys -> "unchanged" without loading. Different keys -> "changed",
    both values loaded by name and diffed. When a key is None the values are loaded and
    compared; equal values then read as "unchanged"."""
    old, new = _by_name(before), _by_name(after)
    out: list[ArtifactDiff] = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is None:
            out.append(ArtifactDiff(name, "added", None, b.type_name, None, b.summary))
            continue
        if b is None:
            out.append(ArtifactDiff(name, "removed", a.type_name, None, a.summary, None))
            continue
        diff = ArtifactDiff(name, "changed", a.type_name, b.type_name, a.summary, b.summary)
        if a.key is not None and a.key == b.key:
            diff.change = "unchanged"
            out.append(diff)
            continue
        diff.detail = _load_and_diff(name, load_before, load_after, max_rows, max_items, max_lines, depth, limits, nodes_per_artifact)
        if (a.key is None or b.key is None) and isinstance(diff.detail, EqualDetail):
            diff.change, diff.detail = "unchanged", None
        out.append(diff)
    return out


def _load_and_diff(
    name: str,
    load_before: Callable[[str], Any],
    load_after: Callable[[str], Any],
    max_rows: int | None,
    max_items: int | None,
    max_lines: int | None,
    depth: int | None,
    limits: Limits | None,
    nodes: int,
) -> Detail:
    try:
        old_value = load_before(name)
    except Exception as exc:
        return _error("cannot load old", name, exc)
    try:
        new_value = load_after(name)
    except Exception as exc:
        return _error("cannot load new", name, exc)
    ctx = make_context(depth, Budget(nodes=nodes), limits, max_items, max_rows, max_lines)
    try:
        return _dispatch(old_value, new_value, ctx)
    except Exception as exc:  # a user type's __eq__/__repr__ may raise anything
        return _error(f"cannot diff {type_name(old_value)} vs {type_name(new_value)} for", name, exc)


def summarize_changes(diffs: Sequence[ArtifactDiff]) -> dict[str, int]:
    """Counts per change kind: {"changed", "added", "removed", "unchanged"} (all present)."""
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    for d in diffs:
        counts[d.change] = counts.get(d.change, 0) + 1
    return counts
