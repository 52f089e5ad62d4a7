"""Card types (``@card(type=...)``): which ones workbench makes, and which take components."""
from __future__ import annotations

from typing import Any


class MetaflowCard:
    """The base of card types (``@card(type=...)``); workbench renders ``default`` and
    ``blank`` itself, and stores other types as an error card naming the type."""

    type: str | None = None
    ALLOW_USER_COMPONENTS = False
    RUNTIME_UPDATABLE = False

    def __init__(self, options: dict | None = None, components: list | None = None,
                 graph: Any = None, flow: Any = None, **kwargs: Any) -> None:
        self.options = dict(options or {})
        self.components = list(components or [])

    def render(self, task: Any) -> str:
        raise NotImplementedError()


class DefaultCard(MetaflowCard):
    type = "default"
    ALLOW_USER_COMPONENTS = True


class BlankCard(MetaflowCard):
    type = "blank"
    ALLOW_USER_COMPONENTS = True


class ErrorCard(MetaflowCard):
    type = "error"


CARD_TYPES = (DefaultCard, BlankCard)  # the types workbench renders itself
EDITABLE_TYPES = tuple(c.type for c in CARD_TYPES if c.ALLOW_USER_COMPONENTS)
