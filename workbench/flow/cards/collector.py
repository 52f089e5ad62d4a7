"""``current.card``: the components a step adds to its cards, by Metaflow's rules.

``current.card.append`` goes to the step's default editable card: the only card whose type
takes components (``default``, ``blank``); among several, the only one without an ``id``, or
the one with ``customize=True``. ``current.card["id"]`` reaches a card by its ``id``.
What cannot be resolved prints one ``[@card WARNING]`` line and adds nothing, as under
Metaflow; it never fails the step.
"""
from __future__ import annotations

import re
import sys
from typing import Any, Iterable, Iterator

from .components import MetaflowCardComponent, create_component_id, log_entry
from .kinds import CARD_TYPES, EDITABLE_TYPES

KNOWN_TYPES = tuple(c.type for c in CARD_TYPES)
CARD_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_]+$")


def warn(message: str) -> None:
    print(f"[@card WARNING] {message}", file=sys.stderr)


class ComponentStore:
    """The components of one card, in the order they were added (ids unique)."""

    def __init__(self, card_type: str, card_id: str | None,
                 components: Iterable[Any] = ()) -> None:
        self.card_type = card_type
        self.card_id = card_id
        self._by_id: dict[str, Any] = {}
        for component in components:
            self.append(component)

    def append(self, component: Any, id: str | None = None) -> None:
        if not isinstance(component, MetaflowCardComponent):
            warn(f"Component ({component}) is not a valid MetaflowCardComponent. "
                 "It will not be stored.")
            return
        if id is not None:
            component.component_id = id
        elif component.component_id is None:
            component.component_id = create_component_id(component)
        self._by_id[component.component_id] = component

    def extend(self, components: Iterable[Any]) -> None:
        for component in components:
            self.append(component)

    def clear(self) -> None:
        self._by_id.clear()

    def refresh(self, *args: Any, **kwargs: Any) -> None:
        """Live updates are not shown: a card is rendered once, when its task succeeds."""

    @property
    def components(self) -> "ComponentStore":
        return self

    def keys(self) -> list[str]:
        return list(self._by_id)

    def values(self) -> list[Any]:
        return list(self._by_id.values())

    def __getitem__(self, key: str) -> Any:
        return self._by_id[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self._by_id:
            raise ValueError(f"component {key!r} of card {self.card_id or self.card_type!r} "
                             "already exists; assign the whole list with "
                             "current.card[ID] = [...] instead")
        self.append(value, id=key)

    def __delitem__(self, key: str) -> None:
        del self._by_id[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_id

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)


class CardCollector:
    """``current.card`` inside a task: one ``ComponentStore`` per ``@card`` of the step."""

    def __init__(self, cards: Iterable[dict[str, Any]] = (), step: str | None = None) -> None:
        self.cards: list[dict[str, Any]] = [dict(c) for c in cards]
        self._step = step
        self._stores = [ComponentStore(c["type"], c.get("id")) for c in self.cards]
        self._by_id: dict[str, int] = {}
        self._default: int | None = None
        self._warned: set[str] = set()
        self._resolve()

    def _warn_once(self, key: str, message: str) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        warn(message)
        for card, store in zip(self.cards, self._stores):
            if not card.get("suppress_warnings"):
                logged = _Logged(log_entry(f"@card WARNING\n\n{message}"))
                store._by_id[create_component_id(logged)] = logged

    def _resolve(self) -> None:
        editable = [i for i, c in enumerate(self.cards) if c["type"] in EDITABLE_TYPES]
        ids = [c.get("id") for c in self.cards if c.get("id") is not None]
        for i, card in enumerate(self.cards):
            if card.get("id") is not None:
                self._by_id[card["id"]] = i
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            warn("Multiple `@card` decorator have been annotated with duplicate ids : "
                 f"{', '.join(duplicated)}. `current.card['{duplicated[0]}']` will not work")
            for card_id in duplicated:
                del self._by_id[card_id]
        if len(editable) == 1:
            self._default = editable[0]
            return
        no_id = [i for i in editable if self.cards[i].get("id") is None]
        if len(no_id) == 1:
            self._default = no_id[0]
        customized = [i for i in editable if str(self.cards[i].get("customize")) == "True"]
        if len(customized) > 1:
            warn("Multiple @card decorators have `customize=True`. Only one @card per @step "
                 "can have `customize=True`. `current.card.append` will ignore all decorators "
                 "marked `customize=True`.")
        elif len(customized) == 1:
            self._default = customized[0]

    def _cannot_append(self, verb: str) -> None:
        if not self.cards and self._step is None:
            return  # outside a task (a notebook trying a step's body): nothing to say
        if not self.cards:
            self._warn_once(verb, f"`current.card.{verb}` in step {self._step or '?'}: the "
                                  "step has no @card decorator; the component is not kept.")
        elif len(self.cards) == 1:
            kind = self.cards[0]["type"]
            why = (f"Card of type `{kind}` is not an editable card." if kind in KNOWN_TYPES
                   else f"Card of type `{kind}` doesn't exist.")
            self._warn_once(verb, f"{why} Component will not be appended and "
                                  f"`current.card.{verb}` will not work for any call during "
                                  "this runtime execution.")
        else:
            self._warn_once(verb, f"`current.card.{verb}` cannot disambiguate between multiple "
                                  "editable cards. Set the `id` argument in all @card's when "
                                  "using multiple @card decorators over a single @step.")

    # ---- the user's side
    def append(self, component: Any, id: str | None = None) -> None:
        """Add a component to the step's default editable card."""
        if self._default is None:
            self._cannot_append("append")
            return
        self._stores[self._default].append(component, id=id)

    def extend(self, components: Iterable[Any]) -> None:
        """Add components to the step's default editable card."""
        if self._default is None:
            self._cannot_append("extend")
            return
        self._stores[self._default].extend(components)

    def clear(self) -> None:
        if self._default is not None:
            self._stores[self._default].clear()

    def refresh(self, *args: Any, **kwargs: Any) -> None:
        """Live updates are not shown: a card is rendered once, when its task succeeds."""

    @property
    def components(self) -> ComponentStore | list:
        """The default editable card's components (an empty list when there is none)."""
        return self._stores[self._default] if self._default is not None else []

    def get(self, type: str | None = None) -> list[ComponentStore]:
        """The component stores of every card of ``type``."""
        return [s for c, s in zip(self.cards, self._stores) if c["type"] == type]

    def __getitem__(self, key: str) -> ComponentStore | list:
        if key in self._by_id:
            return self._stores[self._by_id[key]]
        self._warn_once(f"get:{key}", f"`current.card['{key}']` is not present. Please set the "
                                      f"`id` argument in @card to '{key}' to access "
                                      f"`current.card['{key}']`.")
        return []

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._by_id:
            warn(f"`current.card['{key}']` is not present. Please set the `id` argument in "
                 f"@card to '{key}' to access `current.card['{key}']`.")
            return
        if not isinstance(value, list):
            warn(f"`current.card['{key}']` not set. `current.card['{key}']` should be a "
                 "`list` of `MetaflowCardComponent`.")
            return
        index = self._by_id[key]
        self._stores[index] = ComponentStore(self.cards[index]["type"], key, value)

    def __len__(self) -> int:
        return len(self.components)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.components)

    # ---- the engine's side
    def stores(self) -> list[tuple[dict[str, Any], ComponentStore]]:
        """Each card's settings with its components, in decorator order."""
        return list(zip(self.cards, self._stores))


class _Logged(MetaflowCardComponent):
    """A warning already rendered (added to cards as Metaflow adds its warnings)."""

    def __init__(self, rendered: dict[str, Any]) -> None:
        self._rendered = rendered

    def render(self) -> dict[str, Any]:
        return self._rendered
