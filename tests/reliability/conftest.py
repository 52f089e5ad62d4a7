"""Fixtures of the reliability suite (helpers live in ``rel_helpers``).

Tests marked ``heavy`` move hundreds of MB or run for tens of seconds; they run in CI like
every other test (``-m "not heavy"`` leaves them out locally).
"""
from __future__ import annotations

import pytest

from rel_helpers import kill_tagged, new_tag


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "heavy: large data or long loops; runs in CI too")


@pytest.fixture
def tag():
    """A unique tag for the processes a test starts; leftovers are killed at teardown."""
    value = new_tag()
    yield value
    kill_tagged(value)
