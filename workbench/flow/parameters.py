"""Flow parameters: ``Parameter``, ``IncludeFile``, ``JSONType``, and their resolution.

A ``Parameter`` is a data descriptor on the flow class: reading it on an
instance asks the flow (``obj._wb_parameter_value(attr)``), assigning raises.
"""
from __future__ import annotations

import inspect
import json
import os
import sys
from collections import namedtuple
from pathlib import Path
from typing import Any

from ..settings import current_user
from .errors import ParameterError

# Passed to callable defaults that take one argument (Metaflow's deploy-time functions).
ParameterContext = namedtuple(
    "ParameterContext", ["flow_name", "user_name", "parameter_name", "logger", "ds_type", "configs"]
)

_TRUE = {"true", "1", "yes", "y", "t", "on"}
_FALSE = {"false", "0", "no", "n", "f", "off"}


class _JSONType:
    """Marks a parameter whose value is JSON (``type=JSONType``)."""

    name = "JSON"

    def __repr__(self) -> str:
        return "JSON"

    __str__ = __repr__

    def __reduce__(self):
        return "JSONType"  # a module-level singleton

    def convert(self, value: Any, param: Any = None, ctx: Any = None) -> Any:
        if not isinstance(value, str):
            return value
        return json.loads(value)


JSONType = _JSONType()


def _type_name(ptype: Any) -> str:
    return {int: "an int", float: "a float", bool: "a bool", str: "a string"}.get(
        ptype, "a JSON value" if ptype is JSONType else f"a {getattr(ptype, '__name__', ptype)}")


