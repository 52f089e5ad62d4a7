"""What ``import metaflow.exception`` resolves to inside a flow run by workbench.

The errors workbench raises carry Metaflow's class names, so ``except MetaflowNotFound:`` or
``except UnhandledInMergeArtifactsException:`` in a step catches what workbench raises. The
client's errors come from a higher layer and are resolved by name on first access.
"""
from __future__ import annotations

import importlib
from typing import Any

from .errors import (ExternalCommandFailed, MergeArtifactsException, MetaflowException,
                     MissingInMergeArtifactsException, UnhandledInMergeArtifactsException)
from .exceptions import MetaflowExceptionWrapper

# Defined next to the client (workbench.compat.metaflow.exception), looked up on first use.
CLIENT_ERRORS = ("MetaflowNotFound", "MetaflowInvalidPathspec", "MetaflowNamespaceMismatch",
                 "MetaflowTaggingError")

__all__ = ["MetaflowException", "MetaflowExceptionWrapper", "ExternalCommandFailed",
           "MergeArtifactsException",
           "UnhandledInMergeArtifactsException", "MissingInMergeArtifactsException",
           *CLIENT_ERRORS]


def __getattr__(name: str) -> Any:
    if name in CLIENT_ERRORS:
        return getattr(importlib.import_module("workbench.compat.metaflow.exception"), name)
    raise AttributeError(f"module 'metaflow.exception' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
