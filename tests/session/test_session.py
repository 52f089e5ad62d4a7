"""A whole iteration session, driven through the CLI and the Python API (the app drives the
same script in tests/tui/test_tui_session.py): at every iteration each face must report the
same run, the same before task and the same changed artifacts, and those must be the ones
the lineage rule names."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from session_script import SESSION, apply_edit, diff_record, record_of

REPO = Path(__file__).resolve().parents[2]


def _before(pathspec: str | None, split: list[int]) -> tuple | None:
    return None if pathspec is None else (int(pathspec.split("/")[1]), tuple(split))


def _cli_json(store: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "workbench", *args, "--json",
                           "--store", str(store)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def _cli_face(work: Path) -> list[dict]:
    flow, store = work / "churn_flow.py", work / "store"
    out = []
    for it in SESSION:
        apply_edit(flow, it.edit)
        if it.action == "run":
            doc = _cli_json(store, "run", str(flow), "-q")
            out.append({"run": doc["run"], "label": "run", "steps": {}})
            continue
        if it.action == "spin":
            args = ["spin", str(flow), it.step, "-q", "--run", str(it.run)]
            if it.index is not None:
                args += ["--index", str(it.index)]
            doc = _cli_json(store, *args)
            number, label = doc["run"], doc["label"]
        else:
            doc = _cli_json(store, "resume", str(flow), it.step, "-q", "--run", str(it.run))
            number = doc["run"]
            label = next(r["label"] for r in _cli_json(store, "runs", str(flow))
                         if r["run"] == number)
        steps = {}
        for step in it.expect_before:
            shown = _cli_json(store, "show", f"ChurnFlow/{number}/{step}", "--diff")
            steps[step] = [{"split": tuple(d["split"]),
                            "before": _before(d["before"], d["split"]),
                            "changed": sorted(a["name"] for a in d["diff"]
                                              if a["change"] != "unchanged")}
                           for d in shown["diffs"]]
        if it.action == "spin":  # the spin's own answer agrees with show --diff
            assert [{"split": tuple(d["split"]), "before": _before(d["before"], d["split"]),
                     "changed": sorted(a["name"] for a in d["diff"]
                                       if a["change"] != "unchanged")}
                    for d in doc["diffs"]] == steps[it.step]
        out.append({"run": number, "label": label, "steps": steps})
    return out


def _api_face(work: Path) -> list[dict]:
    import workbench
    from workbench.queries import run_label

    flow, store = work / "churn_flow.py", work / "store"
    out = []
    for it in SESSION:
        apply_edit(flow, it.edit)
        if it.action == "run":
            result = workbench.run(flow, store=store)
            out.append({"run": result.run.number, "label": "run", "steps": {}})
            continue
        if it.action == "spin":
            result = workbench.spin(flow, it.step, run=it.run, index=it.index, store=store)
            steps = {it.step: [diff_record(d) for d in result.diffs]}
        else:
            result = workbench.resume(flow, it.step, run=it.run, store=store)
            steps = {step: [diff_record(d) for d in result.run.diffs(step)]
                     for step in it.expect_before}
        out.append({"run": result.run.number, "label": run_label(result.run.record),
                    "steps": steps})
    workbench.api.shutdown_workers()
    return out


def _expected(work: Path) -> list[dict]:
    """What the store itself says, through the one read layer."""
    return [{k: v for k, v in record_of(work / "store", it.expect_run,
                                        list(it.expect_before or {})).items()
             if k != "status"} for it in SESSION]


@pytest.fixture
def workdirs(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for face in ("cli", "api"):
        work = tmp_path / face
        work.mkdir()
        shutil.copy(REPO / "sample_flows" / "churn_flow.py", work / "churn_flow.py")
        out[face] = work
    return out


def test_the_session_reads_the_same_through_the_cli_and_the_api(workdirs):
    faces = {"cli": _cli_face(workdirs["cli"]), "api": _api_face(workdirs["api"])}
    for face, records in faces.items():
        assert len(records) == len(SESSION)
        for it, rec in zip(SESSION, records):
            where = f"{face}: iteration {it.action} {it.step or ''} -> run {rec['run']}"
            assert rec["run"] == it.expect_run, where
            assert rec["label"] == it.expect_label, where
            for step, (before_run, split) in (it.expect_before or {}).items():
                tasks = rec["steps"][step]
                assert tasks, f"{where}: {step} has no re-executed task"
                assert all(t["before"] == (before_run, t["split"]) for t in tasks), \
                    f"{where}: {step} compared with {[t['before'] for t in tasks]}"
                assert tasks[0]["split"] == split, where
    assert faces["cli"] == faces["api"]
    # ... and both say what the store says through the read layer
    assert faces["api"] == [{"run": r["run"], "label": r["label"], "steps": r["steps"]}
                            for r in _expected(workdirs["api"])]
    api = faces["api"]
    # the edits show where they were made, and nowhere else
    assert "X" in api[1]["steps"]["features"][0]["changed"]
    assert {"accuracy", "weights"} <= set(api[2]["steps"]["train"][0]["changed"])
    assert api[4]["steps"]["train"][0]["changed"] == []  # same code, same inputs, same split
    assert "n_models" in api[5]["steps"]["pick_best"][0]["changed"]
    assert api[6]["steps"]["end"][0]["changed"] == []


def test_the_session_ends_in_a_comparison_and_the_client_reads_runs(workdirs):
    import workbench
    from workbench import Flow
    from workbench.queries.comparison import compare_runs
    from workbench.store import Store

    work = workdirs["api"]
    flow, store = work / "churn_flow.py", work / "store"
    for it in SESSION:
        apply_edit(flow, it.edit)
        if it.action == "run":
            workbench.run(flow, store=store)
        elif it.action == "spin":
            workbench.spin(flow, it.step, run=it.run, index=it.index, store=store)
        else:
            workbench.resume(flow, it.step, run=it.run, store=store)
    workbench.api.shutdown_workers()
    # the README's notebook lines hold after spins
    churn = Flow("ChurnFlow", store=store)
    assert churn.latest_run.number == 8 and churn.latest_successful_run.number == 8
    assert [r.number for r in churn] == [8, 6, 1]
    assert [r.number for r in churn.spins()] == [7, 5, 4, 3, 2]
    run = churn.latest_run  # the README's notebook lines, after five spins
    assert run["pick_best"].task.data.n_models == 4 and "weights" in run["pick_best"].task.data.model
    assert len(run["train"].tasks()) == 4
    assert 0 < run.data.accuracy <= 1
    assert "simulated" in run["start"].task.stdout
    from workbench import Run

    spun = Run("ChurnFlow/4", store=store)
    assert spun.kind == "spin" and [d.before.run_number for d in spun.diffs("train")] == [1]
    # compare the first and the last run: CLI and read layer agree; nothing is "no change"
    # that did not run on a side
    proc = subprocess.run([sys.executable, "-m", "workbench", "compare", str(flow), "1", "8",
                           "--json", "--store", str(store)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    comp = compare_runs(Store(store, create=False), "ChurnFlow", 1, 8)
    assert [s["step"] for s in doc["steps"]] == [s.step for s in comp.steps]
    changed = {s.step for s in comp.steps if s.summary["changed"] or s.summary["added"]}
    assert {"features", "train", "pick_best"} <= changed and "start" not in changed
    spin_vs_run = compare_runs(Store(store, create=False), "ChurnFlow", 1, 3)
    end = next(s for s in spin_vs_run.steps if s.step == "end")
    assert end.status_b is None and end.changed  # not run in the spin: never "no change"
