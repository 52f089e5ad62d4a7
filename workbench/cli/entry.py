"""The ``workbench`` command's entry point: hands ``spin`` to a warm worker before importing
the rest of the CLI (``engine.handoff``), else runs the command here (``cli.app.main``)."""
from __future__ import annotations

import os
import sys

# Commands a warm worker may run for the CLI: ``workbench spin`` asks the worker of its flow
# and store, if one listens, before anything heavy is imported.
HANDED_OFF = ("spin",)


def main(argv: list[str] | tuple[str, ...] | None = None) -> int:
    """Console entry point of ``workbench``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HANDED_OFF:
        code = hand_off(args)
        if code is not None:
            return code
    from .app import main as run_here

    return run_here(args)


def _option(argv: list[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in ``argv`` (the last one)."""
    value = None
    for i, word in enumerate(argv):
        if word == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif word.startswith(name + "="):
            value = word.split("=", 1)[1]
    return value


def hand_off(argv: list[str]) -> int | None:
    """``workbench spin FLOW.py ...``: run it in the warm worker of that flow and store, if
    one listens (its exit code), else None and it runs here. Read without building the
    parser (the worker parses it, and says what is wrong with it as the CLI would)."""
    if len(argv) < 2 or not argv[1].endswith(".py") or not os.path.isfile(argv[1]):
        return None  # not the plain form: the cold path parses it and says what is wrong
    from .. import settings

    if (settings.get("WORKBENCH_HANDOFF") or "1").strip() == "0":
        return None
    from ..engine.handoff import try_handoff
    from ..store.paths import resolve_store_dir

    flow = os.path.abspath(argv[1])
    store = str(resolve_store_dir(_option(argv, "--store")))
    artifacts = _option(argv, "--artifacts")
    absolute = [argv[0], flow, *argv[2:]]
    if artifacts and not os.path.isabs(artifacts):  # the worker has its own cwd
        absolute = [os.path.abspath(artifacts) if w == artifacts else
                    (f"--artifacts={os.path.abspath(artifacts)}" if w == f"--artifacts="
                     f"{artifacts}" else w) for w in absolute]
    return try_handoff(absolute, flow, store, _option(argv, "--flow"))


