"""Fixtures for the TUI tests (helpers live in ``tui_helpers``)."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

os.environ["TEXTUAL_ANIMATIONS"] = "none"

import pytest  # noqa: E402

from tui_helpers import SAMPLES  # noqa: E402


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the sample flows; the store is ``./store``."""
    for name in ("churn_flow.py", "report_flow.py", "broken_flow.py"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.delenv("WORKBENCH_STORE", raising=False)
    return tmp_path
