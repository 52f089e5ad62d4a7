"""The sample flows run as the README says, and the read commands work on their runs."""
from __future__ import annotations

import json

from tests.conftest import SAMPLE_FLOWS


def test_sample_flows_run_and_read_back(cli, client):
    churn = cli("run", SAMPLE_FLOWS / "churn_flow.py", "--param", "n_customers=2000")
    assert churn.returncode == 0, churn.stdout + churn.stderr
    assert "[train/" in churn.stdout and "best setting" in churn.stdout
    report = cli("run", SAMPLE_FLOWS / "report_flow.py", "--param", "top=3")
    assert report.returncode == 0, report.stdout + report.stderr
    broken = cli("run", SAMPLE_FLOWS / "broken_flow.py")
    assert broken.returncode == 1
    assert "could not convert string to float" in broken.stdout

    run = client.Flow("ChurnFlow").latest_run
    assert run.successful and len(run["train"].tasks()) == 4
    assert set(run["pick_best"].task.data.model) == {"setting", "weights"}
    assert len(client.Flow("SalesReportFlow").latest_run.data.products) == 3

    runs = json.loads(cli("runs", SAMPLE_FLOWS / "churn_flow.py", "--json").stdout)
    assert runs[0]["status"] == "succeeded" and runs[0]["parameters"]["n_customers"] == 2000
    shown = cli("show", "ChurnFlow/1")
    assert shown.returncode == 0 and "pick_best" in shown.stdout
    task = run["pick_best"].task
    artifacts = cli("show", task.pathspec, "--json").json()["artifacts"]
    assert {a["name"] for a in artifacts} >= {"model", "accuracy", "leaderboard"}
    logs = cli("logs", run["end"].task.pathspec)
    assert logs.returncode == 0 and "best setting" in logs.stdout
    failed_logs = cli("logs", "BrokenFlow/1/clean")
    assert "ValueError" in failed_logs.stdout


def test_broken_flow_fix_then_spin(cli, tmp_path):
    flow = tmp_path / "broken_flow.py"
    flow.write_text((SAMPLE_FLOWS / "broken_flow.py").read_text())
    assert cli("run", flow).returncode == 1
    fixed = flow.read_text().replace(
        "self.raw.reading.dropna().astype(float)",
        'pd.to_numeric(self.raw.reading, errors="coerce").dropna()')
    flow.write_text(fixed)
    spin = cli("spin", flow, "clean", "--json")
    assert spin.returncode == 0, spin.stdout + spin.stderr
    readings = next(d for d in spin.json()["diff"] if d["name"] == "readings")
    assert readings["change"] == "added"
