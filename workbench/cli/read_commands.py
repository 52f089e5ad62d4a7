"""Read-only subcommands over the client API: ``runs``, ``show``, ``logs``.

Nothing here unpickles an artifact: tables come from catalog rows (type, size, summary).
Everything user-controlled is printed through ``safe()`` inside ``rich.text.Text`` (never as
markup) or as plain text.
"""
from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
from collections import Counter
from typing import Any

from rich.table import Table
from rich.text import Text

from ..client import Flow, Run, Step, Task, open_store
from ..queries import list_runs, run_label, split_path
from ..store import RunRecord, StoreError
from .commands import run_json, steps_table, task_json
from .parser import RUNS_SHOWN, TASKS_SHOWN
from .console import (format_params, format_seconds, format_size, format_time, safe,
                      status_text, stdout_console)

EXIT_OK = 0
PATHSPEC_FORMS = "Flow/run, Flow/run/step or Flow/run/step/task"


def _usage(message: str) -> Exception:
    from .app import UsageError

    return UsageError(message)


def _t(value: Any, style: str = "") -> Text:
    return Text(safe("" if value is None else value), style=style)


def _flow_name(flow: str, flow_name: str | None) -> str:
    if flow.endswith(".py") or os.path.isfile(flow):
        from ..flow import parse_graph

        return parse_graph(flow, flow_name, validate=False).name
    return flow


def _pathspec(text: str, allowed: tuple[int, ...], forms: str) -> list[str]:
    parts = text.split("/")
    if len(parts) not in allowed or not all(parts):
        hint = f" (to list runs: workbench runs {text})" if len(parts) == 1 and text else ""
        raise _usage(f"bad pathspec {text!r}: expected {forms}{hint}")
    for i, what in ((1, "run number"), (3, "task id")):
        if len(parts) > i and not parts[i].isdigit():
            raise _usage(f"bad pathspec {text!r}: the {what} {parts[i]!r} is not a number; "
                         f"expected {forms}")
    return parts


# ------------------------------------------------------------------------------------- runs


def runs_json(rec: RunRecord) -> dict[str, Any]:
    """One row of ``runs --json``."""
    return {
        "run": rec.number,
        "pathspec": rec.pathspec,
        "kind": rec.kind,
        "status": rec.status,
        "started_at": rec.started_at,
        "finished_at": rec.finished_at,
        "seconds": rec.duration,
        "parameters": rec.parameters,
        "origin_run": rec.origin_run,
        "spun_step": rec.spun_step,
        "label": run_label(rec),
        "against_run": rec.against_run,
        "message": rec.message,
        "metaflow": (rec.external or {}).get("pathspec"),
    }


def cmd_runs(args: argparse.Namespace) -> int:
    """``workbench runs FLOW``: a flow's runs, newest first."""
    if args.limit is not None and args.limit < 0:
        raise _usage(f"--limit {args.limit}: expected a number >= 0")
    name = _flow_name(args.flow, args.flow_name)
    flow = Flow(name, store=open_store(args.store))
    limit = args.limit
    if limit is None and not args.all and not args.json:
        limit = RUNS_SHOWN
    records = list_runs(flow.store.catalog, name, limit=limit)  # every kind: spins too
    if args.json:
        print(json.dumps([runs_json(r) for r in records], default=str))
        return EXIT_OK
    total = flow.store.catalog.count_runs(name) if limit is not None else len(records)
    title = f"{name}  ({total:,} runs" + (f", newest {len(records):,} shown)"
                                          if total > len(records) else ")")
    table = Table(title=Text(safe(title)), title_justify="left")
    table.add_column("run", justify="right")
    table.add_column("kind")
    table.add_column("status")
    table.add_column("started")
    table.add_column("duration", justify="right")
    table.add_column("parameters", overflow="fold")
    for rec in records:
        table.add_row(_t(rec.number), _t(run_label(rec)), status_text(rec.status),
                      _t(format_time(rec.started_at)), _t(format_seconds(rec.duration)),
                      _t(format_params(rec.parameters, 80)))
    console = stdout_console()
    console.print(table)
    if total > len(records):
        more = total - len(records)
        console.print(Text(f"… {more:,} older run{'s' if more != 1 else ''} not shown: "
                           "--limit N or --all to list them", style="dim"))
    return EXIT_OK


# ------------------------------------------------------------------------------------- show


def _run_header(rec: RunRecord) -> list[Text]:
    lines = [Text.assemble(_t(rec.pathspec, "bold"), "  ", _t(run_label(rec), "cyan"), "  ",
                           status_text(rec.status), "  ",
                           _t(f"{format_seconds(rec.duration)}  started "
                              f"{format_time(rec.started_at)}", "dim"))]
    if rec.external:
        lines.append(Text.assemble(("from Metaflow: ", "dim"),
                                   _t(rec.external.get("pathspec", ""), "magenta"),
                                   _t(f"  ({rec.external.get('datastore')} datastore "
                                      f"{rec.external.get('root')})", "dim")))
    if rec.message:
        lines.append(Text.assemble(("why: ", "dim"), _t(rec.message, "red")))
    params = format_params(rec.parameters, 400)
    if params:
        lines.append(Text.assemble(("parameters: ", "dim"), _t(params)))
    if rec.overrides:
        lines.append(Text.assemble(("overrides: ", "dim"),
                                   _t(format_params(rec.overrides, 400))))
    return lines


