"""Metaflow's card components (``from metaflow.cards import Markdown, Table, ...``).

Each component renders to the same JSON dictionary Metaflow's does (``{"type": "markdown",
"source": ...}``), so a card made under workbench holds what the same card holds under
Metaflow, and a user's own ``MetaflowCardComponent`` subclass works unchanged. A component
that fails to render becomes a ``log`` entry naming it, as under Metaflow: a card never fails
its task.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

# (json, uuid, textwrap, traceback, io and .native are imported where used: this module is imported
# with every flow, by ``current``, and must cost next to nothing)


class MetaflowCardComponent:
    """The base of every card component: ``render()`` returns a JSON-able dict or a str."""

    REALTIME_UPDATABLE = False
    _component_id: str | None = None
    _logger: Any = None

    @property
    def component_id(self) -> str | None:
        return self._component_id

    @component_id.setter
    def component_id(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Component ID must be a string")
        self._component_id = value

    def update(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError()

    def render(self) -> Any:
        raise NotImplementedError()


def _hex6() -> str:
    import uuid

    return uuid.uuid4().hex[:6]


def create_component_id(component: Any) -> str:
    """``<classname>_<6 hex>``, as Metaflow names a component it was given without an id."""
    return f"{type(component).__name__.lower()}_{_hex6()}"


def log_entry(text: str, component_id: str | None = None) -> dict[str, Any]:
    """A ``log`` component: preformatted text (errors, warnings)."""
    entry: dict[str, Any] = {"type": "log", "data": text}
    entry["id"] = component_id or f"logcomponent_{_hex6()}"
    return entry


def render_failed(name: str, detail: str) -> dict[str, Any]:
    """What a component that could not render shows instead of itself."""
    return log_entry(f"Render failed of component named `{name}`\n\n{detail}")


def render_one(component: Any) -> Any:
    """``component.render()`` checked as Metaflow checks it: a dict or a str that JSON can
    hold, else a log entry that says what went wrong."""
    name = type(component).__name__
    try:
        rendered = component.render()
    except Exception:  # noqa: BLE001 - a user's component must not fail the task
        import traceback

        return render_failed(name, traceback.format_exc())
    if type(rendered) not in (dict, str):
        return render_failed(name, "Component render didn't return a `string` or `dict`")
    import json

    try:
        json.dumps(rendered)
    except (TypeError, ValueError, OverflowError) as exc:
        return render_failed(name, f"Rendered Component cannot be JSON serialized. \n\n {exc}")
    return rendered


def _with_id(render: Callable) -> Callable:
    @functools.wraps(render)
    def wrapped(self: Any) -> Any:
        if self.component_id is None:
            self.component_id = create_component_id(self)
        return render(self)
    return wrapped


def render_cells(row: list[Any]) -> list[Any]:
    """A table row's cells: components rendered, plain values kept, others ``<object>``."""
    cells = []
    for cell in row:
        if isinstance(cell, MetaflowCardComponent):
            cells.append(render_one(cell))
        elif type(cell) in (str, bool, int, float, dict, list, tuple, type(None)):
            cells.append(cell)
        else:
            cells.append("<object>")
    return cells


class UserComponent(MetaflowCardComponent):
    """A component a step appends to ``current.card``."""

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Components without live updates ignore ``update`` (cards render when the task ends)."""


def _dedent(text: str | None) -> str | None:
    import textwrap

    return textwrap.dedent(text) if text is not None else None


class Markdown(UserComponent):
    """A block of Markdown text (common leading whitespace removed)."""

    REALTIME_UPDATABLE = True

    def __init__(self, text: str | None = None) -> None:
        self._text = _dedent(text)

    def update(self, text: str | None = None) -> None:
        self._text = _dedent(text)

    @_with_id
    def render(self) -> dict[str, Any]:
        text = self._text
        if text is not None and not text.startswith("#"):
            text = "\n" + text
        return {"type": "markdown", "source": text, "id": self.component_id}


class Artifact(UserComponent):
    """Any Python object, shown as its compressed repr."""

    REALTIME_UPDATABLE = True

    def __init__(self, artifact: Any, name: str | None = None, compressed: bool = True) -> None:
        self._artifact = artifact
        self._name = name

    def update(self, artifact: Any) -> None:
        self._artifact = artifact

    @_with_id
    def render(self) -> dict[str, Any]:
        from .native import artifact_entry

        entry = artifact_entry(self._artifact, None if self._name is None else str(self._name))
        return {"type": "artifacts", "data": [entry], "id": self.component_id}


class Table(UserComponent):
    """A table of text, numbers or components; ``Table.from_dataframe(df)`` for a frame."""

    REALTIME_UPDATABLE = True

    def __init__(self, data: list[list[Any]] | None = None, headers: list[str] | None = None,
                 disable_updates: bool = False) -> None:
        data = data or [[]]
        headers = headers or []
        self._headers = headers if isinstance(headers, list) else []
        valid_rows = isinstance(data, list) and bool(data) and isinstance(data[0], list)
        self._data = data if valid_rows else [[]]
        if disable_updates:
            self.REALTIME_UPDATABLE = False

    @classmethod
    def from_dataframe(cls, dataframe: Any = None, truncate: bool = True) -> "Table":
        """A table of the frame's first rows (all of them with ``truncate=False``)."""
        from .native import frame_table, full_classname

        kind = full_classname(dataframe)
        if kind != "pandas.core.frame.DataFrame":
            return cls(headers=[f"Object type {kind} not supported"], disable_updates=True)
        table = frame_table(dataframe, truncate=truncate)
        return cls(data=table["data"], headers=table["headers"], disable_updates=True)

    @_with_id
    def render(self) -> dict[str, Any]:
        for row in self._data:
            for cell in row:
                if isinstance(cell, VegaChart):
                    cell._inside_table = True
        return {"type": "table", "columns": self._headers,
                "data": [render_cells(row) for row in self._data], "vertical": False,
                "id": self.component_id}


