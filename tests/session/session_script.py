"""One iteration session on the churn sample, as data: what each face must do, and what every
face must then agree on (which run, which before, which artifacts changed).

Each iteration: an optional edit of the flow file, then one action. Reference runs are
explicit where the app would pass its selected run, so all three faces do the same thing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Iteration:
    action: str                      # run | spin | resume
    step: str | None = None
    run: int | None = None           # reference run (the app's selected run)
    index: int | None = None         # foreach split
    edit: tuple[str, str] | None = None
    # what every face must find (run number of the result; before as (run, step, split))
    expect_run: int = 0
    expect_label: str = ""
    expect_before: dict | None = None  # step -> (run number, split path) of its before


EDIT_FEATURES = ('"tickets": df.tickets.astype(float),',
                 '"tickets": df.tickets.astype(float) / 2,')
EDIT_TRAIN = ("for _ in range(300):", "for _ in range(120):")
EDIT_PICK = ("self.accuracy = best.accuracy",
             "self.accuracy = best.accuracy\n        self.n_models = len(inputs)")

SESSION = [
    Iteration("run", expect_run=1, expect_label="run"),
    Iteration("spin", "features", run=1, edit=EDIT_FEATURES, expect_run=2,
              expect_label="spin features <- 1", expect_before={"features": (1, ())}),
    # train was never run in run 2: its before is run 1's train (the lineage rule)
    Iteration("spin", "train", run=2, edit=EDIT_TRAIN, expect_run=3,
              expect_label="spin train[0] <- 2", expect_before={"train": (1, (0,))}),
    Iteration("spin", "train", run=1, index=2, expect_run=4,
              expect_label="spin train[2] <- 1", expect_before={"train": (1, (2,))}),
    # the same split again on the spin: compared with that spin's own train[2]
    Iteration("spin", "train", run=4, index=2, expect_run=5,
              expect_label="spin train[2] <- 4", expect_before={"train": (4, (2,))}),
    Iteration("resume", "pick_best", run=1, edit=EDIT_PICK, expect_run=6,
              expect_label="resume pick_best <- 1",
              expect_before={"pick_best": (1, ()), "end": (1, ())}),
    Iteration("spin", "end", run=6, expect_run=7, expect_label="spin end <- 6",
              expect_before={"end": (6, ())}),
    Iteration("run", expect_run=8, expect_label="run"),
]


def apply_edit(flow: Path, edit: tuple[str, str] | None) -> None:
    """Change the flow file (and its mtime, even within one clock tick)."""
    if edit is None:
        return
    text = flow.read_text()
    assert edit[0] in text, edit[0]
    flow.write_text(text.replace(edit[0], edit[1]))
    st = flow.stat()
    os.utime(flow, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def record_of(store_dir: Path, number: int, steps: list[str]) -> dict:
    """What the store says of run ``number``: label, and per step each re-executed task's
    before (run, split) and changed artifacts, through the one read layer."""
    from workbench.queries import run_label, split_path, task_diffs
    from workbench.store import Store

    store = Store(store_dir, create=False)
    run = store.catalog.get_run("ChurnFlow", number)
    out = {"run": number, "label": run_label(run), "status": run.status, "steps": {}}
    for step in steps:
        out["steps"][step] = [diff_record(d) for d in task_diffs(store, run, step)]
    return out


def diff_record(task_diff) -> dict:
    """A TaskDiff as face-independent data (run numbers and splits, no task ids)."""
    from workbench.queries import split_path

    before = task_diff.before
    return {"split": split_path(task_diff.task),
            "before": None if before is None else (before.run_number, split_path(before)),
            "changed": sorted(d.name for d in task_diff.diffs if d.change != "unchanged")}
