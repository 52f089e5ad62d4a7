"""``workbench import-metaflow`` and ``workbench run --metaflow``: runs Metaflow executes."""
from __future__ import annotations

import argparse
import json

from rich.table import Table
from rich.text import Text

from ..engine.api import open_store
from .console import format_time, safe, status_text, stdout_console

EXIT_OK = 0


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
    for col in ("metaflow run", "workbench run", "status", "started", ""):
        table.add_column(col)
    for d in done:
        table.add_row(Text(safe(d.external_id)), Text(safe(d.run.pathspec)),
                      status_text(d.run.status), format_time(d.run.started_at),
                      "new" if d.created else "already imported (updated)")
    stdout_console().print(table)
    return EXIT_OK
