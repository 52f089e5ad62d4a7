"""Metrics across runs: scalar artifacts (accuracy, loss, a count) of chosen steps, one row
per run with its parameters, the experiment table ``dvc exp show`` gives.

Values come from the catalog's summaries (an int's or a float's summary is its repr), so a
table of 1,000 runs opens no blob. A metric is an artifact of a step that ran as one task
(a foreach body's splits have no single value; its join usually holds the chosen one).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..store import Store
from .runs import MAIN_KINDS, list_runs
from .steps import step_tasks

SCALAR_TYPES = {"int", "float", "bool", "numpy.float64", "numpy.float32", "numpy.int64",
                "numpy.int32", "numpy.bool", "numpy.bool_"}
_NUMPY_REPR = re.compile(r"^np\.\w+\((.*)\)$")  # numpy 2: np.float64(0.5)

Metric = tuple[str, str]  # (step, artifact)


@dataclass
class MetricRow:
    """One run: its number, label, status, parameters and each chosen metric's value."""

    run: int
    label: str
    status: str
    params: dict[str, Any]
    values: dict[Metric, float | None] = field(default_factory=dict)


def _value(summary: str) -> float | None:
    """The number a scalar's summary (its repr) shows: ``0.5``, ``np.float64(0.5)``,
    ``True``, ``np.True_``."""
    m = _NUMPY_REPR.match(summary)
    if m:
        summary = m.group(1)
    summary = {"np.True_": "True", "np.False_": "False"}.get(summary, summary)
    try:
        value = float(summary)
    except (TypeError, ValueError):
        return {"True": 1.0, "False": 0.0}.get(summary)
    return value if math.isfinite(value) else None


def metric_candidates(store: Store, flow: str, runs: int = 20) -> list[Metric]:
    """Scalar artifacts of single-task steps in the flow's newest runs, in step order of
    appearance then by name."""
    seen: dict[Metric, None] = {}
    for run in list_runs(store.catalog, flow, kinds=MAIN_KINDS)[:runs]:
        by_step: dict[str, int] = {}
        tasks = store.catalog.list_tasks(run.id)
        for task in tasks:
            by_step[task.step] = by_step.get(task.step, 0) + 1
        for task in sorted(tasks, key=lambda t: t.id):
            if by_step[task.step] != 1 or task.status != "succeeded":
                continue
            for art in store.catalog.list_artifacts(task.id):
                if art.type_name in SCALAR_TYPES and not art.name.startswith("_"):
                    seen.setdefault((task.step, art.name))
    return list(seen)


def metric_rows(store: Store, flow: str, metrics: list[Metric]) -> list[MetricRow]:
    """Every run and resume of ``flow``, newest first, with the metrics' values (None where
    the run has no such artifact)."""
    from .runs import run_label

    rows = []
    for run in list_runs(store.catalog, flow, kinds=MAIN_KINDS):
        row = MetricRow(run.number, run_label(run), run.status, dict(run.parameters or {}))
        steps = {step for step, _ in metrics}
        found: dict[str, dict[str, str]] = {}
        for step in steps:
            tasks = step_tasks(store.catalog, run, step)
            if len(tasks) == 1:
                found[step] = {a.name: a.summary for a in
                               store.catalog.list_artifacts(tasks[0].id)}
        for step, name in metrics:
            summary = found.get(step, {}).get(name)
            row.values[(step, name)] = _value(summary) if summary is not None else None
        rows.append(row)
    return rows


BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """``▁▃▅█`` for the values in order (a gap for a missing one)."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    lo, hi = min(present), max(present)
    span = hi - lo
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(BLOCKS[int((v - lo) / span * (len(BLOCKS) - 1)) if span else 3])
    return "".join(out)
