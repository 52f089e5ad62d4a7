"""Resume as Metaflow's (issue 10/14): from the start step, the end step, a foreach body, a
foreach join and a recursive switch of a successful run, and with no step after a failure
(from the step that failed, running again whatever the failed run never started), under
workbench and under real Metaflow; the resumed runs reach end with the same artifacts."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from parity_helpers import FLOWS, READER, _env, metaflow_python

FLOW = "ParityResumeFlow"
pytestmark = pytest.mark.xdist_group("parity-resume")  # the sessions are cached per worker


class Session:
    """One working directory per system: runs and resumes of resume_flow.py in order."""

    def __init__(self, system: str, root) -> None:
        self.system = system
        self.python = sys.executable if system == "workbench" else metaflow_python()
        if self.python is None:
            pytest.skip("real Metaflow is not installed (the parity extra)")
        self.workdir = root / system
        shutil.copytree(FLOWS, self.workdir)
        self.env = _env(system, self.workdir)

    def command(self, *args: str, fail_at: str | None = None) -> subprocess.CompletedProcess:
        env = dict(self.env, **({"FAIL_AT": fail_at} if fail_at else {}))
        launcher = [self.python, "-m", "workbench"] if self.system == "workbench" \
            else [self.python]
        return subprocess.run([*launcher, "resume_flow.py", *args], cwd=self.workdir,
                              env=env, capture_output=True, text=True, timeout=180)

    def origins(self) -> dict:
        """What the client says a resume came from (origin_pathspec, origin-run-id)."""
        head = ("from metaflow import Flow, namespace\n" if self.system == "metaflow" else
                "from workbench.compat.metaflow import Flow, metadata, namespace\n"
                f"metadata({str(self.workdir / '.workbench')!r})\n")
        code = head + f"""
import json
namespace(None)
runs = list(Flow({FLOW!r}))
resumed, origin = runs[0], runs[-1]  # the default origin: the newest `run`, not a resume
start, body = resumed["start"].task, list(resumed["body"])
print(json.dumps({{
    "run": resumed.origin_pathspec == origin.pathspec,
    "step": resumed["body"].origin_pathspec == origin.pathspec + "/body",
    "clone": start.origin_pathspec == origin["start"].task.pathspec,
    "rerun": [t.origin_pathspec for t in body],
    "metadata": start.metadata_dict.get("origin-run-id") == origin.id,
}}))
"""
        proc = subprocess.run([self.python, "-c", code], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def latest(self) -> dict:
        extra = [str(self.workdir / ".workbench")] if self.system == "workbench" else []
        proc = subprocess.run([self.python, str(READER), self.system, FLOW, *extra],
                              cwd=self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


def _outcomes(system: str, part: str, root) -> list[tuple[str, int, dict]]:
    """``part`` "steps": a run, then a resume from each kind of step; "failures": runs
    that fail part way, each resumed with no step. Two parts so two workers share them."""
    session = Session(system, root / part)
    out = []
    if part == "steps":
        first = session.command("run")
        assert first.returncode == 0, first.stdout + first.stderr
        out.append(("run", first.returncode, session.latest()))
        for step in ("start", "end", "body", "fjoin", "loop"):
            proc = session.command("resume", step)
            out.append((f"resume {step}", proc.returncode, session.latest()))
            if step == "body":
                out.append(("origins of resume body", 0, session.origins()))
        return out
    for fail_at in ("left", "body:1", "loop:1"):
        failed = session.command("run", fail_at=fail_at)
        out.append((f"run failing at {fail_at}", failed.returncode, {}))
        proc = session.command("resume")  # from the step that failed
        out.append((f"resume after {fail_at}", proc.returncode, session.latest()))
    return out


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    cache: dict[tuple[str, str], list] = {}

    def get(system: str, part: str) -> list:
        if (system, part) not in cache:
            (root / part).mkdir(exist_ok=True)
            cache[system, part] = _outcomes(system, part, root)
        return cache[system, part]
    return get


def _summary(data: dict) -> tuple:
    if "run" in data and "steps" not in data:  # the origins read after resume body
        return tuple(sorted(data.items()))
    end = data["end"]
    return data["successful"], end.get("summary"), end.get("resumed"), \
        sorted(data["steps"]), {s: len(t) for s, t in data["steps"].items()}


PARTS = ["steps", "failures"]


@pytest.mark.parametrize("part", PARTS)
def test_every_resume_reaches_end_under_workbench(outcomes, part):
    for what, code, data in outcomes("workbench", part):
        if what.startswith("run failing"):
            assert code == 1, what
            continue
        if what.startswith("origins"):
            assert data == {"run": True, "step": True, "clone": True,
                            "rerun": [None, None, None], "metadata": True}
            continue
        assert code == 0, what
        successful, summary, resumed, steps, tasks = _summary(data)
        assert successful and summary == [22, 3], what
        assert resumed is what.startswith("resume"), what
        assert tasks["body"] == 3 and tasks["loop"] == 3, what


@pytest.mark.parametrize("part", PARTS)
def test_resumes_match_metaflow(outcomes, part):
    ours, theirs = outcomes("workbench", part), outcomes("metaflow", part)
    assert [w for w, _, _ in ours] == [w for w, _, _ in theirs]
    for (what, code, data), (_, their_code, their_data) in zip(ours, theirs):
        assert (code == 0) == (their_code == 0), what
        if data:
            assert _summary(data) == _summary(their_data), what
            for step in their_data.get("steps", ()):
                assert data["steps"][step] == their_data["steps"][step], (what, step)
