"""``compare``, ``diff``, ``status`` and ``gc``: what changed between runs, tasks and code.

Logic lives in ``workbench.queries`` (comparison, status) and ``workbench.store.gc``; this module parses arguments
and renders rich tables or ``--json``. User text is printed through ``safe()`` in ``Text``.
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Any, Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..client import MetaflowNotFound, Step, Task, open_store
from ..flow import parse_graph
from ..queries import run_label
from ..queries.comparison import RunComparison, StepComparison, compare_runs, diff_tasks
from ..queries.source import SourceLine, ran_source, source_diff
from ..queries.status import (CODE_UNKNOWN, MODIFIED, NEVER_RUN, STALE, UP_TO_DATE, StatusReport,
                              step_status)
from ..store.gc import KEEP_SPINS, GcReport, gc
from ..store import RunRecord, Store, TaskRecord
from .console import format_params, format_seconds, format_size, safe, status_text, stdout_console
from .diff_render import counts_text, render_diff

EXIT_OK = 0
DETAIL_PAIRS = 5  # split pairs per step whose diff is printed in full
STATUS_STYLE = {MODIFIED: "bold yellow", STALE: "magenta", UP_TO_DATE: "green",
                NEVER_RUN: "dim", CODE_UNKNOWN: "dim"}


def _usage(message: str) -> Exception:
    from .app import UsageError

    return UsageError(message)


def _t(value: Any, style: str = "") -> Text:
    return Text(safe("" if value is None else value), style=style)


def _is_file(flow: str) -> bool:
    return flow.endswith(".py") or os.path.isfile(flow)


def _flow_name(flow: str, flow_name: str | None) -> str:
    """The flow name from a flow file (static parse) or as given."""
    if _is_file(flow):
        return parse_graph(flow, flow_name, validate=False).name
    return flow


# ---------------------------------------------------------------------------------- compare


def _run_label(run: RunRecord) -> Text:
    return Text.assemble(_t(f"run {run.number}", "bold"), " (", _t(run_label(run), "cyan"),
                         ", ", status_text(run.status), ", ", format_seconds(run.duration), ")")


def _pair_text(a: Any, b: Any, fmt: Callable[[Any], Text]) -> Text:
    if a == b:
        return fmt(a)
    return Text.assemble(fmt(a), (" -> ", "dim"), fmt(b))


def _delta_text(step: StepComparison) -> Text:
    delta = step.seconds_delta
    if delta is None:
        return Text("")
    if abs(delta) < 0.005:
        return Text("same", style="dim")
    text = ("+" if delta >= 0 else "-") + format_seconds(abs(delta))
    if step.seconds_a and step.seconds_a >= 0.1:  # percentages of milliseconds are noise
        text += f" ({delta / step.seconds_a:+.0%})"
    return Text(text, style="dim" if abs(delta) < 0.05 else "")


def _code_text(changed: bool | None) -> Text:
    if changed is None:
        return Text("-", style="dim")
    return Text("changed", style="yellow") if changed else Text("same", style="dim")


def _artifacts_text(comp: RunComparison, step: StepComparison) -> Text:
    diffs = [d for p in step.pairs for d in p.own_diffs]
    parts = [counts_text(diffs)] if diffs else []
    if step.carried:
        order = [s.step for s in comp.steps]
        origins = sorted(set(step.carried.values()), key=order.index)
        parts.append(Text(f"{len(step.carried)} carried from {', '.join(origins)}", style="dim"))
    foreach = any(p.split for p in step.pairs)
    for count, run in ((step.only_a, comp.run_a), (step.only_b, comp.run_b)):
        if count:
            label = f"{count} split{'s' if count > 1 else ''}" if foreach else "task"
            parts.append(Text(f"{label} only in run {run.number}", style="magenta"))
    return Text("; ").join(parts) if parts else Text("-", style="dim")


def _steps_table(comp: RunComparison) -> Table:
    table = Table(title_justify="left")
    for name, justify in (("step", "left"), ("status", "left"), ("time", "right"),
                          ("change", "right"), ("code", "left"), ("artifacts", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in comp.steps:
        arts = _artifacts_text(comp, s)
        if s.splits_omitted:
            arts.append(f" (+{s.splits_omitted} splits not compared)", style="dim")
        status = _pair_text(s.status_a, s.status_b, status_text)
        if s.reused_a or s.reused_b:
            where = "both" if s.reused_a and s.reused_b else \
                str(comp.run_a.number if s.reused_a else comp.run_b.number)
            status.append(f" ↺ {where}", style="magenta")  # reused there (run --reuse)
        table.add_row(_t(s.step, "bold"), status,
                      _pair_text(s.seconds_a, s.seconds_b,
                                 lambda v: Text(format_seconds(v))),
                      _delta_text(s), _code_text(s.code_changed), arts)
    return table


def _print_comparison(console: Console, comp: RunComparison, show_unchanged: bool) -> None:
    console.print(Text.assemble(_t(comp.flow, "bold"), ": ", _run_label(comp.run_a),
                                (" -> ", "dim"), _run_label(comp.run_b)))
    if comp.parameters:
        console.print(Text("parameters:", style="dim"))
        for p in comp.parameters:
            before = "-" if p.change == "added" else format_params({p.name: p.before}, 200)
            after = "-" if p.change == "removed" else format_params({p.name: p.after}, 200)
            console.print(Text.assemble("  ", _t(before, "red"), (" -> ", "dim"),
                                        _t(after, "green")))
    else:
        console.print(Text("parameters: same", style="dim"))
    console.print(_steps_table(comp))
    for s in comp.steps:
        shown = [p for p in s.pairs if not p.one_sided and (
            show_unchanged or any(d.change != "unchanged" for d in comp.listed(p)))]
        for pair in shown[:DETAIL_PAIRS]:
            head = [_t(s.step, "bold")]
            if pair.split:
                head.append(_t(f" split {', '.join(map(str, pair.split))}", "cyan"))
            specs = (pair.task_a.pathspec if pair.task_a else "-",
                     pair.task_b.pathspec if pair.task_b else "-")
            head += ["  ", _t(f"{specs[0]} -> {specs[1]}", "dim")]
            console.print()
            console.print(Text.assemble(*head))
            diffs = comp.listed(pair)
            render_diff(console, diffs, show_unchanged=show_unchanged)
            through = {d.name: comp.flowed_through(s.step, d.name, pair) for d in diffs
                       if d.change != "unchanged" and d.name not in pair.carried}
            for name, steps in through.items():
                if steps:
                    console.print(Text.assemble(
                        ("  ", ""), _t(name), (" carried unchanged through ", "dim"),
                        _t(", ".join(steps))))
        if len(shown) > DETAIL_PAIRS:
            console.print(Text(f"... {len(shown) - DETAIL_PAIRS} more split(s) of {safe(s.step)} "
                               "differ (--json lists them all)", style="dim"))


def cmd_compare(args: argparse.Namespace) -> int:
    """``workbench compare FLOW RUN_A RUN_B``."""
    name = _flow_name(args.flow, args.flow_name)
    comp = compare_runs(open_store(args.store), name, args.run_a, args.run_b)
    if args.json:
        print(json.dumps(comp.to_json(), default=str))
        return EXIT_OK
    _print_comparison(stdout_console(), comp, args.all)
    return EXIT_OK


# ------------------------------------------------------------------------------------- diff


def _task_record(text: str, store: Any) -> TaskRecord:
    parts = text.split("/")
    if len(parts) not in (3, 4) or not all(parts) or not parts[1].isdigit() or (
            len(parts) == 4 and not parts[3].isdigit()):
        raise _usage(f"bad pathspec {text!r}: expected Flow/run/step/task or Flow/run/step")
    if len(parts) == 4:
        return Task(text, store=store).record
    records = Step(text, store=store).task_records()
    if len(records) != 1:
        ids = ", ".join(str(r.id) for r in records[:5]) + (", ..." if len(records) > 5 else "")
        raise _usage(f"step {text} has {len(records)} tasks ({ids}); "
                     f"name one as {text}/TASK_ID")
    return records[0]


def cmd_diff(args: argparse.Namespace) -> int:
    """``workbench diff PATHSPEC_A PATHSPEC_B``: the artifacts of two tasks, a -> b."""
    store = open_store(args.store)
    a = _task_record(args.pathspec_a, store)
    b = _task_record(args.pathspec_b, store)
    diffs = diff_tasks(store, a, b)
    if args.json:
        from ..compare import summarize_changes

        print(json.dumps({"a": a.pathspec, "b": b.pathspec,
                          "summary": summarize_changes(diffs),
                          "diff": [d.to_json() for d in diffs]}, default=str))
        return EXIT_OK
    console = stdout_console()
    console.print(Text.assemble(_t(a.pathspec, "bold"), (" -> ", "dim"), _t(b.pathspec, "bold"),
                                "  ", counts_text(diffs)))
    render_diff(console, diffs, show_unchanged=args.all)
    return EXIT_OK


# ----------------------------------------------------------------------------------- status


def _print_status(console: Console, report: StatusReport) -> None:
    ref = report.reference
    head = [_t(report.flow, "bold"), "  ", _t(report.file, "dim"), "  "]
    if ref is None:
        head.append(Text("never run", style="dim"))
    else:
        head += ["vs ", _run_label(ref)]
    console.print(Text.assemble(*head))
    if report.why:
        console.print(_t(report.why, "dim"))
    table = Table()
    table.add_column("step")
    table.add_column("status")
    table.add_column("last run", no_wrap=True)
    table.add_column("why", overflow="fold")
    for s in report.steps:
        table.add_row(_t(s.step, "bold"), Text(s.status, style=STATUS_STYLE.get(s.status, "")),
                      status_text(s.run_status), _t(s.reason, "dim"))
    console.print(table)
    if report.added or report.removed:
        bits: list[Any] = [Text("graph changes: ", style="dim")]
        if report.added:
            bits += [Text("added ", style="green"), _t(", ".join(report.added))]
        if report.added and report.removed:
            bits.append("; ")
        if report.removed:
            bits += [Text("removed ", style="red"), _t(", ".join(report.removed))]
        console.print(Text.assemble(*bits))


def cmd_status(args: argparse.Namespace) -> int:
    """``workbench status FLOW.py [--run N]``."""
    if not _is_file(args.flow):
        raise _usage(f"status needs the flow file (.py), not {args.flow!r}")
    graph = parse_graph(args.flow, args.flow_name)
    try:
        store = open_store(args.store)
    except MetaflowNotFound:
        if args.run is not None:
            raise
        store = None  # nothing has run here yet
    report = step_status(graph, store, args.run)
    diffs = _status_diffs(graph, store, report) if args.diff else {}
    if args.json:
        doc = report.to_json()
        for entry in doc["steps"]:
            if entry["step"] in diffs:
                ran, lines = diffs[entry["step"]]
                entry["diff"] = {"ran_in": ran, "lines": lines and [
                    {"tag": line.tag, "line": line.number, "text": line.text} for line in lines]}
        print(json.dumps(doc, default=str))
        return EXIT_OK
    console = stdout_console()
    _print_status(console, report)
    for step, (ran, lines) in diffs.items():
        _print_source_diff(console, step, ran, lines)
    return EXIT_OK


def _status_diffs(graph: Any, store: Store | None, report: StatusReport
                  ) -> dict[str, tuple[str | None, list[SourceLine] | None]]:
    """Per modified step: the task whose code ran and the diff to the file now (None, None
    where the run did not keep its code)."""
    out: dict[str, tuple[str | None, list[SourceLine] | None]] = {}
    if store is None or report.reference is None:
        return out
    for s in report.steps:
        if s.status != MODIFIED:
            continue
        ran = ran_source(store, graph, report.reference, s.step)
        node = graph[s.step]
        out[s.step] = ((ran.task, source_diff(ran, node.source, node.source_line))
                       if ran is not None else (None, None))
    return out


def _print_source_diff(console: Console, step: str, ran: str | None,
                       lines: list[SourceLine] | None, context: int = 2) -> None:
    console.print()
    if lines is None:
        console.print(Text.assemble(_t(step, "bold"), (": the code that ran was not kept", "dim")))
        return
    console.print(Text.assemble(_t(step, "bold"), ("  - ran in ", "dim"), _t(ran or ""),
                                ("  + the file now", "dim")))
    changed = [i for i, line in enumerate(lines) if line.tag != " "]
    keep = {j for i in changed for j in range(i - context, i + context + 1)}
    width = len(str(max(line.number for line in lines)))
    gap = False
    for i, line in enumerate(lines):
        if i not in keep:
            gap = True
            continue
        if gap and i > 0:
            console.print(Text(" " * width + " ⋮", style="dim"))
        gap = False
        style = {"-": "red", "+": "green"}.get(line.tag, "")
        console.print(Text.assemble((f"{line.number:>{width}} ", "dim"),
                                    (f"{line.tag} ", style or "dim"), _t(line.text, style)),
                      soft_wrap=True)


# --------------------------------------------------------------------------------------- gc


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:20]))
    return shown + (f", ... ({len(numbers)} in all)" if len(numbers) > 20 else "")


def _print_gc(console: Console, report: GcReport) -> None:
    verb = "would remove" if report.dry_run else "removed"
    if report.removed_runs:
        console.print(Text.assemble(
            (f"{verb} {len(report.removed_runs)} spin run(s): ", ""),
            _t(_numbers(report.removed_runs), "red"), (f" ({report.removed_tasks} tasks)", "dim")))
    else:
        console.print(Text(f"no spin run of {safe(report.flow)} to remove", style="dim"))
    if report.kept_spins:
        console.print(Text.assemble(("kept the newest spins: ", "dim"),
                                    _t(_numbers(report.kept_spins))))
    if report.protected:
        console.print(Text.assemble(("kept older spins that kept runs use: ", "dim"),
                                    _t(_numbers(report.protected))))
    if report.dry_run:
        return
    if report.blob_sweep_skipped:
        console.print(Text(f"blob sweep skipped: {safe(report.blob_sweep_skipped)}",
                           style="yellow"))
    console.print(Text(f"removed {report.removed_blobs} blob(s) "
                       f"({format_size(report.freed_bytes)}), {report.removed_logs} log "
                       f"file(s), {report.removed_tmp} temp file(s)"))


def cmd_gc(args: argparse.Namespace) -> int:
    """``workbench gc FLOW [--keep-spins N]``."""
    if args.keep_spins is None:
        args.keep_spins = KEEP_SPINS
    if args.keep_spins < 0:
        raise _usage(f"--keep-spins {args.keep_spins}: expected a number >= 0")
    name = _flow_name(args.flow, args.flow_name)
    report = gc(open_store(args.store), name, args.keep_spins, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(report.to_json(), default=str))
        return EXIT_OK
    _print_gc(stdout_console(), report)
    return EXIT_OK
