from __future__ import annotations

from pathlib import Path

import pytest

from workbench.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store")
    yield s
    s.close()
