"""What ``import metaflow`` resolves to inside a flow run by workbench.

The loader (and the runtime, while tasks run) puts this module in
``sys.modules["metaflow"]``, so flows written for Metaflow 2.19 run unchanged.
A name workbench does not provide raises ``UnsupportedMetaflowName`` (an
``ImportError``) whose one-line message lists what is supported.
"""
from __future__ import annotations

import importlib
from typing import Any

from .current import current
from .decorators import (
    batch, card, catch, conda, conda_base, environment, kubernetes, parallel, project, pypi,
    pypi_base,
    resources, retry, schedule, step, timeout, trigger, trigger_on_finish,
)
from .errors import UnsupportedMetaflowName
from .configs import Config, ConfigValue, config_expr
from .parameters import IncludeFile, JSONType, Parameter
from .spec import FlowSpec

# Client names come from workbench.compat.metaflow (Metaflow's client over workbench's
# store), a higher layer than this package: they are resolved by name when first accessed
# (see __getattr__), on purpose, so that workbench.flow never imports anything else of
# workbench at import time.
CLIENT_MODULE = "workbench.compat.metaflow"
CLIENT_NAMES = ("Flow", "Run", "Step", "Task", "DataArtifact", "Metaflow", "namespace",
                "get_namespace", "default_namespace", "get_metadata", "metadata",
                "default_metadata")

# Submodules a flow may import: ``from metaflow.exception import MetaflowNotFound``,
# ``from metaflow.client import Flow``, ``from metaflow.metaflow_current import current``.
# The loader registers them in sys.modules.
SUBMODULES = {"exception": "workbench.flow.metaflow_exception",
              "client": "workbench.flow.metaflow_api",
              "metaflow_current": "workbench.flow.current",
              "cards": "workbench.flow.cards",
              "plugins": "workbench.flow.metaflow_plugins",
              "plugins.catch_decorator": "workbench.flow.metaflow_plugins.catch_decorator",
              "plugins.timeout_decorator": "workbench.flow.metaflow_plugins.timeout_decorator"}

__all__ = [
    "FlowSpec", "step", "Parameter", "IncludeFile", "JSONType", "Config", "config_expr",
    "current",
    "retry", "catch", "timeout", "parallel",
    "resources", "conda", "pypi", "batch", "kubernetes", "card", "environment",
    "conda_base", "pypi_base", "project", "schedule", "trigger", "trigger_on_finish",
]

SUPPORTED_NAMES = tuple(__all__) + CLIENT_NAMES


def unsupported_message(name: str) -> str:
    """The one-line message for a metaflow name workbench does not provide."""
    return (f"metaflow name '{name}' is not provided by workbench; supported: "
            f"{', '.join(SUPPORTED_NAMES)}")


def __getattr__(name: str) -> Any:
    if name in CLIENT_NAMES:
        return getattr(importlib.import_module(CLIENT_MODULE), name)
    if name in SUBMODULES and "." not in name:
        return importlib.import_module(SUBMODULES[name])
    if name.startswith("__") and name.endswith("__"):
        # importlib and friends probe dunders with hasattr(): keep AttributeError.
        raise AttributeError(f"module 'metaflow' has no attribute '{name}'")
    raise UnsupportedMetaflowName(unsupported_message(name), name=name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUPPORTED_NAMES))
