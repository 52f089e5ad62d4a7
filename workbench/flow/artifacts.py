"""The artifact view a running task sees: names mapped to stored references, loaded lazily.

The engine fills an :class:`ArtifactSet` with references (anything with ``key``,
``type_name``, ``size`` and ``summary``) and a loader; the flow layer never opens the store
itself, so it stays free of storage concerns.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping


@dataclass
class ArtifactSet:
    """Named artifact references of one task plus a function that loads a reference."""

    refs: dict[str, Any] = field(default_factory=dict)
    loader: Callable[[Any], Any] | None = None

    def __contains__(self, name: object) -> bool:
        return name in self.refs

    def __iter__(self) -> Iterator[str]:
        return iter(self.refs)

    def __len__(self) -> int:
        return len(self.refs)

    def key(self, name: str) -> str | None:
        """The content key of ``name`` (equal keys mean equal values)."""
        return getattr(self.refs[name], "key", None)

    def load(self, name: str) -> Any:
        """Load the value of ``name``; KeyError when this set has no such artifact."""
        ref = self.refs[name]
        if self.loader is None:
            raise KeyError(name)
        return self.loader(ref)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self.refs.items())

    @classmethod
    def from_mapping(cls, refs: Mapping[str, Any], loader: Callable[[Any], Any]) -> "ArtifactSet":
        return cls(dict(refs), loader)


@dataclass(frozen=True)
class ForeachFrame:
    """One level of foreach nesting: which split of which step's iterable this task handles."""

    step: str
    var: str
    index: int
    num_splits: int

    def to_json(self) -> list:
        """``[step, var, index, num_splits]``, as the catalog's ``foreach_stack`` stores it."""
        return [self.step, self.var, self.index, self.num_splits]

    @classmethod
    def from_json(cls, data: Any) -> "ForeachFrame":
        step, var, index, num_splits = data
        return cls(step, var, int(index), int(num_splits))


@dataclass(frozen=True)
class Transition:
    """What a step's ``self.next(...)`` call decided."""

    steps: tuple[str, ...]
    foreach: str | None = None
    num_splits: int | None = None
    condition: str | None = None
    condition_value: Any = None

    def to_json(self) -> dict:
        data: dict[str, Any] = {"steps": list(self.steps)}
        if self.foreach is not None:
            data["foreach"] = self.foreach
            data["num_splits"] = self.num_splits
        if self.condition is not None:
            data["condition"] = self.condition
            data["condition_value"] = _jsonable(self.condition_value)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Transition":
        return cls(
            tuple(data["steps"]),
            data.get("foreach"),
            data.get("num_splits"),
            data.get("condition"),
            data.get("condition_value"),
        )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
