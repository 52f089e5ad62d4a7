"""Authoring layer: the Metaflow-compatible API, the static graph and the flow loader.

Imports nothing else of workbench (and never textual).
"""
from __future__ import annotations

# The submodule ``flow.project`` shares its name with the ``@project`` decorator exported
# here: imported first, so that importing it later (the engine does) never rebinds
# ``workbench.flow.project`` from the decorator to the module.
from . import project as _project_module  # noqa: F401
from .current import current
from .decorators import (
    batch, card, catch, conda, conda_base, environment, kubernetes, parallel, project, pypi,
    pypi_base,
    resources, retry, schedule, step, timeout, trigger, trigger_on_finish,
)
from .errors import (
    FlowError, FlowLoadError, GraphError, InvalidNextError, MergeArtifactsException,
    ParameterError, UnsupportedMetaflowName,
)
from .configs import Config, ConfigValue, config_expr
from .graph import DecoratorSpec, FlowGraph, Node, ParameterSpec, parse_graph
from .loader import LoadedFlow, install_metaflow_alias, load_flow
from .parameters import (
    IncludeFile, JSONType, Parameter, coerce, flow_parameters, resolve_parameters,
)
from .spec import FlowSpec

__all__ = [
    # authoring API
    "FlowSpec", "step", "Parameter", "IncludeFile", "JSONType", "Config", "config_expr",
    "current",
    "retry", "catch", "timeout", "parallel",
    "resources", "conda", "pypi", "batch", "kubernetes", "card", "environment",
    "conda_base", "pypi_base", "project", "schedule", "trigger", "trigger_on_finish",
    # graph and loading
    "parse_graph", "FlowGraph", "Node", "DecoratorSpec", "ParameterSpec",
    "load_flow", "LoadedFlow", "install_metaflow_alias",
    "flow_parameters", "coerce", "resolve_parameters",
    # errors
    "FlowError", "GraphError", "FlowLoadError", "ParameterError", "UnsupportedMetaflowName",
    "InvalidNextError", "MergeArtifactsException",
]
