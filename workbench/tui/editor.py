"""Opening the flow file in the user's editor at a step, from the app."""
from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from textual.app import SuspendNotSupported


def editor_command(editor: str, path: str, line: int) -> list[str]:
    """The command that opens ``path`` at ``line`` in ``editor`` (vi, emacs, nano, code...)."""
    argv = shlex.split(editor)
    name = Path(argv[0]).name if argv else "vi"
    if name in ("code", "code-insiders", "codium", "cursor"):
        return argv + ["-g", f"{path}:{line}"]
    if name in ("subl", "sublime_text", "zed", "hx", "helix"):
        return argv + [f"{path}:{line}"]
    return argv + [f"+{line}", path]


def open_in_editor(app: Any, path: str, line: int) -> str | None:
    """Suspend ``app``, run ``$VISUAL``/``$EDITOR`` (default vi) on ``path`` at ``line``.

    Returns an error line when the editor cannot start, else None.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    argv = editor_command(editor, path, line)
    try:
        with app.suspend():
            subprocess.call(argv)
    except SuspendNotSupported:
        subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
    except OSError as exc:
        return f"cannot start editor {editor!r}: {exc}"
    return None
