"""diff_artifacts: change kinds, ordering, loaders never called for unchanged, errors."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from workbench.compare import ArtifactDiff, ArtifactRef, diff_artifacts, summarize_changes

JSON_KEYS = {"name", "change", "type_before", "type_after", "summary_before", "summary_after", "detail"}


def ref(name: str, key: str | None, type_name: str = "int", summary: str = "") -> ArtifactRef:
    return ArtifactRef(name, key, type_name, 10, summary)


def loader(values: dict):
    calls: list[str] = []

    def load(name: str):
        calls.append(name)
        return values[name]

    load.calls = calls  # type: ignore[attr-defined]
    return load


def never(name: str):
    raise AssertionError(f"loader called for {name!r}")


def test_unchanged_by_key_never_loads():
    before = [ref("a", "k1"), ref("b", "k2")]
    after = [ref("b", "k2"), ref("a", "k1")]
    diffs = diff_artifacts(before, after, never, never)
    assert [(d.name, d.change, d.detail) for d in diffs] == [("a", "unchanged", None), ("b", "unchanged", None)]


def test_all_change_kinds_sorted_by_name_and_only_changed_loaded():
    before = [ref("z", "k1", summary="1"), ref("gone", "k2", "str", "'x'"), ref("m", "k3")]
    after = [ref("z", "k9", summary="2"), ref("new", "k4", "list", "[1]"), ref("m", "k3")]
    lb, la = loader({"z": 1}), loader({"z": 2})
    diffs = diff_artifacts(before, after, lb, la)
    assert [(d.name, d.change) for d in diffs] == [("gone", "removed"), ("m", "unchanged"), ("new", "added"), ("z", "changed")]
    assert lb.calls == ["z"] and la.calls == ["z"]
    gone, _, new, z = diffs
    assert (gone.type_before, gone.type_after, gone.summary_before, gone.summary_after) == ("str", None, "'x'", None)
    assert (new.type_before, new.type_after, new.summary_after, new.detail) == (None, "list", "[1]", None)
    assert z.detail.kind == "number" and z.detail.delta == 1
    assert summarize_changes(diffs) == {"changed": 1, "added": 1, "removed": 1, "unchanged": 1}
    for d in diffs:
        j = d.to_json()
        assert set(j) == JSON_KEYS
        json.dumps(j, allow_nan=False)
    assert z.to_json()["detail"]["kind"] == "number"
    assert gone.to_json()["detail"] is None


def test_accepts_any_object_with_the_attributes():
    @dataclass
    class Record:  # the store's ArtifactRecord has these attribute names (and more)
        name: str
        key: str | None
        type_name: str
        size: int
        summary: str
        task_id: int = 0

    diffs = diff_artifacts([Record("x", "a", "str", 3, "'ab'")], [Record("x", "b", "str", 3, "'ac'")],
                           lambda n: "ab", lambda n: "ac")
    assert diffs[0].change == "changed" and diffs[0].detail.kind == "text"


def test_none_keys_load_and_equal_values_read_unchanged():
    diffs = diff_artifacts([ref("a", None), ref("b", None)], [ref("a", None), ref("b", "k")],
                           lambda n: {"a": 1, "b": 1}[n], lambda n: {"a": 1, "b": 2}[n])
    assert [(d.change, d.detail) for d in diffs][0] == ("unchanged", None)
    assert diffs[1].change == "changed" and diffs[1].detail.kind == "number"


def test_changed_keys_but_equal_values_stay_changed_with_equal_detail():
    diffs = diff_artifacts([ref("a", "k1")], [ref("a", "k2")], lambda n: {"x": 1}, lambda n: {"x": 1})
    assert diffs[0].change == "changed" and diffs[0].detail.kind == "mapping"
    diffs = diff_artifacts([ref("a", "k1")], [ref("a", "k2")], lambda n: 1.0, lambda n: 1.0)
    assert diffs[0].detail.kind == "equal"


def test_loader_and_diff_errors_become_error_details():
    def broken(name):
        raise FileNotFoundError(f"blob for {name} missing\nsecond line")

    diffs = diff_artifacts([ref("a", "k1")], [ref("a", "k2")], broken, lambda n: 1)
    d = diffs[0].detail
    assert d.kind == "error" and d.message == "cannot load old 'a': FileNotFoundError: blob for a missing"
    assert diffs[0].lines() == ["~ a (int) changed", "    error: cannot load old 'a': FileNotFoundError: blob for a missing"]

    class Bad:
        def __eq__(self, other):
            raise RuntimeError("boom")

        def __repr__(self):
            raise RuntimeError("no repr")

    diffs = diff_artifacts([ref("a", "k1")], [ref("a", "k2")], lambda n: Bad(), lambda n: Bad())
    assert diffs[0].detail.kind in ("repr", "error")
    json.dumps(diffs[0].to_json())


def test_limits_are_passed_through():
    old = {f"k{i}": i for i in range(50)}
    new = {f"k{i}": i + 1 for i in range(50)}
    diffs = diff_artifacts([ref("d", "1")], [ref("d", "2")], lambda n: old, lambda n: new, max_items=3)
    assert len(diffs[0].detail.changed) == 3


def test_lines_of_an_artifact_diff():
    d = ArtifactDiff("x", "added", None, "int", None, "5")
    assert d.lines() == ["+ x (int) added: 5"]


@pytest.mark.parametrize("change", ["changed", "added", "removed", "unchanged"])
def test_summarize_has_all_kinds(change):
    counts = summarize_changes([ArtifactDiff("x", change, None, None, None, None)])
    assert set(counts) == {"changed", "added", "removed", "unchanged"} and counts[change] == 1
