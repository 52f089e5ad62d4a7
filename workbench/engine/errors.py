"""Errors of the engine's inputs (a spin of an unknown step, a bad --index...)."""
from __future__ import annotations


class EngineInputError(Exception):
    """Bad input to run, spin or resume: one line saying what and where (exit 2)."""
