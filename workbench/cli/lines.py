"""Plain lines on stderr for the CLI, without loading rich (a command's first import)."""
from __future__ import annotations

import sys

from ..display import safe


def error_line(message: str) -> None:
    """Print one ``workbench: error: ...`` line on stderr (plain text, no markup)."""
    first = safe(str(message)).strip().splitlines() or [""]
    print(f"workbench: error: {first[0]}", file=sys.stderr)
