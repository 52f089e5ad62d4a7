"""Fixtures of the parity suite (the machinery is in parity_helpers.py)."""
from __future__ import annotations

import pytest
from parity_helpers import SKIP_REASON, Outcome, execute, metaflow_python


@pytest.fixture(scope="session")
def outcome(tmp_path_factory):
    """``outcome(system, scenario)``: run once per test process, then reused."""
    root = tmp_path_factory.mktemp("parity")
    cache: dict[tuple[str, str], Outcome] = {}

    def get(system: str, scenario: str) -> Outcome:
        if system == "metaflow" and metaflow_python() is None:
            pytest.skip(SKIP_REASON)
        key = (system, scenario)
        if key not in cache:
            cache[key] = execute(system, scenario, root)
        return cache[key]

    return get
