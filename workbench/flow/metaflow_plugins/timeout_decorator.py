"""``metaflow.plugins.timeout_decorator``: the exception a step past its ``@timeout`` gets."""
from __future__ import annotations

from ..errors import MetaflowException


class TimeoutException(MetaflowException):
    """Raised inside a step that ran past its ``@timeout``."""

    headline = "@timeout"


TimeoutException.__module__ = "metaflow.plugins.timeout_decorator"  # its stored type

__all__ = ["TimeoutException"]
