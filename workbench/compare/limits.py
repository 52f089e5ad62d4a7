"""Bounds on a diff: what is reported (Limits) and how much work is done (Budget)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Limits:
    """How much a diff reports. Every list in a Detail is cut to one of these."""

    depth: int = 3  # container levels that get nested details
    max_items: int = 20  # changed keys/positions/members listed per container
    max_rows: int = 5  # example changed rows (DataFrame/Series/ndarray)
    max_columns: int = 10  # columns with stats / in an example row
    max_lines: int = 200  # lines of a rendered text diff
    max_line_chars: int = 300  # characters kept of one diff line
    repr_chars: int = 120  # characters of a short repr
    text_diff_max_lines: int = 4000  # difflib runs only on fewer differing lines
    text_diff_max_chars: int = 400_000  # ... and fewer differing characters
    window_chars: int = 80  # context each side of the first difference in window mode
    max_compare_columns: int = 2000  # DataFrame columns compared cell by cell

    def child(self) -> Limits:
        """Limits for a nested detail: one level shallower, fewer text lines."""
        return replace(self, depth=self.depth - 1, max_lines=max(20, self.max_lines // 4))


@dataclass
class Budget:
    """Work shared by one whole `diff_values` call, nested details included.

    `nodes`: nested details still allowed; `scan`: container elements still comparable.
    When spent, containers still count what they can but stop detailing.
    """

    nodes: int = 500
    scan: int = 2_000_000
    exhausted: bool = field(default=False)

    def take_node(self) -> bool:
        """Reserve one nested detail; False once the budget is spent."""
        if self.nodes <= 0:
            self.exhausted = True
            return False
        self.nodes -= 1
        return True

    def take_scan(self, n: int) -> int:
        """Reserve up to `n` element comparisons; returns how many were granted."""
        granted = max(0, min(n, self.scan))
        self.scan -= granted
        if granted < n:
            self.exhausted = True
        return granted


@dataclass
class Context:
    """What a diff function needs besides the two values: limits, the shared budget and
    the dispatcher used for nested values (passed in to keep modules acyclic)."""

    limits: Limits
    budget: Budget
    recurse: Any  # Callable[[Any, Any, Context], Detail]

    def nested(self, old: Any, new: Any) -> Any:
        """A nested detail one level down, or None when the node budget is spent."""
        if not self.budget.take_node():
            return None
        return self.recurse(old, new, Context(self.limits.child(), self.budget, self.recurse))
