"""The ``workbench`` subcommands."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..client import Run
from ..engine.api import open_store, run_flow
from ..engine.events import RunStarted
from ..queries import step_status
from ..queries.steps import REUSED, step_state
from .console import (format_params, format_seconds, format_size, format_time, safe,
                      status_text, stderr_console, stdout_console, stdout_to_stderr)
from .live import LivePrinter
from .parser import parse_assignments

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def cmd_run(args: argparse.Namespace) -> int:
    if getattr(args, "metaflow", False) or getattr(args, "with_specs", None) \
            or getattr(args, "datastore", None):
        from .metaflow_commands import cmd_run_metaflow  # noqa: PLC0415

        return cmd_run_metaflow(args)
    params: dict[str, Any] = dict(parse_assignments(args.param))
    params.update(getattr(args, "config_choices", None) or {})  # --config NAME FILE
    console = stderr_console() if args.json else stdout_console()
    printer = LivePrinter(console, quiet=args.quiet)
    started = time.monotonic()
    with stdout_to_stderr(args.json):
        run = run_flow(args.flow, params, store=args.store, flow_name=args.flow_name,
                       max_workers=args.max_workers, on_event=run_id_writer(args, printer),
                       tags=tuple(getattr(args, "tags", ()) or ()), **run_options(args))
    tasks = Run._from_record(run, open_store(args.store)).task_records()
    if args.json:
        print(json.dumps(run_json(run, tasks, time.monotonic() - started), default=str))
    else:
        console.print(steps_table(run, tasks))
        failed = [t for t in tasks if t.status != "succeeded"]
        for task in failed if args.quiet else ():  # otherwise it streamed by in the logs
            if task.traceback:
                console.print(Text(f"\n{task.pathspec} failed:", style="bold red"))
                console.print(Text(safe(task.traceback.rstrip()), style="red"))
    return EXIT_OK if run.status == "succeeded" else EXIT_FAILED


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """Metaflow's run options the script command line gave (``metaflow_options``)."""
    except_steps = tuple(s.strip() for s in (getattr(args, "reuse_except", "") or "")
                         .split(",") if s.strip())
    if except_steps and not getattr(args, "reuse", False):
        from .app import UsageError  # noqa: PLC0415 - app imports this module

        raise UsageError("--reuse-except goes with --reuse")
    options = {"reuse": True if getattr(args, "reuse", False) else None,
               "reuse_except": except_steps or None,
               "max_num_splits": getattr(args, "max_num_splits", None),
               "max_log_size_mb": getattr(args, "max_log_size", None),
               "branch": getattr(args, "branch", None),
               "production": getattr(args, "production", None)}
    return {k: v for k, v in options.items() if v is not None}


def run_id_writer(args: argparse.Namespace, on_event: Any) -> Any:
    """``on_event`` that also writes the run's id to ``--run-id-file`` as the run starts
    (as Metaflow does, so a caller can find the run while it goes)."""
    path = getattr(args, "run_id_file", None)
    if not path:
        return on_event

    def handle(event: Any) -> None:
        if isinstance(event, RunStarted):
            Path(path).write_text(str(event.run))
        on_event(event)
    return handle


def run_json(run: Any, tasks: list[Any], seconds: float | None = None) -> dict[str, Any]:
    """The JSON form of a run and its tasks (``run --json``, ``show --json``)."""
    return {
        "flow": run.flow,
        "run": run.number,
        "pathspec": run.pathspec,
        "kind": run.kind,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "seconds": seconds if seconds is not None else run.duration,
        "parameters": run.parameters,
        "origin_run": run.origin_run,
        "message": run.message,
        "metaflow": (run.external or {}).get("pathspec"),
        "tasks": [task_json(t) for t in tasks],
    }


def task_json(task: Any) -> dict[str, Any]:
    return {
        "pathspec": task.pathspec,
        "step": task.step,
        "task_id": task.id,
        "status": task.status,
        "attempt": task.attempt,
        "split_index": task.split_index,
        "started_at": task.started_at,
        "finished_at": task.finished_at,
        "seconds": (task.finished_at - task.started_at)
        if task.finished_at and task.started_at else None,
        "exception": task.exception,
        "metaflow": getattr(task, "external_id", None),
        "reused_from": getattr(task, "reused_from", None),
    }


def steps_table(run: Any, tasks: list[Any], *, titled: bool = True) -> Table:
    """One row per step of a run: tasks, status, time."""
    params = format_params(run.parameters, 100)
    table = Table(title=Text(f"{run.pathspec}  {run.kind}") if titled else None,
                  title_justify="left", caption=Text(params) if titled and params else None,
                  caption_justify="left")
    table.add_column("step")
    table.add_column("tasks", justify="right")
    table.add_column("status")
    table.add_column("time", justify="right")
    table.add_column("exception", overflow="fold")
    by_step: dict[str, list[Any]] = {}
    for task in tasks:
        by_step.setdefault(task.step, []).append(task)
    for step, group in by_step.items():
        status = step_status(group)
        seconds = [t.finished_at - t.started_at for t in group if t.finished_at and t.started_at
                   and getattr(t, "reused_from", None) is None]  # a reused one took no time
        exc = next((t.exception for t in group if t.exception and t.status != "succeeded"), "")
        first_line = (exc or "").strip().splitlines()[:1]
        reused = sum(1 for t in group if getattr(t, "reused_from", None) is not None)
        shown = status_text(status)
        if step_state(group, run) == REUSED:
            shown = Text("↺ reused", style="magenta")
        elif reused:
            shown = Text.assemble(shown, (f" ({reused} reused)", "magenta"))
        table.add_row(Text(safe(step)), str(len(group)), shown,
                      format_seconds(max(seconds) if seconds else None),
                      Text(safe(first_line[0]) if first_line else ""))
    return table
