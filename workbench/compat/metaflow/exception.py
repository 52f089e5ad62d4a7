"""Metaflow's exception classes as workbench raises them (``metaflow.exception`` inside a run).

    from workbench.compat.metaflow.exception import MetaflowNotFound
"""
from __future__ import annotations

from ...client import MetaflowInvalidPathspec, MetaflowNotFound
from ...flow.errors import (MergeArtifactsException, MetaflowException,
                            MissingInMergeArtifactsException, UnhandledInMergeArtifactsException)
from ...flow.exceptions import MetaflowExceptionWrapper


class MetaflowNamespaceMismatch(MetaflowException):
    """The object exists but not in the current namespace (``namespace(None)`` sees all)."""

    headline = "Object not in the current namespace"

    def __init__(self, namespace: str | None) -> None:
        super().__init__(f"Object not in namespace '{namespace}'")


class MetaflowTaggingError(MetaflowException):
    """A tag operation that is not allowed (removing a system tag, an empty tag)."""

    headline = "Tagging error"


__all__ = ["MetaflowException", "MetaflowExceptionWrapper", "MetaflowNotFound",
           "MetaflowInvalidPathspec", "MetaflowNamespaceMismatch", "MetaflowTaggingError",
           "MergeArtifactsException", "UnhandledInMergeArtifactsException",
           "MissingInMergeArtifactsException"]
