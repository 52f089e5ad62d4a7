"""``workbench import-metaflow`` and ``workbench run --metaflow``: runs Metaflow executes."""
from __future__ import annotations

import argparse
import json

from rich.table import Table
from rich.text import Text

from ..engine.api import open_store
from ..client import Run
from .app import UsageError
from .commands import run_json, steps_table
from .console import safe, status_text, stderr_console, stdout_console
from .parser import parse_assignments

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_import_metaflow(args: argparse.Namespace) -> int:
    """Import Metaflow runs; print each one's workbench number (new or already imported)."""
    from ..compat.metaflow_import import import_metaflow  # noqa: PLC0415 - needs metaflow

    store = open_store(args.store)
    done = import_metaflow(store, args.target, all_runs=args.all, root=args.root)
    if args.json:
        print(json.dumps([{"metaflow": d.external_id, "pathspec": d.run.pathspec,
                           "run": d.run.number, "status": d.run.status, "created": d.created,
                           "tasks": len(store.catalog.list_tasks(d.run.id))} for d in done]))
        return EXIT_OK
    table = Table(title=Text(f"imported into {store.root}"), title_justify="left")
    table.add_column("metaflow run", overflow="fold")
    for col in ("workbench run", "status", ""):
        table.add_column(col, no_wrap=True)
    for d in done:
        table.add_row(Text(safe(d.external_id)), Text(safe(d.run.pathspec), style="bold"),
                      status_text(d.run.status), "new" if d.created else "updated")
    stdout_console().print(table)
    return EXIT_OK


def cmd_run_metaflow(args: argparse.Namespace) -> int:
    """``workbench run FLOW.py --metaflow [--with X]... [--datastore s3]``: run it under
    Metaflow, print its output lines as they come, import the run and show its steps."""
    from ..compat.metaflow_runner import run_on_metaflow  # noqa: PLC0415 - needs metaflow

    if not args.metaflow:
        raise UsageError("--with and --datastore go with --metaflow (a run under Metaflow)")
    console = stderr_console() if args.json else stdout_console()

    def show(stream: str, line: str) -> None:
        if not args.quiet:
            console.print(Text(safe(line), style="red" if stream == "stderr" else ""),
                          soft_wrap=True)

    store = open_store(args.store)
    result = run_on_metaflow(store, args.flow, dict(parse_assignments(args.param)),
                             with_specs=args.with_specs, datastore=args.datastore,
                             on_line=show)
    if result.imported is None:
        console.print(Text(f"Metaflow exited with {result.returncode} before the run began",
                           style="red"))
        return EXIT_FAILED
    run = result.imported.run
    tasks = Run._from_record(run, store).task_records()
    if args.json:
        print(json.dumps(run_json(run, tasks), default=str))
    else:
        console.print(Text.assemble(("imported ", "dim"), (safe(result.pathspec or ""),
                                                           "magenta"),
                                    (" as ", "dim"), (run.pathspec, "bold")))
        console.print(steps_table(run, tasks))
    return EXIT_OK if run.status == "succeeded" and result.returncode == 0 else EXIT_FAILED
