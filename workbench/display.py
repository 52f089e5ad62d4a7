"""What the CLI and the app show of values: the one sanitiser for text from a flow, status
glyphs, durations, sizes, parameters. Plain strings, no rendering library; imports nothing of
workbench, so every face may import it.
"""
from __future__ import annotations

import re
from datetime import datetime

# C0/C1 control characters except tab and newline: never passed through to a terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

STATUS_STYLE = {
    "succeeded": "green",
    "failed": "bold red",
    "running": "yellow",
    "cancelled": "magenta",
    "crashed": "red",
    "pending": "dim",
}
STATUS_GLYPH = {
    "succeeded": "✔",
    "failed": "✘",
    "running": "▶",
    "cancelled": "■",
    "crashed": "☠",
    "pending": "·",
}


def safe(text: object) -> str:
    """``text`` with control characters (terminal escapes included) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def format_seconds(seconds: float | None) -> str:
    """``0.42s``, ``12.3s``, ``4m05s``, ``2h03m``."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def format_time(epoch: float | None) -> str:
    """Local ``YYYY-MM-DD HH:MM:SS``, or ``-``."""
    if not epoch:
        return "-"
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def format_size(size: int | None) -> str:
    """``812 B``, ``1.2 kB``, ``38.1 MB``."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def format_params(params: dict | None, limit: int = 60) -> str:
    """``alpha=0.5 n=3`` cut to ``limit`` characters."""
    if not params:
        return ""
    text = " ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in params.items())
    return safe(text if len(text) <= limit else text[: limit - 1] + "…")


def status_label(status: str | None) -> str:
    """``✔ succeeded``; ``not run`` for a step without tasks (never ``no change``)."""
    if status is None or status == "not_run":
        return "· not run"
    return f"{STATUS_GLYPH.get(status, '?')} {status}"
