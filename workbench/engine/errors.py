"""Errors of the engine's inputs (a spin of an unknown step, a bad --index...)."""
from __future__ import annotations

from ..errors import WorkbenchError


class EngineInputError(WorkbenchError):
    """Bad input to run, spin or resume: one line saying what and where (exit 2)."""
