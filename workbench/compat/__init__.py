"""Compatibility layers: APIs of other tools over workbench's store.

``workbench.compat.metaflow`` is Metaflow's client (``Flow``, ``Run``, ``namespace()``...) and
is what ``from metaflow import Flow`` gives inside a flow run by workbench.
"""
