"""Making a task's cards when it succeeds (in the task process, where its values are).

One card per ``@card`` of the step, in decorator order: ``default`` (the step's components,
then the task's metadata, code, parameters and artifacts, as Metaflow's default card),
``blank`` (the components only), any other type an error card naming it. A card that cannot
be made becomes an error card and a warning on stderr; it never fails its task.
"""
from __future__ import annotations

import inspect
import sys
import time
import traceback
from typing import Any

from ..flow import current
from ..flow.cards.document import TaskFacts, blank_card, dag_data, default_card, error_card
from ..store.cards import write_cards


def make_cards(job: Any, flow: Any, graph: Any, rows: list[list[Any]], started_at: float,
               root: str, load: Any) -> None:
    """Render the task's cards and write them to the store (``store.cards``)."""
    stores = current.card.stores()
    if not stores:
        return
    pathspec = f"{job.flow_name}/{job.run_number}/{job.step}/{job.task_id}"
    facts = _facts(job, flow, graph, rows, started_at, pathspec, load)
    cards = []
    for settings, components in stores:
        kind = settings.get("type") or "default"
        try:
            if kind == "default":
                data = default_card(facts, components)
            elif kind == "blank":
                data = blank_card(pathspec, components, str(settings["options"].get("title", "")))
            else:
                data = error_card(pathspec, f"Card of type `{kind}` is not available in "
                                            "workbench (it renders `default` and `blank`).")
        except Exception:  # noqa: BLE001 - a card never fails its task
            print(f"[@card WARNING] card {kind!r} of {pathspec} could not be made; it shows "
                  "the error instead", file=sys.stderr)
            data = error_card(pathspec, traceback.format_exc())
        cards.append({"type": kind, "id": settings.get("id"),
                      "options": settings.get("options") or {}, "created_at": time.time(),
                      "data": data})
    try:
        write_cards(root, job.task_id, cards)
    except (OSError, TypeError, ValueError) as exc:
        print(f"[@card WARNING] the cards of {pathspec} could not be written: {exc}",
              file=sys.stderr)


def _facts(job: Any, flow: Any, graph: Any, rows: list[list[Any]], started_at: float,
           pathspec: str, load: Any) -> TaskFacts:
    try:
        code = inspect.getsource(getattr(type(flow), job.step))
    except (OSError, TypeError):
        code = ""
    user = current.username
    artifacts = []
    parameters = {}
    for name, key, _type, size, _summary in rows:
        artifacts.append((name, int(size or 0),
                          lambda name=name, key=key: _value(flow, name, key, load)))
        if name in job.param_names:  # every task carries the run's parameters
            try:
                parameters[name] = _value(flow, name, key, load)
            except Exception:  # noqa: BLE001 - shown as missing, never failing the task
                pass
    return TaskFacts(
        pathspec=pathspec, created_at=started_at, finished_at=time.time(),
        attempt=job.attempt, tags=[*([f"user:{user}"] if user else []), *job.tags],
        user=user, code=code, parameters=dict(sorted(parameters.items())),
        artifacts=sorted(artifacts, key=lambda a: a[0]),
        graph=dag_data(graph),
    )


def _value(flow: Any, name: str, key: str, load: Any) -> Any:
    try:
        return getattr(flow, name)
    except AttributeError:
        return load(key)
