"""Metaflow's own command line on a flow file, as its test runner, the Runner API and CI
scripts pass it, under workbench and under real Metaflow: top-level options before the
command, run options after it, METAFLOW_RUN_<NAME> for parameters."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from parity_helpers import FLOWS, READER, _env, metaflow_python

pytestmark = pytest.mark.xdist_group("parity-cli")

TOOLING = ["--metadata=local", "--datastore=local", "--environment=local",
           "--event-logger=nullSidecarLogger", "--no-pylint", "--quiet"]


def _run(system: str, root, args: list[str], extra_env: dict[str, str] | None = None,
         flow: str = "cli_flow.py"):
    python = sys.executable if system == "workbench" else metaflow_python()
    if python is None:
        pytest.skip("real Metaflow is not installed (the parity extra)")
    workdir = root / system
    if not workdir.exists():
        shutil.copytree(FLOWS, workdir)
    env = {**_env(system, workdir), **(extra_env or {})}
    launcher = [python, "-m", "workbench"] if system == "workbench" else [python]
    proc = subprocess.run([*launcher, flow, *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=180)
    return proc, workdir, env, python


def _read(system, workdir, env, python, flow_name: str = "ParityCliFlow") -> dict:
    extra = [str(workdir / ".workbench")] if system == "workbench" else []
    proc = subprocess.run([python, str(READER), system, flow_name, *extra], cwd=workdir,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("system", ["workbench", "metaflow"])
def test_the_tooling_command_line(system, tmp_path):
    proc, workdir, env, python = _run(
        system, tmp_path,
        [*TOOLING, "run", "--run-id-file", "run-id", "--max-workers=50",
         "--max-num-splits=10000", "--tag=TAG"],
        {"METAFLOW_RUN_ALPHA": "4.5"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = _read(system, workdir, env, python)
    start = data["steps"]["start"][0]
    assert start["alpha"] == 4.5 and start["beta"] == 2  # METAFLOW_RUN_ALPHA; beta default
    assert start["tags_seen"] == ["TAG"] and data["end"]["values"] == [4.5, 9.0, 13.5]
    run_id = (workdir / "run-id").read_text().strip()
    assert run_id  # written as the run started; the client finds that run
    code = ("import sys\nfrom metaflow import Run, namespace\n" if system == "metaflow" else
            "import sys\nfrom workbench.compat.metaflow import Run, metadata, namespace\n"
            f"metadata({str(workdir / '.workbench')!r})\n")
    code += f"namespace(None)\nprint(Run('ParityCliFlow/{run_id}').successful)\n"
    check = subprocess.run([python, "-c", code], cwd=workdir, env=env, capture_output=True,
                           text=True, timeout=60)
    assert check.stdout.strip() == "True", check.stderr


@pytest.mark.parametrize("system", ["workbench", "metaflow"])
def test_max_num_splits_fails_a_wider_foreach(system, tmp_path):
    proc, *_ = _run(system, tmp_path, ["run", "--max-num-splits", "2"])
    assert proc.returncode != 0
    said = " ".join((proc.stdout + proc.stderr).replace("*", "").split())  # as printed
    assert ("Foreach in step start yielded 3 child steps which is more than the current "
            "maximum of 2 children. You can raise the maximum with the --max-num-splits "
            "option.") in said


def test_options_that_mean_nothing_locally_are_named_once(tmp_path):
    proc, *_ = _run("workbench", tmp_path,
                    ["--datastore=s3", "--no-pylint", "run", "--with", "retry",
                     "--namespace", "user:x"])
    assert proc.returncode == 0, proc.stderr
    notes = [l for l in proc.stderr.splitlines() if l.startswith("workbench: ignored")]
    assert notes == ["workbench: ignored (Metaflow options that mean nothing in a local run): "
                     "--datastore=s3, --no-pylint, --with retry, --namespace"]


@pytest.mark.parametrize("system", ["workbench", "metaflow"])
def test_environment_sets_parameters_and_include_files(system, tmp_path):
    """METAFLOW_RUN_<NAME> (click's envvar rule) for a Parameter and an IncludeFile."""
    (tmp_path / system).mkdir(parents=True)
    shutil.copytree(FLOWS, tmp_path / system, dirs_exist_ok=True)
    (tmp_path / system / "other.txt").write_text("from the environment\n")
    proc, workdir, env, python = _run(
        system, tmp_path, ["run"], {"METAFLOW_RUN_N": "7", "METAFLOW_RUN_TEXT": "other.txt"},
        flow="params_flow.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    values = _read(system, workdir, env, python, "ParityParamsFlow")["steps"]["start"][0]
    assert values["values"]["n"] == 7 and values["values"]["text"] == "from the environment\n"
