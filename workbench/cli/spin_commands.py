"""``workbench spin`` and ``workbench resume``: re-execute steps on stored inputs."""
from __future__ import annotations

import argparse
import json
from typing import Any, Callable

from rich.text import Text

from ..engine.api import open_store, resume_step, spin_step
from ..queries import run_label
from .console import (format_seconds, safe, stderr_console, stdout_console,
                      stdout_to_stderr)
from .live import LivePrinter

EXIT_OK, EXIT_FAILED = 0, 1


def parse_step_arg(value: str) -> tuple[str, int | None, int | None]:
    """``train`` | ``5/train`` | ``Flow/5/train`` | ``Flow/5/train/12`` -> (step, run, task id)."""
    from .app import UsageError

    parts = value.strip("/").split("/")
    if len(parts) == 1:
        return parts[0], None, None
    if len(parts) == 2 and parts[0].isdigit():
        return parts[1], int(parts[0]), None
    if len(parts) == 3 and parts[1].isdigit():
        return parts[2], int(parts[1]), None
    if len(parts) == 4 and parts[1].isdigit() and parts[3].isdigit():
        return parts[2], int(parts[1]), int(parts[3])
    raise UsageError(f"{value!r}: expected STEP, RUN/STEP, Flow/RUN/STEP or Flow/RUN/STEP/TASK")


def cmd_spin(args: argparse.Namespace) -> int:
    from .app import UsageError
    from .parser import parse_assignments

    step, run, task_id = parse_step_arg(args.step)
    if args.run is not None:
        run = args.run
    index = args.index
    if task_id is not None and index is None and not args.all_splits:
        task = open_store(args.store).catalog.get_task(task_id)
        if task is None:
            raise UsageError(f"{args.step}: no task {task_id} in the store")
        index = task.split_index
    set_values = parse_assignments(args.overrides, "--set")
    console = stderr_console() if args.json else stdout_console()
    warnings = stderr_console()
    with stdout_to_stderr(args.json):
        outcome = spin_step(
            args.flow, step, run=run, index=index, all_splits=args.all_splits,
            set_values=set_values, artifacts_file=args.artifacts, against=args.against,
            store=args.store, flow_name=args.flow_name,
            on_event=LivePrinter(console, quiet=args.quiet),
            warn=lambda message: warnings.print(Text(safe(message), style="yellow")))
    first = outcome.diffs[0] if outcome.diffs else None
    if args.json:
        print(json.dumps({
            "run": outcome.run.number,
            "pathspec": outcome.run.pathspec,
            "label": run_label(outcome.run),
            "reference": outcome.reference.number,
            "step": outcome.step,
            "status": outcome.status,
            "seconds": outcome.seconds,
            "tasks": [t.pathspec for t in outcome.tasks],
            "before": first.before.pathspec if first and first.before else None,
            "diff": [d.to_json() for d in outcome.diff],
            "diffs": [d.to_json() for d in outcome.diffs],
        }, default=str))
    else:
        console.print(Text.assemble(
            (f"\n{safe(run_label(outcome.run))}", "bold"), " as ",
            (outcome.run.pathspec, "bold"), f" on the inputs of {outcome.reference.pathspec} ",
            (f"in {format_seconds(outcome.seconds)}", "dim")))
        if outcome.status == "succeeded":
            from .diff_render import render_diff

            for task_diff in outcome.diffs:
                console.print(Text(safe(task_diff.header), style="bold"))
                if task_diff.error:
                    console.print(Text(safe(task_diff.error), style="yellow"))
                render_diff(console, task_diff.diffs, show_unchanged=args.all)
    return EXIT_OK if outcome.status == "succeeded" else EXIT_FAILED


def cmd_resume(args: argparse.Namespace) -> int:
    from .commands import run_id_writer, run_json, run_options, steps_table

    console = stderr_console() if args.json else stdout_console()
    with stdout_to_stderr(args.json):
        run = resume_step(args.flow, args.step, run=args.run, store=args.store,
                          flow_name=args.flow_name, max_workers=args.max_workers,
                          on_event=run_id_writer(args, LivePrinter(console, quiet=args.quiet)),
                          tags=tuple(getattr(args, "tags", ()) or ()), **run_options(args))
    from ..client import Run

    tasks = Run._from_record(run, open_store(args.store)).task_records()
    if args.json:
        print(json.dumps(run_json(run, tasks), default=str))
    else:
        console.print(steps_table(run, tasks))
    return EXIT_OK if run.status == "succeeded" else EXIT_FAILED


