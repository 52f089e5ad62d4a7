"""Importing runs real Metaflow executed (the parity extra): every shape, values equal to
Metaflow's client, spins of imported tasks, a comparison with a workbench run, run --metaflow.

Fixtures are made here by running the flows in ``flows/`` with real Metaflow 2.19 against a
local datastore in a temporary directory; everything is read back through the real CLI.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("metaflow", reason="the parity extra (real Metaflow) is not installed")
pytestmark = pytest.mark.xdist_group("metaflow_import")

FLOWS = Path(__file__).resolve().parent / "flows"


def _env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("METAFLOW_", "WORKBENCH_"))}
    env.update(USER="tester", USERNAME="tester", METAFLOW_USER="tester", COLUMNS="200",
               METAFLOW_DEFAULT_DATASTORE="local", METAFLOW_DEFAULT_METADATA="local",
               METAFLOW_HOME=str(workdir / "mfhome"),
               WORKBENCH_STORE=str(workdir / ".workbench"))
    env.update(extra)
    return env


def _sh(workdir: Path, *args: str, env: dict | None = None, ok: bool = True
        ) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(args), cwd=workdir, env=env or _env(workdir),
                          capture_output=True, text=True, timeout=240)
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def wb(workdir: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return _sh(workdir, sys.executable, "-m", "workbench", *args, **kw)


@pytest.fixture(scope="module")
def mf_dir(tmp_path_factory) -> Path:
    """A directory where Metaflow ran the shapes flow and the failing flow, each imported."""
    workdir = tmp_path_factory.mktemp("mfimport")
    for flow in FLOWS.glob("*.py"):
        shutil.copy(flow, workdir / flow.name)
    _sh(workdir, sys.executable, "import_shapes_flow.py", "run")
    failed = _sh(workdir, sys.executable, "import_fail_flow.py", "run", ok=False)
    assert failed.returncode != 0
    return workdir


def _first_run(workdir: Path, flow: str) -> str:
    """The id of the fixture's run of ``flow`` (later tests make newer Metaflow runs)."""
    runs = sorted(p.name for p in (workdir / ".metaflow" / flow).iterdir() if p.name.isdigit())
    return f"{flow}/{runs[0]}"


def _imported(workdir: Path, flow: str) -> dict:
    out = json.loads(wb(workdir, "import-metaflow", _first_run(workdir, flow),
                        "--json").stdout)
    assert len(out) == 1
    return out[0]


def test_import_keeps_shapes_retries_catch_and_is_idempotent(mf_dir):
    first = _imported(mf_dir, "ImportShapesFlow")
    again = _imported(mf_dir, "ImportShapesFlow")
    assert first["created"] and not again["created"]
    assert (first["pathspec"], first["run"]) == (again["pathspec"], again["run"])
    latest = json.loads(wb(mf_dir, "import-metaflow", "ImportShapesFlow", "--json").stdout)
    assert [(d["run"], d["created"]) for d in latest] == [(first["run"], False)]  # the flow
    # alone: its latest run, the only one so far
    show = json.loads(wb(mf_dir, "show", first["pathspec"], "--json").stdout)
    assert show["kind"] == "metaflow" and show["status"] == "succeeded"
    assert show["metaflow"] == first["metaflow"]
    assert show["parameters"] == {"n": 3, "mode": "a"}
    steps = {t["step"] for t in show["tasks"]}
    assert steps == {"start", "fan", "gather", "fork", "left", "right", "inner_a", "inner_b",
                     "inner_join", "outer_join", "choose", "path_a", "end"}  # switch: a only
    fans = sorted((t for t in show["tasks"] if t["step"] == "fan"),
                  key=lambda t: t["split_index"])
    assert [t["split_index"] for t in fans] == [0, 1, 2]
    assert [t["attempt"] for t in fans] == [0, 1, 0]  # split 1 failed once: attempt 1 kept
    assert all(t["metaflow"].startswith(first["metaflow"] + "/") for t in show["tasks"])
    logs = wb(mf_dir, "logs", f"{first['pathspec']}/start").stdout
    assert "start with 3" in logs


