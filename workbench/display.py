"""What the CLI and the app show of values: the one sanitiser for text from a flow, status
glyphs, durations, sizes, parameters. Plain strings, no rendering library; imports nothing of
workbench, so every face may import it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
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


def safe_html(text: object) -> str:
    """``text`` as HTML text: ``safe``, then escaped (``None`` is empty). What every HTML
    face (notebook reprs, card pages) puts on a page of a flow's text."""
    import html

    return html.escape(safe("" if text is None else text))


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


# ----------------------------------------------------------------------------- tracebacks

_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<func>.*)$')


@dataclass
class Frame:
    """One frame of a formatted traceback: its ``File ...`` line and the lines under it."""

    path: str
    line: int
    func: str
    lines: list[str]
    user: bool = False

    @property
    def package(self) -> str:
        """``pandas`` for ``.../site-packages/pandas/core/frame.py``; the file name else."""
        parts = self.path.replace("\\", "/").split("/")
        for marker in ("site-packages", "dist-packages"):
            if marker in parts:
                i = parts.index(marker)
                return parts[i + 1].split(".")[0] if i + 1 < len(parts) else marker
        if "lib" in parts and any(p.startswith("python3") for p in parts):
            return "python"
        return parts[-1]


@dataclass
class FoldedTraceback:
    """A traceback split for reading: the user's frames (innermost last), the library
    frames between and after them, and the exception lines."""

    head: str
    frames: list[Frame]
    tail: list[str]

    @property
    def user_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.user]

    @property
    def library_frames(self) -> list[Frame]:
        return [f for f in self.frames if not f.user]

    def library_summary(self) -> str:
        """``7 library frames (pandas, numpy)``."""
        libs = self.library_frames
        names = list(dict.fromkeys(f.package for f in libs))
        return (f"{len(libs)} library frame{'s' if len(libs) != 1 else ''}"
                f" ({', '.join(names[:4])}{', …' if len(names) > 4 else ''})")

    def text(self, *, folded: bool = True, relative_to: str | None = None) -> str:
        """The traceback with the user's frames first and, when ``folded``, the library
        frames as one line; paths under ``relative_to`` shown relative to it."""
        def show(frame: Frame) -> list[str]:
            path = frame.path
            if relative_to and path.startswith(relative_to.rstrip("/") + "/"):
                path = path[len(relative_to.rstrip("/")) + 1:]
            return [f'  File "{path}", line {frame.line}, in {frame.func}', *frame.lines]

        out = [self.head] if self.head else []
        for frame in self.user_frames:
            out += show(frame)
        libs = self.library_frames
        if libs:
            if folded:
                out.append(f"  ⋯ {self.library_summary()} folded")
            else:
                out.append("  ⋯ library frames, outermost first:")
                for frame in libs:
                    out += show(frame)
        return "\n".join(out + self.tail)


def fold_traceback(text: str, user_dir: str | None) -> FoldedTraceback:
    """Parse a formatted traceback; a frame is the user's when its file lies under
    ``user_dir`` (the flow's folder) and not in an installed package."""
    head, frames, tail = "", [], []
    current: Frame | None = None
    for raw in text.rstrip("\n").splitlines():
        m = _FRAME.match(raw)
        if m:
            path = m["path"]
            user = bool(user_dir) and path.startswith(user_dir.rstrip("/") + "/") and \
                "site-packages" not in path and "dist-packages" not in path
            current = Frame(path, int(m["line"]), m["func"], [], user)
            frames.append(current)
        elif current is not None and raw.startswith("    "):
            current.lines.append(raw)
        elif not frames and raw.startswith("Traceback"):
            head = raw
        else:
            current = None
            tail.append(raw)
    return FoldedTraceback(head, frames, tail)
