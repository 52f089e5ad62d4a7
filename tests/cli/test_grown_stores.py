"""Stores that grew: `runs` lists the newest runs with a line saying how many more there are,
`show` of a wide foreach step lists a window of its tasks (failures first), a task that
prints nothing leaves no log file, and a long chain of spins is walked in one query."""
from __future__ import annotations

import re
import sqlite3

from workbench.store import Store

FLOW = """
from metaflow import FlowSpec, step


class Wide(FlowSpec):
    @step
    def start(self):
        self.items = list(range(120))
        self.next(self.work, foreach="items")

    @step
    def work(self):
        if self.input == 7:
            print("seven")
        self.value = self.input * 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.value for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    Wide()
"""


def _more_runs(store_dir, flow_file, count: int) -> None:
    """Runs made of the first run's tasks (catalog rows, as clones make them)."""
    catalog = Store(store_dir).catalog
    first = catalog.list_runs("Wide")[-1]
    task_ids = [t.id for t in catalog.list_tasks(first.id)]
    for number in range(count):
        run = catalog.create_run("Wide", "run", flow_file=str(flow_file),
                                 parameters={"n": number})
        catalog.clone_tasks(task_ids, run.id)
        catalog.finish_run(run.id, "succeeded")


def test_runs_lists_the_newest_and_says_how_many_more(cli, tmp_path):
    flow = tmp_path / "wide_flow.py"
    flow.write_text(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    _more_runs(cli.store_dir, flow, 79)  # 80 runs in all

    shown = cli("runs", flow)
    assert shown.returncode == 0, shown.stderr
    assert "80 runs, newest 50 shown" in shown.stdout
    assert "… 30 older runs not shown: --limit N or --all" in shown.stdout
    listed = [int(m) for m in re.findall(r"^│\s+(\d+)\s+│", shown.stdout, re.M)]
    assert listed == list(range(80, 30, -1))

    limited = cli("runs", flow, "--limit", "5")
    assert "… 75 older runs not shown" in limited.stdout
    every = cli("runs", flow, "--all")
    assert "older runs" not in every.stdout
    assert len(re.findall(r"^│\s+\d+\s+│", every.stdout, re.M)) == 80
    assert len(cli("runs", flow, "--json").json()) == 80  # data is never cut
    assert len(cli("runs", flow, "--json", "--limit", "3").json()) == 3
    both = cli("runs", flow, "--all", "--limit", "3")
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_show_of_a_wide_step_lists_a_window_failures_first_and_no_empty_logs(cli, tmp_path):
    flow = tmp_path / "wide_flow.py"
    flow.write_text(FLOW)
    assert cli("run", flow, "-q").returncode == 0
    catalog_path = cli.store_dir / "catalog.sqlite"
    with sqlite3.connect(catalog_path) as conn:  # one split reads failed, as after a crash
        conn.execute("UPDATE tasks SET status = 'failed', exception = 'ValueError: boom'"
                     " WHERE step = 'work' AND split_index = 100")

    shown = cli("show", "Wide/1/work")
    assert shown.returncode == 0, shown.stderr
    assert "120 task(s): 119 succeeded, 1 failed" in shown.stdout
    assert "ValueError: boom" in shown.stdout  # the failure is listed, though it is split 100
    assert "… 70 more tasks not listed: --all" in shown.stdout
    every = cli("show", "Wide/1/work", "--all")
    assert "more tasks" not in every.stdout
    assert len(cli("show", "Wide/1/work", "--json").json()["tasks"]) == 120

    logs = sorted(p.name for p in (cli.store_dir / "logs").iterdir())
    seven = next(t for t in cli("show", "Wide/1/work", "--json").json()["tasks"]
                 if t["split_index"] == 7)
    assert logs == [f"{seven['task_id']}.stdout"]  # the one task that printed; no empty files
    assert cli("logs", seven["pathspec"]).stdout.strip() == "seven"
    quiet = next(t for t in cli("show", "Wide/1/work", "--json").json()["tasks"]
                 if t["split_index"] == 3)
    assert cli("logs", quiet["pathspec"]).returncode == 0  # no file: an empty log


def test_a_long_spin_chain_is_walked_in_one_query(tmp_path):
    from workbench.queries.status import overlay

    store = Store(tmp_path / "store")
    catalog = store.catalog
    base = catalog.create_run("Chain", "run", flow_file="f.py")
    for step in ("start", "train", "end"):
        catalog.create_task(base.id, step, status="succeeded")
    catalog.finish_run(base.id, "succeeded")
    previous = base
    for _ in range(300):  # a long session of chained spins of train
        spin = catalog.create_run("Chain", "spin", flow_file="f.py",
                                  origin_run=previous.number, spun_step="train")
        catalog.create_task(spin.id, "train", status="succeeded")
        catalog.finish_run(spin.id, "succeeded")
        previous = spin
    queries = []
    ref = catalog.get_run("Chain", previous.number)
    import workbench.store.catalog as catalog_module

    real = catalog_module.Catalog._all

    def counting(self, sql, params=()):
        queries.append(sql)
        return real(self, sql, params)

    catalog_module.Catalog._all = counting
    try:
        chain, source, by_step = overlay(store, ref)
    finally:
        catalog_module.Catalog._all = real
    assert source == {"train": 0, "start": 300, "end": 300}
    assert set(by_step) == {"start", "train", "end"}
    assert len(queries) < 10, queries  # not one per run of the chain
    assert sorted(chain) == [0, 300]
