"""workbench: a fast development loop for Metaflow-style ML/AI flows.

Authoring API (Metaflow's): ``FlowSpec``, ``step``, ``Parameter``, ``IncludeFile``, ``current``,
``retry``, ``catch``, ``timeout``. Read API for notebooks: ``Flow``, ``Run``, ``Step``, ``Task``.
"""
from __future__ import annotations

__version__ = "0.1.0"

_FLOW_NAMES = {"FlowSpec", "IncludeFile", "JSONType", "Parameter", "catch", "current", "retry",
               "step", "timeout"}
_CLIENT_NAMES = {"Flow", "Run", "Step", "Task", "DataArtifact", "MetaflowNotFound",
                 "set_store", "get_store"}


_API_NAMES = {"run", "spin", "resume", "inputs", "compare_runs"}


def __getattr__(name: str):
    # Everything loads lazily: `import workbench.store` imports no flow code, and
    # `from workbench import FlowSpec` (every flow file) loads the authoring API only.
    if name in _FLOW_NAMES:
        from . import flow

        return getattr(flow, name)
    if name in _CLIENT_NAMES:
        from . import client

        return getattr(client, name)
    if name in _API_NAMES:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def load_ipython_extension(ipython):  # noqa: ANN001, ANN201 - IPython's entry point
    """``%load_ext workbench``: the ``%wb_flow``, ``%wb_run``, ``%wb_spin`` and
    ``%wb_resume`` magics (``workbench.magics``)."""
    from .magics import load_ipython_extension as load

    load(ipython)


__all__ = [*sorted(_FLOW_NAMES), *sorted(_CLIENT_NAMES), *sorted(_API_NAMES), "__version__"]