class Parameter:
    """A flow parameter, declared as a class attribute of the flow.

    The type is ``type`` if given (int, float, bool, str or JSONType), else
    inferred from the default (dict/list defaults mean JSON), else str.
    """

    IS_INCLUDE_FILE = False

    def __init__(self, name: str, default: Any = None, type: Any = None, help: str | None = None,
                 required: bool | None = False, show_default: bool | None = True,
                 separator: str | None = None, **kwargs: Any) -> None:
        if not isinstance(name, str) or not name:
            raise ParameterError(f"a Parameter needs a name, got {name!r}")
        if name == "params":
            raise ParameterError("Parameter name 'params' is a reserved word. Please use a "
                                 "different name for your parameter.")
        for fld, value in (("show_default", show_default), ("separator", separator),
                           ("required", required)):
            if callable(value):
                raise ParameterError(f"Parameter *{name}*: Field '{fld}' cannot have a function "
                                     "as its value")
        self.name = name
        self.default = default
        self.help = help
        self.required = bool(required)
        self.show_default = show_default
        self.separator = separator
        self.kwargs = kwargs
        self._type_given = type is not None
        self.type = self._infer_type(type, default)
        if separator and self.type is not str:
            raise ParameterError(f"Parameter *{name}*: Separator is only allowed for string "
                                 "parameters.")
        self._attr_name: str | None = None

    @staticmethod
    def _infer_type(ptype: Any, default: Any) -> Any:
        if ptype is not None:
            return ptype
        if default is None or callable(default):
            return str
        if isinstance(default, (bool, int, float, str)):
            return type(default)
        if isinstance(default, (dict, list, tuple)):
            return JSONType
        return str

    # ---- descriptor protocol
    def __set_name__(self, owner: type, name: str) -> None:
        self._attr_name = name

    @property
    def attr_name(self) -> str:
        """The attribute name in the flow class (``self.<attr_name>``)."""
        return self._attr_name or self.name.replace("-", "_")

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return obj._wb_parameter_value(self.attr_name)

    def __set__(self, obj: Any, value: Any) -> None:
        raise AttributeError(f"Parameter '{self.attr_name}' is read-only")

    def __delete__(self, obj: Any) -> None:
        raise AttributeError(f"Parameter '{self.attr_name}' is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, default={self.default!r}, type={self.type!r})"

    # this is needed to appease linters for JSONType'd parameters (Metaflow does the same)
    def __getitem__(self, x: Any) -> None:
        pass


class IncludeFile(Parameter):
    """A parameter whose value is the content of a file (text, or bytes if not ``is_text``)."""

    IS_INCLUDE_FILE = True

    def __init__(self, name: str, default: Any = None, is_text: bool = True,
                 encoding: str = "utf-8", required: bool | None = False,
                 help: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("type", None)
        super().__init__(name, default=default, type=str, help=help, required=required, **kwargs)
        self.is_text = True if is_text is None else bool(is_text)
        self.encoding = encoding or "utf-8"

    def load(self, value: Any, flow_file: Path | None) -> Any:
        """Read the file named by ``value`` (cwd first, then the flow file's directory).

        Metaflow reads a relative path from the working directory only: when workbench falls
        back to the flow's directory it says so on stderr, once.
        """
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise ParameterError(f"parameter '{self.name}' expects a file path, got {value!r}")
        path = Path(value).expanduser()
        candidates = [path]
        if not path.is_absolute():
            candidates = [Path.cwd() / path]
            if flow_file is not None:
                candidates.append(Path(flow_file).resolve().parent / path)
        for candidate in candidates:
            if candidate.is_file():
                if candidate is not candidates[0]:
                    _warn_flow_dir(self.name, value)
                try:
                    if self.is_text:
                        return candidate.read_text(encoding=self.encoding)
                    return candidate.read_bytes()
                except (OSError, UnicodeDecodeError) as exc:
                    raise ParameterError(f"parameter '{self.name}': cannot read '{value}': "
                                         f"{exc}") from None
        raise ParameterError(f"parameter '{self.name}': file not found: '{value}'")


_warned_paths: set[tuple[str, str]] = set()


def _warn_flow_dir(name: str, value: Any) -> None:
    if (name, str(value)) not in _warned_paths:
        _warned_paths.add((name, str(value)))
        print(f"workbench: IncludeFile '{name}': '{value}' is not in the working directory; "
              "read it next to the flow file (Metaflow reads it from the working directory "
              "only)", file=sys.stderr)


def flow_parameters(flow_cls: type) -> list[Parameter]:
    """The parameters of a flow class in declaration order (base classes first)."""
    found: dict[str, Parameter] = {}
    for klass in reversed(flow_cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, Parameter):
                if value._attr_name is None:
                    value._attr_name = attr
                found[attr] = value
    result = []
    for attr, param in found.items():
        for klass in flow_cls.__mro__:  # the attribute as resolved on the class
            if attr in vars(klass):
                if vars(klass)[attr] is param:
                    result.append(param)
                break
    return result


def _norm(name: str) -> str:
    return name.replace("-", "_").lower()


def find_parameter(flow_cls: type, name: str) -> Parameter | None:
    """The parameter ``name`` names (its name or attribute, ``-``/``_`` and case ignored)."""
    params = flow_parameters(flow_cls)
    wanted = _norm(name)
    return next((p for p in params if _norm(p.name) == wanted), None) or \
        next((p for p in params if _norm(p.attr_name) == wanted), None)


def coerce(param: Parameter, raw: Any) -> Any:
    """Convert ``raw`` (a string from the command line, or a Python value) to the
    parameter's type. Raises ``ParameterError`` naming the parameter and the value."""
    ptype = param.type
    if raw is None:
        return None
    if param.separator and isinstance(raw, str):
        return raw.split(param.separator)
    if not isinstance(raw, str):
        is_number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
        if ptype is bool and not isinstance(raw, bool):
            raise ParameterError(f"parameter '{param.name}' expects a bool, got {raw!r}")
        if ptype is int and not (isinstance(raw, int) and not isinstance(raw, bool)):
            raise ParameterError(f"parameter '{param.name}' expects an int, got {raw!r}")
        if ptype is float:
            if not is_number:
                raise ParameterError(f"parameter '{param.name}' expects a float, got {raw!r}")
            return float(raw)
        if ptype is str and isinstance(raw, (int, float, bool)):
            return str(raw)
        return raw
    try:
        if ptype is str:
            return raw
        if ptype is bool:
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(raw)
        if ptype is int:
            return int(raw.strip())
        if ptype is float:
            return float(raw.strip())
        if ptype is JSONType:
            return json.loads(raw)
        if hasattr(ptype, "convert"):  # click-like ParamType
            return ptype.convert(raw, None, None)
        return ptype(raw)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"parameter '{param.name}' expects a JSON value, got {raw!r}: "
                             f"{exc.msg} (char {exc.pos})") from None
    except ParameterError:
        raise
    except Exception:
        raise ParameterError(f"parameter '{param.name}' expects {_type_name(ptype)}, "
                             f"got {raw!r}") from None


def _call_default(param: Parameter, flow_cls: type) -> Any:
    fun = param.default
    try:
        sig = inspect.signature(fun)
        takes_none = not any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                                   p.POSITIONAL_OR_KEYWORD)
                             for p in sig.parameters.values())
    except (TypeError, ValueError):
        takes_none = True
    from .loader import install_metaflow_alias  # loader imports this module

    try:
        with install_metaflow_alias():  # ``import metaflow`` in it is workbench, as in a step
            if takes_none:
                return fun()
            ctx = ParameterContext(flow_name=flow_cls.__name__, user_name=current_user(),
                                   parameter_name=param.name, logger=print, ds_type="local",
                                   configs=None)
            return fun(ctx)
    except Exception as exc:
        raise ParameterError(f"parameter '{param.name}': its default function raised "
                             f"{type(exc).__name__}: {exc}") from None