def _fail_headline(message: str) -> str:
    return f"[IMAGE_RENDER FAIL]: {message}"


class Image(UserComponent):
    """A PNG, JPEG, GIF or WebP image, embedded in the card (no file beside it)."""

    REALTIME_UPDATABLE = True

    def __init__(self, src: Any = None, label: str | None = None,
                 disable_updates: bool = True) -> None:
        if disable_updates:
            self.REALTIME_UPDATABLE = False
        self._set_src(src, label)

    def _set_src(self, src: Any, label: str | None) -> None:
        self._label, self._src, self._error = label, None, None
        if src is None:
            self._error = log_entry(_fail_headline("`Image` Component `src` cannot be `None`")
                                    + "\n\n")
        elif isinstance(src, str):
            if "data:image/" in src:
                self._src = src
            else:
                self._error = log_entry(_fail_headline(
                    "The `Image` `src` argument should be of type `bytes` or valid image "
                    f"base64 string") + f"\n\nString {src} is invalid base64 string")
        elif not isinstance(src, bytes):
            self._error = log_entry(_fail_headline(
                "The `Image` `src` argument should be of type `bytes` or valid image base64 "
                "string") + f"\n\nType of {type(src)} is invalid")
        else:
            from .native import image_uri

            self._src = image_uri(src)
            if self._src is None:
                self._error = log_entry(_fail_headline("Bytes not parsable as image") + "\n\n")

    @classmethod
    def from_matplotlib(cls, plot: Any, label: str | None = None,
                        disable_updates: bool = False) -> "Image":
        """An image of a Matplotlib figure (or of the figure of an Axes), as PNG."""
        import io
        import traceback

        from .native import full_classname

        figure = plot if full_classname(plot) == "matplotlib.figure.Figure" else None
        if figure is None and getattr(plot, "get_figure", None) is not None:
            figure = plot.get_figure()
        if figure is None:
            image = cls(src=None, label=label, disable_updates=disable_updates)
            image._error = log_entry(_fail_headline(
                f"Invalid Type. Object {type(plot)} is not from `matplotlib`") + "\n\n")
            return image
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="PNG")
        except Exception:  # noqa: BLE001
            image = cls(src=None, label=label, disable_updates=disable_updates)
            image._error = log_entry(_fail_headline("Matplotlib plot's image is not parsable")
                                     + "\n\n" + traceback.format_exc())
            return image
        try:
            import matplotlib.pyplot as plt
            plt.close(figure)
        except Exception:  # noqa: BLE001 - a figure made without pyplot
            pass
        return cls(src=buffer.getvalue(), label=label, disable_updates=disable_updates)

    @classmethod
    def from_pil_image(cls, pilimage: Any, label: str | None = None,
                       disable_updates: bool = False) -> "Image":
        """An image of a PIL image, as PNG."""
        import io

        buffer = io.BytesIO()
        try:
            pilimage.save(buffer, format="PNG")
        except Exception as exc:  # noqa: BLE001
            image = cls(src=None, label=label, disable_updates=disable_updates)
            image._error = log_entry(_fail_headline("PIL Image Not Parsable") + f"\n\n{exc!r}")
            return image
        return cls(src=buffer.getvalue(), label=label, disable_updates=disable_updates)

    def update(self, image: Any, label: str | None = None) -> None:
        self._set_src(image, label if label is not None else self._label)

    @_with_id
    def render(self) -> dict[str, Any]:
        if self._error is not None:
            return self._error
        return {"type": "image", "src": self._src, "label": self._label,
                "id": self.component_id}


