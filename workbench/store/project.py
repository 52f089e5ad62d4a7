"""The project's settings the app remembers between sessions, kept beside the catalog.

``<store>/project.json``: a small JSON object, written whole through a temporary file and a
rename. Today it holds how the app sends runs to Metaflow and imports them back (its ``--with``
specs, datastore, import root). An unreadable file reads as empty settings, never an error.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

FILE_NAME = "project.json"


@dataclass
class ProjectSettings:
    """What the app's Metaflow forms were last given."""

    metaflow_with: list[str] = field(default_factory=list)  # --with specs, as typed
    metaflow_datastore: str = ""  # --datastore ("": Metaflow's default)
    import_root: str = ""  # import-metaflow --root ("": Metaflow's configuration)


def load_settings(store_root: str | os.PathLike[str]) -> ProjectSettings:
    """The settings in ``store_root`` (defaults when there are none or they are unreadable)."""
    try:
        data = json.loads((Path(store_root) / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ProjectSettings()
    if not isinstance(data, dict):
        return ProjectSettings()
    known = {f.name for f in fields(ProjectSettings)}
    settings = ProjectSettings()
    for name, value in data.items():
        if name in known and isinstance(value, type(getattr(settings, name))):
            setattr(settings, name, value)
    settings.metaflow_with = [str(s) for s in settings.metaflow_with]
    return settings


def save_settings(store_root: str | os.PathLike[str], settings: ProjectSettings) -> None:
    """Write ``settings`` to ``store_root`` whole (a reader never sees half a file)."""
    path = Path(store_root) / FILE_NAME
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