def _show_run(run: Run, as_json: bool) -> int:
    rec, tasks = run.record, run.task_records()
    if as_json:
        print(json.dumps(run_json(rec, tasks), default=str))
        return EXIT_OK
    console = stdout_console()
    for line in _run_header(rec):
        console.print(line)
    if tasks:
        console.print(steps_table(rec, tasks, titled=False))
    else:
        console.print(Text("no tasks yet", style="dim"))
    return EXIT_OK


def _show_step(step: Step, as_json: bool, show_all: bool = False) -> int:
    if as_json or show_all:
        tasks = step.task_records()
        counts = Counter(t.status for t in tasks)
    else:  # a window of the step's tasks, read as such (a wide foreach has thousands)
        counts, shown = step.run.store.catalog.step_window(step.run.record.id, step.name,
                                                           TASKS_SHOWN)
        tasks = sorted(shown, key=lambda t: (split_path(t), t.id))
    if as_json:
        print(json.dumps({"pathspec": step.pathspec, "flow": step.run.flow_name,
                          "run": step.run.number, "step": step.name,
                          "tasks": [task_json(t) for t in tasks]}, default=str))
        return EXIT_OK
    total = sum(counts.values())
    summary = ", ".join(f"{n:,} {status}" for status, n in
                        sorted(counts.items(), key=lambda item: -item[1]))
    table = Table(title=Text(safe(f"{step.pathspec}  {total:,} task(s)"
                                  + (f": {summary}" if total > 1 else ""))),
                  title_justify="left")
    table.add_column("task", justify="right")
    table.add_column("index", justify="right")
    table.add_column("status")
    table.add_column("attempt", justify="right")
    table.add_column("time", justify="right")
    table.add_column("exception", overflow="fold")
    for t in tasks:
        exc = t.exception if t.status != "succeeded" else ""
        table.add_row(_t(t.id), _t("-" if t.split_index is None else t.split_index),
                      status_text(t.status), _t(t.attempt), _t(format_seconds(t.duration)),
                      _t((exc or "").strip().split("\n")[0], "red"))
    console = stdout_console()
    console.print(table)
    if len(tasks) < total:
        more = total - len(tasks)
        console.print(Text(f"… {more:,} more task{'s' if more != 1 else ''} not listed: "
                           "--all to list every task, --json for all of them as data",
                           style="dim"))
    return EXIT_OK


def artifact_json(art: Any) -> dict[str, Any]:
    """One artifact of ``show --json`` for a task (from its row; nothing loaded)."""
    return {"name": art.name, "type": art.type_name, "size": art.size,
            "summary": art.summary, "sha": art.sha}


def _show_task(task: Task, as_json: bool) -> int:
    rec = task.record
    artifacts = list(task.artifacts)
    try:
        cards = [{"type": c.type, "id": c.id} for c in task.cards]
    except StoreError as exc:  # a damaged card file does not hide the task
        cards = [{"type": "error", "id": None, "error": str(exc)}]
    if as_json:
        doc = {**task_json(rec), "flow": rec.flow, "run": rec.run_number,
               "traceback": rec.traceback, "cloned_from": rec.cloned_from,
               "artifacts": [artifact_json(a) for a in artifacts], "cards": cards}
        print(json.dumps(doc, default=str))
        return EXIT_OK
    console = stdout_console()
    bits: list[Any] = [_t(rec.pathspec, "bold"), "  ", status_text(rec.status), "  ",
                       _t(f"{format_seconds(rec.duration)}  started "
                          f"{format_time(rec.started_at)}", "dim")]
    if rec.split_index is not None:
        bits += ["  ", _t(f"split {rec.split_index}", "cyan")]
    if rec.attempt:
        bits += ["  ", _t(f"attempt {rec.attempt + 1}", "yellow")]
    if rec.cloned_from is not None:
        bits += ["  ", _t(f"cloned from task {rec.cloned_from}", "dim")]
    if rec.external_id:
        bits += ["  ", _t(f"Metaflow task {rec.external_id}", "magenta")]
    if rec.reused_from is not None:
        origin = task.store.catalog.get_task(rec.reused_from) if hasattr(task, "store") \
            else None
        bits += ["  ", _t(f"reused from {origin.pathspec if origin else rec.reused_from}",
                          "magenta")]
    console.print(Text.assemble(*bits))
    if task.exception and rec.status != "succeeded":
        console.print(Text.assemble(("exception: ", "dim"), _t(task.exception, "red")))
    if rec.traceback and rec.status != "succeeded":
        console.print(_t(rec.traceback.rstrip(), "red"))
    if cards:
        names = ", ".join(c["type"] + (f" id={c['id']}" if c["id"] else "") for c in cards)
        console.print(Text.assemble(("cards: ", "dim"), _t(names, "cyan"),
                                    (f"  (workbench card {safe(rec.pathspec)})", "dim")))
    if not artifacts:
        console.print(Text("no artifacts", style="dim"))
        return EXIT_OK
    if len(artifacts) > PLAIN_ROWS:
        _plain_artifacts(artifacts)
        return EXIT_OK
    table = Table(title=Text(f"{len(artifacts)} artifact(s)"), title_justify="left")
    table.add_column("name")
    table.add_column("type")
    table.add_column("size", justify="right")
    table.add_column("summary", overflow="fold")
    for art in artifacts:
        table.add_row(_t(art.name, "bold"), _t(art.type_name, "cyan"),
                      _t(format_size(art.size)), _t(art.summary))
    console.print(table)
    return EXIT_OK


