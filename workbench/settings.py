"""Every ``WORKBENCH_*`` environment variable, read in one place, and who the user is.

Each setting is read when asked for (not cached at import): a task sets ``WORKBENCH_STORE``
for the code it runs, and tests change variables per process. The README's "Settings" table
lists the same names (a test keeps the two in step).
"""
from __future__ import annotations

import os
from collections import namedtuple
from typing import Any

# One environment variable: its name, what it means, how its text is read (``parse``) and
# its value when unset. A namedtuple, not a dataclass: every command imports this module
# first, and a handed-off `workbench spin` should not pay for ``dataclasses`` (and
# ``inspect``) before it reaches the warm worker.
Setting = namedtuple("Setting", "name help parse default", defaults=(str, None))


def _megabytes(text: str) -> int:
    return max(0, int(float(text) * 1024 * 1024))


def _method(text: str) -> str | None:
    method = text.strip().lower()
    return method if method in ("fork", "spawn") else None


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("WORKBENCH_STORE", "the store directory when --store is not given "
            "(default ./.workbench)"),
    Setting("WORKBENCH_CACHE_MB", "memory for the warm worker's artifact cache "
            "(default 25% of RAM)", _megabytes),
    Setting("WORKBENCH_LOG_CAP_MB", "bytes kept per log stream of a task (default 64)",
            _megabytes, 64 * 1024 * 1024),
    Setting("WORKBENCH_VERIFY_MB", "only blobs up to this size are hash-checked when loaded "
            "(default: every blob, once per process)", _megabytes),
    Setting("WORKBENCH_START_METHOD", "fork or spawn for task processes (default: fork where "
            "the platform has it)", _method),
    Setting("WORKBENCH_STALE_AFTER", "seconds without a heartbeat before a run started on "
            "another host reads crashed (default 30; on its own host the process decides)",
            float),
    Setting("WORKBENCH_TRUSTED_STORES", "store directories (separated by the path "
            "separator; * for all) trusted although another user owns them or their group "
            "may write them", lambda text: [p for p in text.split(os.pathsep) if p]),
    Setting("WORKBENCH_HANDOFF", "0: `workbench spin` never hands itself to a warm worker "
            "(the app's, or `workbench serve`) and always runs in its own process"),
    Setting("WORKBENCH_FAULT", "test-only: pause at named fault points "
            "(POINT:sleep=S[:skip=N];...)"),
    Setting("WORKBENCH_FAULT_MARK", "test-only: a file each fault point appends "
            "\"POINT PID\" to"),
)}


def get(name: str) -> Any:
    """The value of setting ``name`` now: parsed, or its default when unset or unreadable."""
    setting = SETTINGS[name]
    raw = os.environ.get(name)
    if not raw:
        return setting.default
    try:
        value = setting.parse(raw)
    except (TypeError, ValueError):
        return setting.default
    return setting.default if value is None else value


def current_user() -> str | None:
    """Who runs workbench, as Metaflow decides it: ``METAFLOW_USER``, then ``USER``,
    ``USERNAME``, ``LOGNAME``, then the account; None when nothing says."""
    for var in ("METAFLOW_USER", "USER", "USERNAME", "LOGNAME"):
        if os.environ.get(var):
            return os.environ[var]
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database entry (containers)
        return None