def test_imported_values_equal_metaflow_client(mf_dir):
    """Every artifact of every task, fetched on first use, equals Metaflow's client."""
    info = _imported(mf_dir, "ImportShapesFlow")
    script = f"""
import json, pickle, sys
from metaflow import Run, namespace
namespace(None)
run = Run({info['metaflow']!r})
out = {{}}
for step in run:
    for task in step:
        out[task.pathspec] = {{a.id: repr(a.data) for a in task if not a.id.startswith('_')
                              and a.id != 'name' and a.id != 'oops'}}
print(json.dumps(out))
"""
    theirs = json.loads(_sh(mf_dir, sys.executable, "-c", script).stdout)
    sys.path.insert(0, str(mf_dir))
    from workbench.client import Run as WbRun  # noqa: PLC0415
    from workbench.store import Store  # noqa: PLC0415

    store = Store(mf_dir / ".workbench")
    run = WbRun(info["pathspec"], store=store)
    ours = {}
    for task in run.task_records():
        values = {a.name: a for a in store.catalog.list_artifacts(task.id)}
        ours[task.external_id] = {n: repr(store.blobs.get(a.key)) for n, a in values.items()
                                  if n != "oops"}
    assert ours == theirs
    caught = next(t for t in run.task_records() if t.step == "right")
    oops = store.blobs.get(store.catalog.get_artifact(caught.id, "oops").key)
    assert "ZeroDivisionError" in str(oops)


def test_failed_run_imports_failed_with_its_exception(mf_dir):
    info = _imported(mf_dir, "ImportFailFlow")
    show = json.loads(wb(mf_dir, "show", info["pathspec"], "--json").stdout)
    assert show["status"] == "failed"
    boom = next(t for t in show["tasks"] if t["step"] == "boom")
    assert boom["status"] == "failed" and boom["exception"].startswith("ValueError: no good")
    assert "end" not in {t["step"] for t in show["tasks"]}
    assert "about to fail" in wb(mf_dir, "logs", f"{info['pathspec']}/boom").stdout


def test_spin_every_step_of_an_imported_run_diffs_against_it(mf_dir):
    """Every step, through the Python API's warm worker (the app's path: the flow module is
    imported there, so each fetch swaps the real Metaflow in for the call), and one step
    through the CLI."""
    info = _imported(mf_dir, "ImportShapesFlow")
    show = json.loads(wb(mf_dir, "show", info["pathspec"], "--json").stdout)
    steps = list(dict.fromkeys(t["step"] for t in show["tasks"]))
    script = f"""
import json, workbench
out = {{}}
for step in {steps!r}:
    r = workbench.spin("import_shapes_flow.py", step, run={info['run']}, store=".workbench")
    out[step] = [r.status, r.before.pathspec if r.before else None,
                 sorted(d.name for d in r.diff if d.change != "unchanged")]
print(json.dumps(out))
"""
    spins = json.loads(_sh(mf_dir, sys.executable, "-c", script).stdout.splitlines()[-1])
    assert list(spins) == steps
    for step, (status, before, changed) in spins.items():
        assert status == "succeeded", step
        assert before.startswith(f"{info['pathspec']}/{step}/"), (step, before)
        # the caught exception is a new object (its traceback names this process's files)
        assert set(changed) <= ({"oops"} if step == "right" else set()), (step, changed)
    cli = json.loads(wb(mf_dir, "spin", "import_shapes_flow.py", "inner_join", "--run",
                        str(info["run"]), "--json").stdout)
    assert cli["status"] == "succeeded" and cli["before"].startswith(info["pathspec"])
    assert all(d["change"] == "unchanged" for d in cli["diff"])


def test_compare_metaflow_run_with_workbench_run_of_same_parameters(mf_dir):
    info = _imported(mf_dir, "ImportShapesFlow")
    ran = json.loads(wb(mf_dir, "run", "import_shapes_flow.py", "--json", "-q").stdout)
    assert ran["status"] == "succeeded"
    comp = json.loads(wb(mf_dir, "compare", "ImportShapesFlow", str(info["run"]),
                         str(ran["run"]), "--json").stdout)
    assert comp["parameters"] == [] or not comp["parameters"]
    changed = [(s["step"], d["name"]) for s in comp["steps"] for p in s["tasks"]
               for d in p["diff"] if d["change"] != "unchanged"]
    assert set(changed) <= {("right", "oops")}, changed


