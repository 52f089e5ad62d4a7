"""What ``import metaflow.plugins`` resolves to inside a flow run by workbench: the two
modules whose exception classes Metaflow stores in ``@catch`` artifacts (their type reads
``metaflow.plugins.catch_decorator.FailureHandledByCatch`` and
``metaflow.plugins.timeout_decorator.TimeoutException``, as under Metaflow)."""
from __future__ import annotations

from . import catch_decorator, timeout_decorator

__all__ = ["catch_decorator", "timeout_decorator"]
