"""list/tuple, set, dict (nested, depth- and budget-bounded), objects by attributes."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from workbench.compare import Budget, MappingDetail, SequenceDetail, SetDetail, diff_values


def test_list_changed_positions_and_added_tail():
    d = diff_values([1, 2, 3], [1, 5, 3, 4, 5])
    assert isinstance(d, SequenceDetail)
    assert (d.len_before, d.len_after, d.n_changed) == (3, 5, 1)
    assert [c.key for c in d.changed] == [1] and d.changed[0].detail.kind == "number"
    assert [(e.key, e.value) for e in d.added] == [(3, 4), (4, 5)] and d.removed == []
    assert d.lines()[0] == "list: 3 -> 5 items; 1 changed, 2 added"


def test_tuple_removed_tail_and_type_change_list_tuple():
    d = diff_values((1, 2, 3), (1, 2))
    assert [(e.key, e.value) for e in d.removed] == [(2, 3)]
    d = diff_values([1, 2], (1, 3))
    assert d.kind == "sequence" and (d.type_before, d.type_after) == ("list", "tuple")
    assert d.lines()[0].startswith("list -> tuple:")


def test_list_nan_equals_nan_and_arrays_inside():
    nan = float("nan")
    d = diff_values([nan, 1.0, np.float64("nan")], [float("nan"), 2.0, np.float64("nan")])
    assert d.n_changed == 1 and d.changed[0].key == 1
    d = diff_values([np.arange(3), 1], [np.arange(3), 2])  # `!=` on arrays has no truth value
    assert d.n_changed == 1 and d.changed[0].key == 1


def test_list_bounded_listing_and_counts():
    old = list(range(100_000))
    new = [x + 1 for x in old] + [0] * 50
    d = diff_values(old, new, max_items=5)
    assert d.n_changed == 100_000 and len(d.changed) == 5 and len(d.added) == 5
    assert "  … 99,995 more changed" in d.lines() and "  … 45 more added" in d.lines()


def test_huge_list_scan_is_bounded_by_budget():
    old = list(range(3_000_000))
    new = list(old)
    new[-1] = -1
    t = time.perf_counter()
    d = diff_values(old, new, budget=Budget(scan=1_000_000))
    assert time.perf_counter() - t < 1.0
    assert d.compared == 1_000_000 and d.n_changed == 0
    assert "first 1,000,000 of 3,000,000 positions compared" in d.lines()[0]


def test_set_added_removed_sorted_and_bounded():
    d = diff_values({1, 2, 3}, frozenset({2, 3, 4, 5}))
    assert isinstance(d, SetDetail)
    assert (d.added, d.removed, d.n_added, d.n_removed) == ([4, 5], [1], 2, 1)
    assert d.type_after == "frozenset"
    d = diff_values(set(range(100_000)), set(range(50_000, 150_000)), max_items=3)
    assert d.n_added == 50_000 and len(d.added) == 3 and len(d.removed) == 3


def test_dict_added_removed_changed():
    d = diff_values({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 20, "d": 4})
    assert isinstance(d, MappingDetail)
    assert (d.n_added, d.n_removed, d.n_changed) == (1, 1, 1)
    assert [(e.key, e.value) for e in d.added] == [("d", 4)]
    assert [(e.key, e.value) for e in d.removed] == [("c", 3)]
    assert d.changed[0].key == "b" and d.changed[0].detail.new == 20
    assert d.lines() == [
        "dict: 3 -> 3 keys; 1 changed, 1 added, 1 removed",
        "  ['b'] 2 -> 20  (+18, +900.0%)",
        "  + ['d'] = 4",
        "  - ['c'] = 3",
    ]


def test_dict_non_string_keys_and_nan_values():
    d = diff_values({1: float("nan"), (2, 3): 1}, {1: float("nan"), (2, 3): 2})
    assert d.n_changed == 1 and d.changed[0].key == (2, 3)
    assert d.to_json()["changed"][0]["key"] == [2, 3] and d.lines()[1].startswith("  [(2, 3)] 1 -> 2")


def _nest(levels: int, leaf: object) -> dict:
    d: object = leaf
    for i in reversed(range(levels)):
        d = {f"k{i}": d}
    return d  # type: ignore[return-value]


def test_nested_dict_depth_bound():
    old, new = _nest(8, 1), _nest(8, 2)
    d = diff_values(old, new)  # default depth 3
    kinds = []
    node = d
    while True:
        kinds.append(node.kind)
        if node.kind != "mapping":
            break
        node = node.changed[0].detail
    assert kinds == ["mapping", "mapping", "mapping", "repr"]  # 3 levels detailed
    assert node.note == "depth limit"
    d = diff_values(old, new, depth=1)
    assert d.kind == "mapping" and d.changed[0].detail.kind == "repr"
    d = diff_values(old, new, depth=20)  # deep enough: the leaf is a number
    for _ in range(8):
        d = d.changed[0].detail
    assert d.kind == "number"


def test_nested_details_bounded_by_node_budget():
    old = {f"k{i}": {"x": i} for i in range(100)}
    new = {f"k{i}": {"x": i + 1} for i in range(100)}
    d = diff_values(old, new, budget=5, max_items=50)
    assert d.n_changed == 100 and len(d.changed) == 50
    kinds = [c.detail.kind for c in d.changed]
    # every nested detail costs one node: 3 dicts + their 2 numbers, then cheap reprs
    assert kinds[:3] == ["mapping"] * 3 and set(kinds[3:]) == {"value"}
    assert d.changed[2].detail.changed[0].detail.kind == "value"


def test_nested_text_lines_are_fewer():
    old = {"t": "".join(f"{i}\n" for i in range(1000))}
    new = {"t": "".join(f"{i}!\n" for i in range(1000))}
    d = diff_values(old, new, max_lines=200)
    assert len(d.changed[0].detail.diff) == 50


@dataclass
class Cfg:
    lr: float
    layers: list


class Plain:
    def __init__(self, a, b):
        self.a, self.b = a, b


def test_objects_diffed_by_attributes():
    d = diff_values(Cfg(0.1, [1, 2]), Cfg(0.2, [1, 2]))
    assert d.kind == "mapping" and d.of == "attributes"
    assert d.changed[0].key == "lr" and d.lines()[1].startswith("  .lr 0.1 -> 0.2")
    d = diff_values(Plain(1, "x"), Plain(1, "y"))
    assert d.kind == "mapping" and d.changed[0].key == "b"
    assert diff_values(Plain(1, 2), Cfg(1, 2)).kind == "value"


class Weird:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        raise RuntimeError("no")

    def __repr__(self):
        return f"Weird({self.v})\nline2"


def test_other_objects_repr_diff_and_raising_eq():
    d = diff_values(Weird(1), Weird(2))
    assert d.kind == "repr"
    assert d.diff == ["@@ -1,2 +1,2 @@", "-Weird(1)", "+Weird(2)", " line2"]
    d = diff_values([Weird(1)], [Weird(1)])  # __eq__ raises: counted as different, no crash
    assert d.n_changed == 1
