"""``metaflow.plugins.catch_decorator``: the exception ``@catch`` stores when a task's
process died without raising (after its fallback attempts), as Metaflow does."""
from __future__ import annotations

from ..errors import MetaflowException


class FailureHandledByCatch(MetaflowException):
    """Raised by ``@catch``'s fallback attempt: the step's code never raised."""

    headline = "Task execution failed but @catch handled it"

    def __init__(self, retry_count: int) -> None:
        super().__init__(
            "Task execution kept failing over %d attempts. Your code did not raise an "
            "exception. Something in the execution environment caused the failure."
            % retry_count)


FailureHandledByCatch.__module__ = "metaflow.plugins.catch_decorator"  # its stored type

__all__ = ["FailureHandledByCatch"]
