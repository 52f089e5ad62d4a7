"""The code a step ran in a run, and how it differs from the flow file now.

Each run keeps the flow file's text as it read it (``runs.source_key``). A step's code in a
run is that of the task that executed it: a clone (resume, spin) points back to the task it
was copied from, and the run overlay (``status.overlay``) gives a spin's untouched steps
from its origin. The stored text is checked against the task's recorded source hash, so a
text that is not what ran is never shown as if it were.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from ..flow import FlowError, FlowGraph, parse_graph
from ..store import RunRecord, Store, TaskRecord
from .status import overlay


@dataclass(frozen=True)
class RanSource:
    """A step's source as one task executed it."""

    step: str
    task: str       # pathspec of the task that executed this code
    text: str       # the step's function, decorators included
    first_line: int  # line of ``text``'s first line in the file it ran from


@dataclass(frozen=True)
class SourceLine:
    """One line of a step's source diff: ``tag`` is " " (same), "-" (ran, gone) or "+"
    (new); ``number`` is its line in the file now (" " and "+") or in the file that ran."""

    tag: str
    number: int
    text: str


def _origin(store: Store, task: TaskRecord) -> TaskRecord:
    """The task that executed ``task``'s code: follow clones back to the one that ran."""
    seen = {task.id}
    while task.cloned_from is not None and task.cloned_from not in seen:
        parent = store.catalog.get_task(task.cloned_from)
        if parent is None:
            break
        seen.add(parent.id)
        task = parent
    return task


def ran_source(store: Store, graph: FlowGraph, run: RunRecord, step: str) -> RanSource | None:
    """``step``'s code as it ran in ``run`` (or, for a spin, in the run it came from), or
    None where the run did not keep its text or the text kept is not the code that ran."""
    _, _, by_step = overlay(store, run)
    tasks = by_step.get(step)
    if not tasks:
        return None
    now = graph[step].source_hash if step in graph else None
    task = next((t for t in tasks if t.source_hash and t.source_hash != now), tasks[0])
    task = _origin(store, task)
    ran_in = store.catalog.get_run_by_id(task.run_id)
    text = store.catalog.source_text(ran_in.source_key) if ran_in is not None else None
    if text is None:
        return None
    try:
        old = parse_graph(Path(ran_in.flow_file), graph.name, source=text, validate=False)
    except (FlowError, SyntaxError):
        return None
    node = old.nodes.get(step)
    if node is None or (task.source_hash and node.source_hash != task.source_hash):
        return None
    return RanSource(step, task.pathspec, node.source, node.source_line)


def source_diff(ran: RanSource, text: str, first_line: int) -> list[SourceLine]:
    """Every line of the step's code now (``text`` from ``first_line``), with the lines
    that ran and are gone inserted where they were."""
    old, new = ran.text.splitlines(), text.splitlines()
    out: list[SourceLine] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [SourceLine(" ", first_line + j, new[j]) for j in range(j1, j2)]
            continue
        out += [SourceLine("-", ran.first_line + i, old[i]) for i in range(i1, i2)]
        out += [SourceLine("+", first_line + j, new[j]) for j in range(j1, j2)]
    return out
