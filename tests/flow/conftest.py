"""Helpers for the flow-layer tests: write flow files into tmp_path."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


class FlowFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, body: str, name: str = "flow.py") -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
        return path

    @staticmethod
    def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
        """1-based line number of the n-th line containing ``needle``."""
        seen = 0
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if needle in line:
                seen += 1
                if seen == occurrence:
                    return number
        raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture
def flows(tmp_path: Path) -> FlowFiles:
    return FlowFiles(tmp_path)
