"""Cards on disk: ``cards/<task_id>.json`` holds the cards a task made, as a JSON list.

Each entry is ``{"type", "id", "options", "created_at", "data"}`` where ``data`` is the
card's document (Metaflow's ``{"metadata", "components"}``). The task process writes the file
once, when it succeeds, through a temporary file and a rename, so a reader sees all of a
task's cards or none. A clone (resume, reuse) has no file of its own: its cards are those of
the task it was cloned from (``Store.cards``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import StoreError

CARDS_DIR = "cards"


def cards_path(root: str | os.PathLike[str], task_id: int) -> Path:
    """Where the cards of ``task_id`` are kept."""
    return Path(root) / CARDS_DIR / f"{int(task_id)}.json"


def write_cards(root: str | os.PathLike[str], task_id: int, cards: list[dict[str, Any]]) -> Path:
    """Write a task's cards (atomically); returns the file's path."""
    path = cards_path(root, task_id)
    path.parent.mkdir(mode=0o755, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    data = json.dumps(cards, default=str, allow_nan=True).encode()
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def read_cards(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The cards in ``path`` ([] when the file does not exist)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    try:
        cards = json.loads(data)
    except ValueError as exc:
        raise StoreError(f"corrupt card file {path}: {exc}") from None
    if not isinstance(cards, list) or not all(isinstance(c, dict) for c in cards):
        raise StoreError(f"corrupt card file {path}: not a list of cards")
    return cards
