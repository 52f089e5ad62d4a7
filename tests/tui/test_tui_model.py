"""The TUI's data layer without a terminal: what the panes show, previews as data, and the
virtual table's cost following what is visible (a 10-million-row frame)."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from tui_helpers import edit_flow, run_flow, spin
from workbench import queries
from workbench.flow import parse_graph
from workbench.store import Store
from workbench.tui import model
from workbench.tui import preview_data as pdata


def test_runs_states_artifacts_and_spin_diffs(workdir):
    run_flow(workdir)
    edit_flow(workdir / "churn_flow.py", "range(300)", "range(40)")
    spin(workdir, "train", index=2)
    store = Store(workdir / "store", create=False)
    graph = parse_graph(workdir / "churn_flow.py")

    rows = model.run_rows(store, "ChurnFlow")
    assert [(r.number, r.label, r.status) for r in rows] == [
        (2, "spin train[2] <- 1", "succeeded"), (1, "run", "succeeded")]
    assert "n_customers=5000" in rows[0].params

    run1, run2 = store.catalog.get_run("ChurnFlow", 1), store.catalog.get_run("ChurnFlow", 2)
    states1 = model.step_states(graph, store, run1)
    assert states1["train"].tasks == 4 and states1["train"].modified
    assert states1["pick_best"].stale and not states1["start"].modified
    states2 = model.step_states(graph, store, run2)
    assert states2["start"].status == "cloned" and states2["train"].status == "succeeded"
    assert states2["train"].tasks == 1 and not states2["train"].modified
    assert states2["end"].status == "not_run"
    assert model.step_states(graph, store, None)["start"].status == "not_run"

    task = queries.step_tasks(store.catalog, run2, "train")[0]
    assert task.split_index == 2
    ref = model.before_of(store, run2, task)
    assert ref is not None and ref.split_index == 2 and ref.run_id == run1.id
    arts = {a.name: a for a in model.artifact_rows(store, task, ref)}
    assert arts["accuracy"].change == "changed" and arts["X"].change == "unchanged"
    assert all(a.change == "" for a in model.artifact_rows(store, task))

    diffs = queries.task_diffs(store, run2)
    assert len(diffs) == 1 and diffs[0].task.id == task.id and diffs[0].before.id == ref.id
    changed = {d.name for d in diffs[0].diffs if d.change != "unchanged"}
    assert {"accuracy", "weights"} <= changed
    assert queries.task_diffs(store, run1) == []

    facts = dict(model.task_facts(task))
    assert facts["status"] == "succeeded" and facts["split"].endswith("[2]")


def test_kind_label_and_time_format():
    assert model.format_started(None) == "-"
    now = time.mktime((2026, 3, 10, 15, 0, 0, 0, 0, -1))
    assert model.format_started(now - 3600, now) == "14:00:00"
    assert model.format_started(now - 5 * 86400, now) == "03-05 15:00"
    assert model.format_started(now - 400 * 86400, now).startswith("2025-")


def test_short_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    assert model.short_path(tmp_path / "a" / "f.py") == "a/f.py"
    assert model.short_path(tmp_path) == "."
    assert model.short_path(None) == "-"


def test_kinds_and_children():
    assert pdata.kind_of(pd.DataFrame({"a": [1]})) == "frame"
    assert pdata.kind_of(pd.Series([1])) == "series"
    assert pdata.kind_of(np.zeros(3)) == "array"
    assert pdata.kind_of("x") == "text"
    assert pdata.kind_of({"a": 1}) == "mapping"
    assert pdata.kind_of([1]) == "sequence" and pdata.kind_of({1}) == "set"
    assert pdata.kind_of(3.5) == "scalar" and pdata.kind_of(object()) == "other"

    children, more = pdata.children_of(list(range(2000)), limit=10)
    assert [c.label for c in children[:2]] == ["[0]", "[1]"] and more == 1990
    children, _ = pdata.children_of({"a": {"b": 1}, "c": 2})
    assert children[0].expandable and not children[1].expandable
    assert pdata.leaf_text({"x": 1}) == "dict (1 keys)"
    assert len(pdata.bounded_repr(list(range(10**6)))) < 300


def test_frame_source_and_stats():
    df = pd.DataFrame({"x": [1.5, np.nan, 3.0], "s": ["a", "b\nc", "d" * 100],
                       "flag": [True, False, True]})
    source = pdata.FrameSource(df)
    assert source.n_rows == 3 and source.columns == ["x", "s", "flag"]
    rows = source.rows(0, 3)
    assert rows[0] == ("0", ["1.5", "a", "True"])
    assert rows[1][1][:2] == ["NaN", "b⏎c"]
    assert rows[2][1][1].endswith("…") and len(rows[2][1][1]) == pdata.MAX_CELL
    assert source.numeric_columns == ["x", "flag"]
    index_w, widths = source.column_widths()
    assert widths[1] == pdata.MAX_CELL
    hist = pdata.histogram(source.column_values("x"), 4)
    assert sum(hist.counts) == 2 and (hist.low, hist.high, hist.n) == (1.5, 3.0, 2)
    assert source.right_aligned() == [True, False, False]
    assert pdata.DescribeSource(df).n_rows >= 4
    stats = dict(pdata.array_stats(np.array([1.0, 2.0, np.nan])))
    assert stats["max"] == "2" and stats["NaN"] == "1" and stats["shape"] == "3"


def test_histogram_rows():
    from workbench.tui.screens.preview import histogram_rows

    assert histogram_rows([0, 4, 8], 2) == ["  █", " ██"]
    assert histogram_rows([1, 2], 1) == ["▄█"]
    assert histogram_rows([1, 1000], 2) == [" █", "▁█"]  # a count of 1 still shows


async def test_ten_million_rows_scroll_cheaply():
    """Only visible rows are read: paging through a 10M-row frame stays fast."""
    from textual.app import App

    from workbench.tui.widgets.table import VirtualTable

    frame = pd.DataFrame({"a": np.arange(10_000_000, dtype=np.int64),
                          "b": np.zeros(10_000_000)})
    table = VirtualTable(pdata.FrameSource(frame), id="t")

    class Host(App):
        def compose(self):
            yield table

    async with Host().run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        t0 = time.perf_counter()
        for target in (5_000_000, 9_999_999, 0, 1234567):
            table.cursor_row = target
            await pilot.pause()
            strip = table.render_line(1 + table.cursor_row - int(table.scroll_offset.y))
            assert strip.text.split("│")[0].strip() == str(target)
        table.action_page(1)
        await pilot.pause()
        elapsed = time.perf_counter() - t0
        assert table.fetches <= 8 * 256, table.fetches  # a few chunks, never the frame
        assert elapsed < 3.0, elapsed


@pytest.mark.parametrize("editor,expected", [
    ("vim", ["vim", "+12", "f.py"]),
    ("code --wait", ["code", "--wait", "-g", "f.py:12"]),
    ("hx", ["hx", "f.py:12"]),
])
def test_editor_command(editor, expected):
    from workbench.tui.editor import editor_command

    assert editor_command(editor, "f.py", 12) == expected


def test_the_stand_in_engine_is_an_engine_handle():
    from tui_helpers import IdleEngine
    from workbench.engine.protocol import EngineHandle

    assert isinstance(IdleEngine(), EngineHandle)


def test_engine_handlers_stay_out_of_textuals_event_names():
    """Textual calls ``_on_<event>``/``on_<event>`` methods for its own events (Idle...): an
    engine handler named so would run on every idle of the app."""
    from workbench.engine import protocol as P
    from workbench.tui.engine_bridge import EngineBridge

    own = [n for n in vars(EngineBridge) if n.startswith(("_on_", "on_"))]
    assert own == ["on_engine_event"], own
    assert set(EngineBridge._HANDLERS) == set(P.EVENTS.values())


def test_an_integer_histogram_has_one_bar_per_value_or_equal_runs_of_values():
    import numpy as np

    from workbench.tui import preview_data as pdata

    tickets = np.random.default_rng(1).poisson(1.5, 5000)  # 0..9 or so
    hist = pdata.histogram(tickets, 80)
    assert hist.integer and hist.width == 1 and len(hist.counts) == tickets.max() + 1
    assert all(hist.counts)  # no comb: every bar is a value that occurs
    assert hist.counts == np.bincount(tickets).tolist()
    assert hist.bin_label(3) == "3" and hist.edge_labels() == ("0", str(tickets.max()))
    wide = np.arange(1, 73)  # 72 values into at most 10 bars: 9 bars of 8 values
    hist = pdata.histogram(wide, 10)
    assert hist.width == 8 and hist.counts == [8] * 9
    assert hist.bin_label(0) == "1–8" and hist.bin_label(8) == "65–72"
    flags = pdata.histogram(np.array([True, False, True]), 40)
    assert flags.counts == [1, 2] and flags.edge_labels() == ("0", "1")
    floats = pdata.histogram(np.array([0.0, 0.5, 1.0]), 2)
    assert not floats.integer and floats.bin_label(1) == "0.5–1"


def test_histogram_head_says_what_a_bar_is():
    import numpy as np

    from workbench.tui import preview_data as pdata
    from workbench.tui.screens.preview import histogram_text

    text = histogram_text("tickets", pdata.histogram(np.array([0, 1, 1, 2, 2, 2]), 80), 4)
    head = text.plain.splitlines()[0]
    assert head == "tickets: 6 values, 3 bars of one value each; tallest 3 at 2"
    assert text.plain.splitlines()[-1].split() == ["0", "2"]
    wide = histogram_text("t", pdata.histogram(np.array([0, 1, 1, 2, 2, 2]), 80), 3, 24)
    lines = wide.plain.splitlines()
    assert lines[-1].split() == ["0", "1", "2"]  # a label under each widened bar
    assert lines[-2].split() == ["███████"] * 3 and lines[1].split() == ["███████"]


def test_describe_writes_each_column_one_way():
    import numpy as np
    import pandas as pd

    from workbench.tui import preview_data as pdata

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"tenure": rng.integers(1, 73, 5000),
                       "z": rng.standard_normal(5000) * 1e-5,
                       "contract": rng.choice(["monthly", "yearly"], 5000)})
    source = pdata.DescribeSource(df)
    rows = dict(source.rows(0, source.n_rows))
    stats = {k: v for k, v in rows.items() if k not in ("count", "unique", "freq")}
    tenure = [cells[0] for cells in stats.values() if cells[0]]
    assert {len(c.split(".")[1]) for c in tenure} == {4}  # 36.3632, 1.0000, 72.0000 ...
    assert rows["count"] == ["5,000", "5,000", "5,000"]
    z = [cells[1] for cells in stats.values() if cells[1]]
    assert len(z) == 7 and all("e" in c for c in z)  # tiny values: all scientific
    assert rows["top"][2] in ("monthly", "yearly") and rows["mean"][2] == ""
    assert source.right_aligned()[:2] == [True, True]


def test_an_array_inside_a_dict_expands():
    import numpy as np

    from workbench.tui import preview_data as pdata

    value = {"weights": np.array([0.5, -1.25, 2.0]), "grid": np.zeros((2, 3))}
    children, _ = pdata.children_of(value)
    assert all(c.expandable for c in children)
    rows, more = pdata.children_of(value["weights"])
    assert [(c.label, c.text) for c in rows if c.text] == [
        ("shape", "3"), ("min", "-1.25"), ("max", "2"), ("mean", "0.416667"),
        ("std", "1.32811"), ("NaN", "0")]
    assert [(c.label, c.value) for c in rows if c.text is None] == [
        ("[0]", 0.5), ("[1]", -1.25), ("[2]", 2.0)]
    grid, _ = pdata.children_of(value["grid"])
    assert [c.label for c in grid if c.expandable] == ["[0]", "[1]"]
