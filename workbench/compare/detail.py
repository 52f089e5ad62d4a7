"""The Detail base class and the scalar details: equal, number, value, repr, error.

A Detail is plain data: `kind`, `to_json()` (JSON-able dict with "kind") and `lines()`
(short plain-text rendering shared by the CLI and the TUI; no markup)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from workbench.compare.common import (
    JsonRecord,
    cut,
    format_number,
    jsonable,
    short_repr,
)


class Detail(JsonRecord):
    """Base of every typed diff detail."""

    kind: ClassVar[str] = "detail"

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict: {"kind": ..., field: value, ...}."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):  # type: ignore[arg-type]
            out[f.name] = jsonable(getattr(self, f.name))
        return out

    def lines(self) -> list[str]:
        """Short plain-text rendering, first line a headline."""
        raise NotImplementedError

    def headline(self) -> str:
        """The first line of `lines()`."""
        lines = self.lines()
        return lines[0] if lines else self.kind


@dataclass
class Change(JsonRecord):
    """One changed key/position inside a container, with its nested detail."""

    key: Any
    detail: Detail

    def to_json(self) -> dict[str, Any]:
        return {"key": jsonable(self.key), "detail": self.detail.to_json()}


def nest(label: str, detail: Detail, indent: str = "  ") -> list[str]:
    """`detail.lines()` under a label: the headline after it, the rest indented."""
    sub = detail.lines()
    if not sub:
        return [label]
    return [f"{label} {sub[0]}"] + [indent + line for line in sub[1:]]


@dataclass
class EqualDetail(Detail):
    """Values compare equal although their stored bytes differ."""

    kind: ClassVar[str] = "equal"
    type_name: str
    note: str = "values compare equal (serialized bytes differ)"

    def lines(self) -> list[str]:
        return [f"{self.type_name}: {self.note}"]


@dataclass
class NumberDetail(Detail):
    """Two numbers: delta and relative change (None when old == 0)."""

    kind: ClassVar[str] = "number"
    old: Any
    new: Any
    delta: Any
    relative: float | None
    type_before: str
    type_after: str

    def lines(self) -> list[str]:
        text = f"{format_number(self.old)} -> {format_number(self.new)}"
        extra = []
        d = self.delta
        if d is not None and not (isinstance(d, float) and d != d):
            sign = "+" if _positive(d) else ""
            extra.append(f"{sign}{format_number(d)}")
        if self.relative is not None:
            extra.append(f"{self.relative:+.1%}")
        if extra:
            text += f"  ({', '.join(extra)})"
        if self.type_before != self.type_after:
            text += f"  [{self.type_before} -> {self.type_after}]"
        return [text]


def _positive(x: Any) -> bool:
    try:
        return x > 0
    except Exception:
        return False


@dataclass
class ValueDetail(Detail):
    """bool/None changes and type changes: the two reprs."""

    kind: ClassVar[str] = "value"
    old: str
    new: str
    type_before: str
    type_after: str

    def lines(self) -> list[str]:
        if self.type_before != self.type_after:
            return [f"{self.old} -> {self.new}  [{self.type_before} -> {self.type_after}]"]
        return [f"{self.old} -> {self.new}"]


@dataclass
class ReprDetail(Detail):
    """Anything else: bounded reprs and a unified diff of their lines."""

    kind: ClassVar[str] = "repr"
    type_name: str
    old: str
    new: str
    diff: list[str] = field(default_factory=list)
    truncated: bool = False
    note: str | None = None

    def lines(self) -> list[str]:
        head = f"{self.type_name}: repr changed"
        if self.note:
            head += f" ({self.note})"
        if not self.diff:
            return [head, f"- {self.old}", f"+ {self.new}"]
        out = [head] + self.diff
        if self.truncated:
            out.append("… (diff cut)")
        return out


def repr_detail(type_name: str, old: str, new: str, max_lines: int, max_line_chars: int, note: str | None = None) -> ReprDetail:
    """A ReprDetail from two (already bounded) reprs."""
    if "\n" not in old and "\n" not in new:
        return ReprDetail(type_name, cut(old, max_line_chars), cut(new, max_line_chars), note=note)
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after", lineterm="", n=2))[2:]
    truncated = len(diff) > max_lines
    diff = [cut(line, max_line_chars) for line in diff[:max_lines]]
    return ReprDetail(
        type_name, cut(old, max_line_chars), cut(new, max_line_chars), diff, truncated, note
    )


@dataclass
class ErrorDetail(Detail):
    """A value could not be loaded or compared: one line saying why."""

    kind: ClassVar[str] = "error"
    message: str

    def lines(self) -> list[str]:
        return [f"error: {self.message}"]


def value_detail(old: Any, new: Any, type_before: str, type_after: str, limit: int) -> ValueDetail:
    """A ValueDetail from the two objects (reprs bounded)."""
    return ValueDetail(short_repr(old, limit), short_repr(new, limit), type_before, type_after)


__all__ = [
    "Change",
    "Detail",
    "EqualDetail",
    "ErrorDetail",
    "NumberDetail",
    "ReprDetail",
    "ValueDetail",
    "nest",
    "repr_detail",
    "value_detail",
]
