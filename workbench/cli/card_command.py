"""``workbench card PATHSPEC``: write a task's card as one HTML file (no network needed to view
it) and say where; ``--open`` shows it in the browser."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from ..cardpage import card_html
from ..client import Card, Step, Task, open_store
from .console import safe
from .read_commands import EXIT_OK, _pathspec, _usage

CARD_FORMS = "Flow/run/step/task, or Flow/run/step for a step with one task"


def _task(spec: str, store: object) -> Task:
    parts = _pathspec(spec, (3, 4), CARD_FORMS)
    if len(parts) == 4:
        return Task("/".join(parts), store=store)
    tasks = Step("/".join(parts), store=store).tasks()
    if len(tasks) != 1:
        listed = ", ".join(t.pathspec for t in tasks[:3]) + (", ..." if len(tasks) > 3 else "")
        raise _usage(f"step {spec} has {len(tasks)} tasks; name one: {listed}")
    return tasks[0]


def _choose(task: Task, card_id: str | None, card_type: str | None) -> Card:
    cards = task.cards
    if not cards and task.run.kind == "metaflow":
        raise _usage(f"task {task.pathspec} ran under Metaflow, and import-metaflow does not "
                     "bring its cards; Metaflow shows them: python FLOW.py card view ...")
    if not cards:
        raise _usage(f"task {task.pathspec} has no card (add @card to step "
                     f"{task.step_name!r} and run it again)")
    chosen = [c for c in cards if (card_id is None or c.id == card_id)
              and (card_type is None or c.type == card_type)]
    have = ", ".join(f"{c.type}" + (f" id={c.id}" if c.id else "") for c in cards)
    if not chosen:
        asked = " ".join(p for p in (f"--id {card_id}" if card_id else "",
                                     f"--type {card_type}" if card_type else "") if p)
        raise _usage(f"task {task.pathspec} has no card matching {asked}; it has: {have}")
    if len(chosen) > 1 and card_id is None and card_type is None:
        # several cards and no choice: the first (decorator order), as Metaflow's card view
        print(f"workbench: note: {task.pathspec} has {len(cards)} cards ({have}); writing the "
              "first (choose with --id or --type)", file=sys.stderr)
    return chosen[0]


def _default_path(store_root: Path, card: Card) -> Path:
    name = "-".join(str(p) for p in (card.task.flow_name, card.task.run_number,
                                     card.task.step_name, card.task.id, card.type,
                                     card.id) if p is not None)
    return store_root / "cards" / "html" / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".html")


def cmd_card(args: argparse.Namespace) -> int:
    """Write the card as HTML; print its path (``--json``: path, type, id, components)."""
    store = open_store(args.store)
    task = _task(args.pathspec, store)
    card = _choose(task, args.id, args.type)
    path = Path(args.output) if args.output else _default_path(store.root, card)
    if path.is_dir():
        raise _usage(f"--output {args.output}: is a directory; give a file name")
    page = card_html({"type": card.type, "id": card.id, "data": card.data})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise _usage(f"cannot write the card to {path}: {exc.strerror or exc}") from None
    if args.json:
        print(json.dumps({"pathspec": task.pathspec, "type": card.type, "id": card.id,
                          "path": str(path), "bytes": len(page.encode()),
                          "components": [c.get("type") for c in card.components]}))
    else:
        print(safe(str(path)))
    if args.open:
        import webbrowser

        if not webbrowser.open(path.resolve().as_uri()):
            print("workbench: note: no browser could be started; open the file above",
                  file=sys.stderr)
    return EXIT_OK
