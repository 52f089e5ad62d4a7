"""Metaflow's ``get_cards`` over workbench's store: ``from metaflow.cards import get_cards``
in a step, a script or a notebook reads the cards workbench's runs made."""
from __future__ import annotations

from typing import Any, Iterator

from ...client import Card
from . import Task, namespace
from .exception import MetaflowException


class IncorrectPathspecException(MetaflowException):
    headline = "Incorrect pathspec"


class IncorrectArgumentException(MetaflowException):
    headline = "Incorrect argument"


class CardContainer:
    """The list-like result of ``get_cards``: ``cards[0]``, ``len(cards)``, iteration."""

    def __init__(self, cards: list[Card], origin_pathspec: str | None = None) -> None:
        self._cards = list(cards)
        self.origin_pathspec = origin_pathspec
        self.from_resumed = origin_pathspec is not None

    def __len__(self) -> int:
        return len(self._cards)

    def __iter__(self) -> Iterator[Card]:
        return iter(self._cards)

    def __getitem__(self, index: int) -> Card:
        return self._cards[index]

    def _repr_html_(self) -> str:
        return "".join(f"<h1>Displaying Card Of Type : {card.type.title()}</h1>"
                       f"{card._repr_html_()}" for card in self._cards)


def get_cards(task: Any, id: str | None = None, type: str | None = None,
              follow_resumed: bool = True) -> CardContainer:
    """The cards of a task (a ``Task`` or its pathspec ``Flow/run/step/task``), those with
    ``id`` or of ``type`` when given. A resumed task's cards are those of the task it was
    cloned from (workbench keeps them there, whatever ``follow_resumed`` says)."""
    if isinstance(task, str):
        if len(task.split("/")) != 4:
            raise IncorrectPathspecException(
                f"Pathspec {task} is invalid; it should be of the form "
                "{flow_name}/{run_id}/{step_name}/{task_id}")
        namespace(None)
        task = Task(task)
    elif not hasattr(task, "cards"):
        raise IncorrectArgumentException(
            f"get_cards takes a Task or a task pathspec, not {task.__class__.__name__}")
    cards = [c for c in task.cards
             if (id is None or c.id == id) and (type is None or c.type == type)]
    origin = None
    cloned = task.record.cloned_from
    source = task._store.catalog.get_task(cloned) if cloned is not None else None
    if follow_resumed and source is not None:
        origin = f"{source.flow}/{source.run_number}/{source.step}/{source.id}"
    return CardContainer(cards, origin)


__all__ = ["get_cards", "CardContainer", "Card"]
