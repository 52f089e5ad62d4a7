"""Exceptions stored as artifacts by ``@catch`` (picklable without the original class)."""
from __future__ import annotations

import traceback
from typing import Any


class MetaflowExceptionWrapper(Exception):
    """An exception caught by ``@catch``: ``.type``, ``.exception`` (message), ``.stacktrace``."""

    def __init__(self, exc: BaseException | None = None) -> None:
        super().__init__()
        self.type = ""
        self.exception = ""
        self.stacktrace: str | None = None
        if exc is not None:
            self.type = f"{type(exc).__module__}.{type(exc).__name__}"
            self.exception = str(exc)
            self.stacktrace = "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)
            )

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (None,), self.__dict__)

    @property
    def message(self) -> str:
        return self.exception

    def __str__(self) -> str:
        # Metaflow's: the stack trace when there is one (``print(self.err)`` shows it).
        if self.stacktrace:
            return self.stacktrace
        return f"[no stacktrace]\n{self.type}: {self.exception}"

    def __repr__(self) -> str:  # one line (Metaflow repeats the stack trace here)
        head = f"{self.type}: {self.exception}" if self.type else self.exception
        return f"MetaflowExceptionWrapper({head!r})"


class FailureHandledByCatch(MetaflowExceptionWrapper):
    """What ``@catch`` stored for a crashed task before it stored Metaflow's own
    ``metaflow.plugins.catch_decorator.FailureHandledByCatch`` wrapped; kept so that
    artifacts written then still load."""

    def __init__(self, attempts: int = 0, reason: str = "") -> None:
        super().__init__()
        self.type = "FailureHandledByCatch"
        self.exception = (
            f"Task execution kept failing over {attempts} attempts. Your code did not raise "
            "an exception. Something in the execution environment caused the failure."
            + (f" ({reason})" if reason else "")
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_failure, (self.__dict__,))


def _rebuild_failure(state: dict) -> FailureHandledByCatch:
    obj = FailureHandledByCatch.__new__(FailureHandledByCatch)
    obj.__dict__.update(state)
    return obj