class Error(UserComponent):
    """An exception shown on the card, under a title."""

    def __init__(self, exception: BaseException, title: str | None = None) -> None:
        self._exception = exception
        self._title = title

    def render(self) -> dict[str, Any]:
        return log_entry(f"{self._title}\n\n{self._exception!r}")


class ProgressBar(UserComponent):
    """A progress bar (its last value when the task ended)."""

    type = "progressBar"
    REALTIME_UPDATABLE = True

    def __init__(self, max: int = 100, label: str | None = None, value: int = 0,
                 unit: str | None = None, metadata: str | None = None) -> None:
        self._max, self._label, self._value = max, label, value
        self._unit, self._metadata = unit, metadata

    def update(self, new_value: int, metadata: str | None = None) -> None:
        self._value = new_value
        if metadata is not None:
            self._metadata = metadata

    @_with_id
    def render(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "id": self.component_id, "max": self._max,
                                "value": self._value}
        if self._label:
            data["label"] = self._label
        if self._unit:
            data["unit"] = self._unit
        if self._metadata:
            data["details"] = self._metadata
        return data


class ValueBox(UserComponent):
    """A key figure with a title, a subtitle and a change indicator."""

    type = "valueBox"
    REALTIME_UPDATABLE = True

    def __init__(self, title: str | None = None, value: Any = "", subtitle: str | None = None,
                 theme: str | None = None, change_indicator: str | None = None) -> None:
        self._title, self._value, self._subtitle = title, value, subtitle
        self._theme, self._change_indicator = theme, change_indicator

    def update(self, value: Any = None, **fields: Any) -> None:
        if value is not None:
            self._value = value
        for name in ("title", "subtitle", "theme", "change_indicator"):
            if fields.get(name) is not None:
                setattr(self, f"_{name}", fields[name])

    @_with_id
    def render(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "id": self.component_id,
                                "value": self._value}
        for name in ("title", "subtitle", "theme", "change_indicator"):
            if getattr(self, f"_{name}") is not None:
                data[name] = getattr(self, f"_{name}")
        return data


class VegaChart(UserComponent):
    """A Vega-Lite chart from its spec (``VegaChart.from_altair_chart(chart)`` for Altair)."""

    type = "vegaChart"
    REALTIME_UPDATABLE = True

    def __init__(self, spec: dict, show_controls: bool = False) -> None:
        self._spec = spec
        self._show_controls = show_controls
        self._inside_table = False

    @staticmethod
    def _is_altair(chart: Any) -> bool:
        from .native import full_classname

        name = full_classname(chart)
        return all(part in name for part in ("altair", "vegalite", "Chart"))

    @classmethod
    def from_altair_chart(cls, altair_chart: Any) -> "VegaChart":
        if not cls._is_altair(altair_chart):
            raise ValueError(f"{type(altair_chart).__name__} is not an altair chart")
        return cls(spec=altair_chart.to_dict())

    def update(self, spec: Any = None) -> None:
        if spec is not None and self._is_altair(spec):
            spec = spec.to_dict()
        if spec is not None:
            self._spec = spec

    @_with_id
    def render(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "id": self.component_id, "spec": self._spec}
        if not self._show_controls:
            data["options"] = {"actions": False}
        if "width" not in self._spec and not self._inside_table:
            data["spec"]["width"] = "container"
        if self._inside_table and "autosize" not in self._spec:
            data["spec"]["autosize"] = "fit-x"
        return data


class PythonCode(UserComponent):
    """Python source shown as code: a function's (``code_func``) or a string's."""

    def __init__(self, code_func: Callable[..., Any] | None = None,
                 code_string: str | None = None) -> None:
        if code_func is not None:
            import inspect
            code_string = inspect.getsource(code_func)
        self._code = code_string

    @_with_id
    def render(self) -> dict[str, Any]:
        if self._code is None:
            return log_entry("`PythonCode` component requires a `code_func` or `code_string` "
                             "argument. \n\nNone provided for both")
        return {"type": "pythonCode", "data": self._code, "id": self.component_id}


__all__ = ["MetaflowCardComponent", "UserComponent", "Markdown", "Artifact", "Table", "Image",
           "Error", "ProgressBar", "ValueBox", "VegaChart", "PythonCode", "render_one",
           "log_entry", "create_component_id"]
