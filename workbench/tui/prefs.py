"""What the app remembers per flow between sessions (the metrics chosen), in
``<store>/tui.json``: a small JSON file written atomically; unreadable means empty."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE = "tui.json"


def load(store_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(store_dir) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(store_dir: Path, data: dict[str, Any]) -> None:
    path = Path(store_dir) / FILE
    if not path.parent.is_dir():
        return  # no store yet: nothing to remember against
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def chosen_metrics(store_dir: Path, flow: str) -> list[tuple[str, str]] | None:
    """The metrics chosen for ``flow`` last time, or None if never chosen."""
    got = load(store_dir).get("metrics", {}).get(flow)
    if not isinstance(got, list):
        return None
    return [(str(s), str(n)) for s, n in got if isinstance(s, str) and isinstance(n, str)]


def remember_metrics(store_dir: Path, flow: str, metrics: list[tuple[str, str]]) -> None:
    data = load(store_dir)
    data.setdefault("metrics", {})[flow] = [list(m) for m in metrics]
    save(store_dir, data)
