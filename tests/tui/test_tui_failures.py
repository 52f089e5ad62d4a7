"""Failures come to the user (issue 9/14 item 4): the failed run's step and its traceback with
the user's frames first and the library frames folded under one line."""
from __future__ import annotations

from tui_helpers import IdleEngine, plain, settle
from workbench.display import fold_traceback

DEEP = '''from metaflow import FlowSpec, step
import pandas as pd


def helper(df):
    return df.groupby("nope").sum()


class DeepFlow(FlowSpec):
    @step
    def start(self):
        self.df = pd.DataFrame({"a": [1, 2]})
        self.next(self.end)

    @step
    def end(self):
        helper(self.df)


if __name__ == "__main__":
    DeepFlow()
'''

TB = '''Traceback (most recent call last):
  File "/home/u/proj/flow.py", line 14, in end
    helper(self.df)
  File "/home/u/proj/flow.py", line 5, in helper
    return df.groupby("nope").sum()
  File "/home/u/proj/.venv/lib/python3.11/site-packages/pandas/core/frame.py", line 9, in groupby
    return DataFrameGroupBy(
  File "/usr/lib/python3.11/site-packages/numpy/core/x.py", line 3, in f
    raise KeyError(gpr)
KeyError: 'nope'
'''


def test_fold_keeps_the_users_frames_and_folds_the_rest():
    folded = fold_traceback(TB, "/home/u/proj")
    assert [f.func for f in folded.user_frames] == ["end", "helper"]
    assert [f.package for f in folded.library_frames] == ["pandas", "numpy"]
    text = folded.text(relative_to="/home/u/proj")
    assert text.splitlines()[1] == '  File "flow.py", line 14, in end'
    assert "2 library frames (pandas, numpy) folded" in text
    assert "frame.py" not in text and text.endswith("KeyError: 'nope'")
    full = folded.text(folded=False, relative_to="/home/u/proj")
    assert "pandas/core/frame.py" in full and full.index("flow.py") < full.index("frame.py")


async def test_a_failed_run_shows_the_users_frames_first_and_folds_pandas(workdir):
    from workbench.engine.api import run_flow
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.widgets.panes import TaskInfo

    (workdir / "deep_flow.py").write_text(DEEP)
    run_flow(workdir / "deep_flow.py", {}, store=workdir / "store")
    app = WorkbenchApp(workdir / "deep_flow.py", store=workdir / "store",
                       engine_factory=IdleEngine, poll_interval=60)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.show_failure(1)
        await settle(pilot)
        assert app.selected_step == "end"
        assert app.main.query_one("#tabs").active == "task"
        info = app.main.query_one(TaskInfo)
        text = plain(info)
        assert 'File "deep_flow.py", line 17, in end' in text
        assert "in helper" in text
        assert "library frames (pandas" in text and "o shows them" in text
        assert "frame.py" not in text and str(workdir) not in text
        assert text.index("in helper") < text.index("⋯ 4 library frames (pandas) folded")
        await pilot.press("t", "o")
        text = plain(info)
        assert "pandas/core" in text and "o folds them" in text
        await pilot.press("o")
        assert "pandas/core" not in plain(info)
