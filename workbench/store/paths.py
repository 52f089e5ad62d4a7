"""Where the store lives: `--store DIR` > `$WORKBENCH_STORE` > `./.workbench`."""

from __future__ import annotations

import os
from pathlib import Path

from .. import settings

ENV_VAR = "WORKBENCH_STORE"
DEFAULT_DIRNAME = ".workbench"


def resolve_store_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the absolute store directory (explicit, else env var, else cwd/.workbench)."""
    if explicit is not None and str(explicit) != "":
        chosen = os.fspath(explicit)
    elif settings.get(ENV_VAR):
        chosen = settings.get(ENV_VAR)
    else:
        chosen = os.path.join(os.getcwd(), DEFAULT_DIRNAME)
    return Path(os.path.abspath(os.path.expanduser(chosen)))