def test_run_metaflow_end_to_end(mf_dir):
    proc = wb(mf_dir, "run", "import_small_flow.py", "--metaflow", "--param", "factor=3")
    assert "Task finished successfully" in proc.stdout  # Metaflow's lines, streamed
    assert "imported ImportSmallFlow/" in proc.stdout
    runs = json.loads(wb(mf_dir, "runs", "ImportSmallFlow", "--json").stdout)
    newest = runs[0]
    assert newest["kind"] == "metaflow" and newest["status"] == "succeeded"
    assert newest["parameters"] == {"factor": 3}  # converted by the parameter's type
    value = _sh(mf_dir, sys.executable, "-c",
                f"from workbench.client import Run\n"
                f"print(Run({newest['pathspec']!r})['end'].task.data.total)").stdout
    assert value.split() == ["15"]
    bad = wb(mf_dir, "run", "import_small_flow.py", "--metaflow", "--param", "factor=x",
             ok=False)
    assert bad.returncode == 2 and "factor=x" in bad.stderr and "Traceback" not in bad.stderr


def test_bad_inputs_are_one_line_exit_2(mf_dir):
    for args, text in ((["Nope"], "no runs of Nope"), (["ImportShapesFlow/999"], "not found"),
                       (["ImportShapesFlow", "--root", str(mf_dir / "none")], "no such"),
                       (["bad name!"], "expected FLOW or FLOW/RUN_ID")):
        proc = wb(mf_dir, "import-metaflow", *args, ok=False)
        assert proc.returncode == 2, proc.stderr
        assert text in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1



def test_diff_status_and_resume_on_an_imported_run(mf_dir):
    info = _imported(mf_dir, "ImportShapesFlow")
    show = json.loads(wb(mf_dir, "show", info["pathspec"], "--json").stdout)
    fans = sorted((t for t in show["tasks"] if t["step"] == "fan"),
                  key=lambda t: t["split_index"])
    diff = json.loads(wb(mf_dir, "diff", fans[0]["pathspec"], fans[2]["pathspec"],
                         "--json").stdout)
    changes = {d["name"]: d["change"] for d in diff["diff"]}
    assert changes["sq"] == "changed" and changes["items"] == "unchanged"
    # cards stay in Metaflow's datastore: the line says so, not "add @card"
    card = wb(mf_dir, "card", fans[0]["pathspec"], ok=False)
    assert card.returncode == 2 and "ran under Metaflow" in card.stderr
    assert len(card.stderr.strip().splitlines()) == 1

    status = json.loads(wb(mf_dir, "status", "import_shapes_flow.py", "--run",
                           str(info["run"]), "--json").stdout)
    ran = {s["step"]: s["status"] for s in status["steps"] if s["tasks"]}
    assert set(ran.values()) == {"code unknown"}  # a local Metaflow run keeps no code

    resumed = json.loads(wb(mf_dir, "resume", "import_shapes_flow.py", "outer_join", "--run",
                            str(info["run"]), "--json", "-q").stdout)
    assert resumed["status"] == "succeeded" and resumed["origin_run"] == info["run"]
    steps = {t["step"] for t in resumed["tasks"]}
    assert {"outer_join", "choose", "path_a", "end"} <= steps


def test_default_datastore_found_upward_and_missing_metaflow_named(mf_dir, tmp_path):
    """No --root: Metaflow's own rule finds the .metaflow folder above the working directory.
    Without Metaflow importable, one line says which extra to install."""
    sub = mf_dir / "deeper" / "still"
    sub.mkdir(parents=True, exist_ok=True)
    env = _env(mf_dir)
    out = json.loads(_sh(sub, sys.executable, "-m", "workbench", "import-metaflow",
                         "ImportFailFlow", "--json", env=env).stdout)
    assert out[0]["status"] == "failed"

    shadow = tmp_path / "shadow" / "metaflow"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'metaflow'\")\n")
    env = _env(mf_dir, PYTHONPATH=str(shadow.parent))
    proc = wb(mf_dir, "import-metaflow", "ImportFailFlow", env=env, ok=False)
    assert proc.returncode == 2
    assert "pip install 'flow-workbench[metaflow]'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