def resolve_parameters(flow_cls: type, given: dict[str, Any] | None,
                       flow_file: Path | str | None = None) -> dict[str, Any]:
    """Values of every parameter of ``flow_cls``, keyed by attribute name.

    ``given`` maps parameter names (``-`` or ``_``, any case; attribute names work
    too) to raw strings or Python values. Unknown names, missing required
    parameters and ill-typed values raise ``ParameterError``. Defaults are used
    otherwise (callable defaults are called); IncludeFile values are file contents.
    """
    params = flow_parameters(flow_cls)
    by_name: dict[str, Parameter] = {}
    for param in params:
        key = _norm(param.name)
        if key in by_name:
            raise ParameterError(f"Parameter *{param.name}* is specified twice. Note that "
                                 "parameter names are case-insensitive.")
        by_name[key] = param
    for param in params:
        by_name.setdefault(_norm(param.attr_name), param)

    values: dict[str, Any] = {}
    chosen: dict[str, Any] = {}
    for key, raw in (given or {}).items():
        param = by_name.get(_norm(str(key)))
        if param is None:
            known = ", ".join(p.name for p in params)
            raise ParameterError(f"unknown parameter '{key}'; "
                                 + (f"known: {known}" if known else "this flow has no parameters"))
        chosen[param.attr_name] = raw

    flow_file = Path(flow_file) if flow_file is not None else None
    configs = [p for p in params if getattr(p, "IS_CONFIG", False)]
    for param in configs:  # first: other parameters' defaults may be Config expressions
        given_config = chosen.get(param.attr_name)
        if isinstance(given_config, str):
            given_config = ("value", given_config)
        values[param.attr_name] = param.resolve(given_config, flow_file)
    config_values = dict(values)
    for param in params:
        attr = param.attr_name
        if attr in values:
            continue
        if attr in chosen:
            value = coerce(param, chosen[attr])
        else:
            default = param.default
            if type(default).__name__ == "DelayEvaluator":
                default = default.evaluate(config_values)
                if not getattr(param, "_type_given", True):  # typed by the expression
                    param.type = Parameter._infer_type(None, default)
            elif callable(default) and not isinstance(default, type):
                default = _call_default(param, flow_cls)
            if default is None and param.required:
                raise ParameterError(f"missing required parameter '{param.name}'")
            value = coerce(param, default)
        if param.IS_INCLUDE_FILE:
            value = param.load(value, flow_file)
        values[attr] = value
    return values


__all__ = ["Parameter", "IncludeFile", "JSONType", "ParameterContext", "flow_parameters",
           "coerce", "find_parameter", "resolve_parameters"]
