"""A card's content: the JSON document Metaflow's card templates hold.

``{"metadata": {...}, "components": [...]}`` where each component is a rendered dict
(``title``, ``page``, ``section``, ``table``, ``markdown``, ``artifacts``, ``image``, ...).
A ``default`` card is a title (the task's pathspec) and a "Task Info" page: the step's own
components, then the task's metadata, code, parameters and artifacts, its DataFrames and
images, and the flow's DAG, as Metaflow's default card lays them out. A ``blank`` card is a
page of the step's components only.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .components import UserComponent, log_entry, render_one
from .native import artifact_entry, frame_table, full_classname, image_uri

TIME_FORMAT = "%Y-%m-%d %I:%M:%S %p"  # Metaflow's card timestamps
MAX_ARTIFACT_BYTES = 256 * 1024 * 1024  # larger artifacts are listed, not shown (as Metaflow)


@dataclass
class TaskFacts:
    """What a default card says about its task (gathered by the engine when it succeeds)."""

    pathspec: str
    created_at: float
    finished_at: float
    attempt: int = 0
    tags: list[str] = field(default_factory=list)
    user: str | None = None
    code: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    # (name, size in bytes, a function that loads the value)
    artifacts: list[tuple[str, int, Callable[[], Any]]] = field(default_factory=list)
    graph: dict[str, Any] = field(default_factory=dict)


def _time(stamp: float) -> str:
    return _dt.datetime.fromtimestamp(stamp).strftime(TIME_FORMAT)


def _section(title: str, contents: list[Any], columns: int | None = None) -> dict[str, Any]:
    section: dict[str, Any] = {"type": "section", "title": title, "contents": contents}
    if columns is not None:
        section["columns"] = columns
    return section


def _table(headers: list[Any], data: list[list[Any]], vertical: bool = False) -> dict:
    return {"type": "table", "columns": headers, "data": data, "vertical": vertical}


def render_components(components: Iterable[Any]) -> list[Any]:
    """The step's components rendered (each safely: a failure becomes a log entry), in one
    untitled section when any came from the step, as Metaflow lays them out."""
    components = list(components)
    rendered = [render_one(c) for c in components]
    if rendered and any(isinstance(c, UserComponent) for c in components):
        return [{"type": "section", "contents": rendered}]
    return rendered


def dag_data(nodes: Iterable[Any]) -> dict[str, Any]:
    """The flow's graph as Metaflow's card DAG component holds it."""
    steps = {}
    for node in nodes:
        steps[node.name] = {"type": node.type, "box_next": node.type not in ("linear", "join"),
                            "box_ends": getattr(node, "matching_join", None),
                            "next": list(node.out_funcs), "doc": getattr(node, "doc", "") or ""}
    names = list(steps)
    return {"steps": steps, "start_step": "start" if "start" in steps else (names[0] if names else None),
            "end_step": "end" if "end" in steps else None}


def default_card(facts: TaskFacts, components: Iterable[Any]) -> dict[str, Any]:
    """The document of a ``default`` card."""
    info = {"Task Created On": _time(facts.created_at),
            "Task Finished On": _time(facts.finished_at),
            "Tags": ", ".join(facts.tags), "Attempt": facts.attempt,
            "Task Duration": str(_dt.timedelta(seconds=round(facts.finished_at
                                                              - facts.created_at)))}
    if facts.user:
        info["User"] = facts.user
    entries, tables, images = [], [], []
    for name, size, load in facts.artifacts:
        if name == "name" or name in facts.parameters:
            continue
        if size > MAX_ARTIFACT_BYTES:
            entries.append({"type": "skipped", "name": name, "large_object": True,
                            "supported_type": False, "only_repr": True,
                            "data": f"<artifact too large: {size} bytes, max: "
                                    f"{MAX_ARTIFACT_BYTES} bytes>"})
            continue
        try:
            value = load()
        except Exception as exc:  # noqa: BLE001 - a card never fails its task
            entries.append({"type": type(exc).__name__, "data": "<unable to unpickle>",
                            "large_object": False, "supported_type": False, "only_repr": True,
                            "name": name})
            continue
        entries.append(artifact_entry(value, name))
        if full_classname(value) == "pandas.core.frame.DataFrame":
            tables.append((name, value))
        else:
            uri = image_uri(value) if isinstance(value, bytes) else None
            if uri is not None:
                images.append({"type": "image", "src": uri, "label": name})
    params = [artifact_entry(v, k) for k, v in facts.parameters.items() if k != "name"]
    contents: list[Any] = render_components(components)
    contents += [
        _section("Task Metadata", [_table(list(info), [list(info.values())], vertical=True)]),
        _section("Task Code", [_table([], [[{"type": "pythonCode", "data": facts.code}]])]),
        _section("Flow Parameters", [{"type": "artifacts", "data": params} if params
                                     else {"type": "title", "text": "No Parameters"}]),
        _section("Artifacts", [{"type": "artifacts", "data": entries} if entries
                               else {"type": "title", "text": "No Artifacts"}]),
    ]
    if tables:
        contents.append(_section("Tabular Data", [_frame_section(n, f) for n, f in tables]))
    if images:
        contents.append(_section("Image Data", images, columns=len(images)))
    contents.append(_section("DAG", [{"type": "dag", "data": facts.graph}]))
    return {"metadata": {"version": 1, "template": "defaultCardTemplate",
                         "pathspec": facts.pathspec,
                         "created_at": _time(facts.created_at),
                         "finished_at": _time(facts.finished_at)},
            "components": [{"type": "title", "text": facts.pathspec},
                           {"type": "page", "title": "Task Info", "contents": contents}]}


def _frame_section(name: str, frame: Any) -> dict[str, Any]:
    try:
        table = frame_table(frame)
    except Exception as exc:  # noqa: BLE001
        return _section(f"Artifact Name: {name}", [log_entry(f"cannot show the frame: {exc}")])
    rows, cols = table["full_size"]
    title = f"Artifact Name: {name} ({cols} columns and {rows} rows)"
    contents: list[Any] = [_table(table["headers"], table["data"])]
    if table["truncated"]:  # (Metaflow says so even when every row is shown)
        contents.append({"type": "markdown",
                         "source": f"\n_Truncated - {rows - len(table['data'])} rows not shown_"})
    return _section(title, contents)


def blank_card(pathspec: str, components: Iterable[Any], title: str = "") -> dict[str, Any]:
    """The document of a ``blank`` card: a page of the step's components."""
    return {"metadata": {"pathspec": pathspec},
            "components": [{"type": "page", "title": title,
                            "contents": render_components(components)}]}


def error_card(pathspec: str, message: str) -> dict[str, Any]:
    """What a card that could not be made shows: why (Metaflow's error card)."""
    return {"metadata": {"pathspec": pathspec},
            "components": [{"type": "page", "title": "Error Card",
                            "contents": [_section("Card Render Failed With Error",
                                                  [log_entry(message)])]}]}
