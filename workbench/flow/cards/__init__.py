"""What ``from metaflow.cards import ...`` resolves to inside a flow run by workbench.

The components (``Markdown``, ``Table``, ``Image``, ``Artifact``, ``VegaChart``,
``ProgressBar``, ``ValueBox``, ``PythonCode``, ``Error``) render to Metaflow's card JSON;
``@card`` collects them per task (``current.card``) and the engine stores the card when the
task succeeds. ``get_cards`` reads cards back (Metaflow's client over workbench's store).
"""
from __future__ import annotations

import importlib
from typing import Any

from ..errors import UnsupportedMetaflowName
from .kinds import BlankCard, DefaultCard, ErrorCard, MetaflowCard
from .components import (
    Artifact, Error, Image, Markdown, MetaflowCardComponent, ProgressBar, PythonCode, Table,
    UserComponent, ValueBox, VegaChart,
)


def __getattr__(name: str) -> Any:
    # The card client is a higher layer, looked up by name on first use (as metaflow.Flow).
    if name == "get_cards":
        return importlib.import_module("workbench.compat.metaflow.cards").get_cards
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module 'metaflow.cards' has no attribute '{name}'")
    raise UnsupportedMetaflowName(
        f"metaflow.cards name '{name}' is not provided by workbench; supported: "
        f"{', '.join(n for n in __all__ if n != 'UserComponent')}", name=name)


__all__ = ["MetaflowCardComponent", "MetaflowCard", "UserComponent", "Artifact", "Table",
           "Image", "Error", "Markdown", "VegaChart", "ProgressBar", "ValueBox", "PythonCode",
           "DefaultCard", "BlankCard", "ErrorCard", "get_cards"]
