"""``Config`` and ``config_expr`` (Metaflow 2.13+): configuration read once, before a run,
usable in steps (``self.cfg.lr``) and in decorator arguments (``@retry(times=cfg.retries)``,
``config_expr("cfg.retries * 2")``).

A ``Config`` is a parameter whose value comes from ``--config NAME FILE`` or
``--config-value NAME JSON`` (the command line's top level), else from its ``default`` file
when it exists, else from ``default_value``; JSON unless a ``parser`` says otherwise. The
value is stored with the run's parameters (so spins and resumes see the same) and read in a
step as a read-only ``ConfigValue``. At class level a Config (and ``config_expr``) is a
``DelayEvaluator``: the runtime evaluates it against the run's values
(``resolve_delayed``) where decorator settings are read.
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
from pathlib import Path
from typing import Any

from .errors import ParameterError
from .parameters import Parameter

CONFIG_VALUES_ATTR = "__wb_config_values__"  # on the flow class: attr -> value, per run


class ConfigValue(dict):
    """A configuration value: a dict whose keys also read as attributes, nested, read-only."""

    def __getattr__(self, name: str) -> Any:
        try:
            return _wrap(self[name])
        except KeyError:
            raise AttributeError(f"config has no key '{name}'") from None

    def __getitem__(self, key: Any) -> Any:
        return _wrap(dict.__getitem__(self, key))

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("a Config value cannot be modified")

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a Config value cannot be modified")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _refuse  # type: ignore[assignment]

    def to_dict(self) -> dict:
        """A plain, modifiable copy."""
        return json.loads(json.dumps(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConfigValue, (dict(self),))


def _wrap(value: Any) -> Any:
    return ConfigValue(value) if isinstance(value, dict) and not isinstance(
        value, ConfigValue) else value


class DelayEvaluator:
    """An expression over the flow's configs, evaluated when a run's values are known."""

    def __init__(self, expr: str, saved_globals: dict | None = None) -> None:
        object.__setattr__(self, "_expr", expr)
        object.__setattr__(self, "_globals", saved_globals or {})

    def __getattr__(self, name: str) -> "DelayEvaluator":
        if name.startswith("__"):
            raise AttributeError(name)
        return DelayEvaluator(f"{self._expr}.{name}", self._globals)

    def __getitem__(self, key: Any) -> "DelayEvaluator":
        return DelayEvaluator(f"{self._expr}[{key!r}]", self._globals)

    def evaluate(self, values: dict[str, Any]) -> Any:
        """The expression's value with each config name bound to its ConfigValue."""
        scope = {name: _wrap(value) for name, value in values.items()}
        try:
            return eval(self._expr, dict(self._globals), scope)  # noqa: S307 - the flow's own code
        except Exception as exc:  # noqa: BLE001 - one line naming the expression
            raise ParameterError(f"config expression '{self._expr}' failed: "
                                 f"{type(exc).__name__}: {exc}") from None

    def __repr__(self) -> str:
        return f"config_expr({self._expr!r})"


def config_expr(expr: str) -> DelayEvaluator:
    """An expression over the flow's configs, for places evaluated before a run (decorator
    arguments, parameter defaults): ``@retry(times=config_expr("cfg.retries"))``."""
    caller = inspect.currentframe()
    saved = caller.f_back.f_globals if caller is not None and caller.f_back else {}
    return DelayEvaluator(expr, saved)


def resolve_delayed(value: Any, values: dict[str, Any]) -> Any:
    """``value`` with every DelayEvaluator in it (in dicts, lists) evaluated."""
    if isinstance(value, DelayEvaluator):
        return value.evaluate(values)
    if isinstance(value, dict):
        return {k: resolve_delayed(v, values) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(resolve_delayed(v, values) for v in value)
    return value


class Config(Parameter):
    """A configuration of the flow (Metaflow's ``Config``)."""

    IS_CONFIG = True

    def __init__(self, name: str, default: Any = None, default_value: Any = None,
                 help: str | None = None, required: bool | None = None, parser: Any = None,
                 plain: bool = False, **kwargs: Any) -> None:
        if default is not None and default_value is not None:
            raise ParameterError(f"For config '{name}', you can only specify default or "
                                 "default_value, not both")
        super().__init__(name, default=None, type=str, help=help, required=required, **kwargs)
        self.default_file = default
        self.default_value = default_value
        self.parser = parser
        self.plain = plain

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        value = obj._wb_parameter_value(self.attr_name)
        return value if self.plain else _wrap(value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(DelayEvaluator(self.attr_name), name)

    def __getitem__(self, key: Any) -> DelayEvaluator:
        return DelayEvaluator(self.attr_name)[key]

    def resolve(self, given: tuple[str, str] | None, flow_file: Path | None) -> Any:
        """The value from ``given`` (("file", path) or ("value", text)), else the default
        file when it exists, else ``default_value``."""
        text: Any = None
        if given is not None:
            kind, raw = given
            text = _read(raw, self.name) if kind == "file" else raw
        elif self.default_file is not None:
            path = self.default_file() if callable(self.default_file) else self.default_file
            found = _find(str(path), flow_file)
            if found is not None:
                text = _read(str(found), self.name)
        if text is None and self.default_value is not None:
            text = self.default_value() if callable(self.default_value) else self.default_value
        if text is None:
            if self.required:
                raise ParameterError(f"missing required config '{self.name}'")
            return None
        return self._parse(text)

    def _parse(self, text: Any) -> Any:
        if isinstance(text, dict):
            return text
        parser = self.parser
        if isinstance(parser, str):
            module, _, attr = parser.rpartition(".")
            parser = getattr(importlib.import_module(module), attr)
        try:
            return parser(text) if parser is not None else json.loads(text)
        except Exception as exc:  # noqa: BLE001
            raise ParameterError(f"config '{self.name}' could not be parsed: "
                                 f"{type(exc).__name__}: {exc}") from None


def _find(path: str, flow_file: Path | None) -> Path | None:
    for candidate in (Path(path), *( [flow_file.parent / path] if flow_file else [])):
        if candidate.is_file():
            return candidate
    return None


def _read(path: str, name: str) -> str:
    try:
        return Path(os.path.expanduser(path)).read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"config '{name}': cannot read {path}: {exc.strerror or exc}") \
            from None


__all__ = ["CONFIG_VALUES_ATTR", "Config", "ConfigValue", "DelayEvaluator", "config_expr",
           "resolve_delayed"]