PLAIN_ROWS = 300  # above this many artifacts, aligned plain text (a rich table costs seconds)


def _plain_artifacts(artifacts: list[Any]) -> None:
    """A task's artifacts as aligned plain lines: 10,000 of them print in a blink."""
    rows = [(safe(a.name), safe(a.type_name), format_size(a.size), safe(a.summary))
            for a in artifacts]
    head = ("name", "type", "size", "summary")
    widths = [min(40, max(len(r[i]) for r in [head, *rows])) for i in range(3)]
    out = [f"{len(artifacts)} artifact(s)"]
    for name, type_name, size, summary in [head, *rows]:
        out.append(f"{name:<{widths[0]}}  {type_name:<{widths[1]}}  {size:>{widths[2]}}  "
                   f"{summary}".rstrip())
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()


def cmd_show(args: argparse.Namespace) -> int:
    """``workbench show PATHSPEC``: a run's steps, a step's tasks or a task's artifacts."""
    parts = _pathspec(args.pathspec, (2, 3, 4), PATHSPEC_FORMS)
    store = open_store(args.store)
    spec = "/".join(parts)
    if len(parts) == 2:
        return _show_run(Run(spec, store=store), args.json)
    if getattr(args, "diff", False):
        if len(parts) != 3:
            raise _usage(f"--diff takes a step, Flow/run/step, not {args.pathspec!r}")
        return _show_step_diff(Step(spec, store=store), args.json)
    if len(parts) == 3:
        return _show_step(Step(spec, store=store), args.json, args.all)
    return _show_task(Task(spec, store=store), args.json)


def _show_step_diff(step: Step, as_json: bool) -> int:
    """What a spin or resume changed in ``step``: each re-executed task against its before
    (``queries.spins``, the rule every face uses)."""
    run = step.run.record
    diffs = step.run.diffs(step.name)
    if as_json:
        print(json.dumps({"pathspec": step.pathspec, "run": run.number,
                          "label": run_label(run),
                          "diffs": [d.to_json() for d in diffs]}, default=str))
        return EXIT_OK
    from .diff_render import render_diff

    console = stdout_console()
    if not diffs:
        console.print(_t(f"{step.pathspec}: not re-executed by this run ({run_label(run)})",
                         "dim"))
    for task_diff in diffs:
        console.print(_t(task_diff.header, "bold"))
        if task_diff.error:
            console.print(_t(task_diff.error, "yellow"))
        render_diff(console, task_diff.diffs)
    return EXIT_OK


# ------------------------------------------------------------------------------------- logs


def _plain(text: str) -> str:
    """Log text for a terminal: CR line ends become newlines, control characters escaped."""
    return safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def cmd_logs(args: argparse.Namespace) -> int:
    """``workbench logs PATHSPEC``: a task's stdout and stderr in the order they were written
    (every task of a step)."""
    parts = _pathspec(args.pathspec, (3, 4), "Flow/run/step/task or Flow/run/step")
    store = open_store(args.store)
    spec = "/".join(parts)
    tasks = Step(spec, store=store).tasks() if len(parts) == 3 else [Task(spec, store=store)]
    streams = ["stdout"] if args.stdout else ["stderr"] if args.stderr else ["stdout", "stderr"]
    out = sys.stdout
    for task in tasks:
        rec = task.record
        if len(tasks) > 1:
            split = "" if rec.split_index is None else f" (split {rec.split_index})"
            out.write(f"==> {safe(task.pathspec)}{split} {rec.status} <==\n")
        if len(streams) == 2:  # both: in the order they were written
            decoders = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in streams}
            pieces = (decoders[s].decode(data) for s, data in store.log_chunks(rec.id))
        else:
            pieces = iter([getattr(task, streams[0])])
        last = ""
        for piece in pieces:
            text = _plain(piece)
            out.write(text)
            last = text[-1:] or last
        if last and last != "\n":
            out.write("\n")
        if rec.log_truncated:
            out.flush()
            print(f"workbench: note: the log of {safe(task.pathspec)} was truncated when "
                  "captured", file=sys.stderr)
    out.flush()
    return EXIT_OK
