"""Terminal rendering for the CLI: consoles, status text, error lines (values: ``display``)."""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.text import Text

from ..display import (STATUS_GLYPH, STATUS_STYLE, format_params, format_seconds,  # noqa: F401
                       format_size, format_time, safe, status_label)
from .lines import error_line  # noqa: F401 - the CLI's one error line, re-exported


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=False)


def status_text(status: str | None) -> Text:
    """``✔ succeeded`` coloured by status; ``· not run`` (dim) for None."""
    return Text(status_label(status), style=STATUS_STYLE.get(status or "", "dim"))


def now() -> float:
    return time.time()


@contextmanager
def stdout_to_stderr(enabled: bool = True) -> Iterator[None]:
    """Send whatever is written to stdout (a flow printing at import, C code too) to stderr
    while the block runs, so ``--json`` output stays one clean JSON document."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved_fd, saved = os.dup(1), sys.stdout
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = saved
        os.dup2(saved_fd, 1)
        os.close(saved_fd)
