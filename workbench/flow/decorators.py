"""Step and flow decorators of the authoring API.

Every decorator only annotates the function (or class) and returns it unchanged,
so the order relative to ``@step`` does not matter. Settings land normalized in
``func.__wb_decorators__: dict[name, dict]`` (flow level: ``cls.__wb_flow_decorators__``).
Decorators that only matter on remote infrastructure are accepted and ignored
locally, with one warning per decorator name per process.
"""
from __future__ import annotations

import re
import sys
from typing import Any, Callable

# Step-level and flow-level decorators accepted and ignored locally.
IGNORED_STEP_DECORATORS = ("resources", "conda", "pypi", "batch", "kubernetes",
                           "environment")
IGNORED_FLOW_DECORATORS = ("conda_base", "pypi_base", "schedule", "trigger",
                           "trigger_on_finish")

_warned: set[str] = set()


def _warn_ignored(name: str) -> None:
    if name not in _warned:
        _warned.add(name)
        print(f"workbench: @{name} is accepted and ignored when running locally",
              file=sys.stderr)


def _record(func: Any, name: str, settings: dict[str, Any]) -> Any:
    try:
        decos = vars(func).setdefault("__wb_decorators__", {})
    except TypeError:
        raise TypeError(f"@{name} must decorate a step method, got {func!r}") from None
    decos[name] = settings
    return func


def step(func: Callable) -> Callable:
    """Mark a method of a FlowSpec subclass as a step."""
    if not callable(func):
        raise TypeError("@step decorates a method: use @step without arguments")
    func.is_step = True
    func.name = func.__name__
    vars(func).setdefault("__wb_decorators__", {})
    return func


def _as_int(deco: str, field: str, value: Any, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"@{deco}({field}=...) expects an integer, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"@{deco}({field}=...) must be >= {minimum}, got {number}")
    return number


def _as_number(deco: str, field: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"@{deco}({field}=...) expects a number, got {value!r}") from None
    if number < 0:
        raise ValueError(f"@{deco}({field}=...) must be >= 0, got {value!r}")
    return int(number) if number == int(number) else number


_CARD_ID = re.compile(r"[a-zA-Z0-9_]+")
DELAYED = "__delayed__"  # settings whose arguments wait for the run's Config values


def _delayed(name: str, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """``{DELAYED: kwargs}`` when an argument is a Config expression (validated once it is
    evaluated, ``resolve_settings``), else None."""
    if any(type(v).__name__ in ("DelayEvaluator", "Config") for v in kwargs.values()):
        return {DELAYED: dict(kwargs)}
    return None


def _maybe_delayed(func: Callable | None, name: str, kwargs: dict[str, Any]) -> Any:
    settings = _delayed(name, kwargs)
    if settings is None:
        return None
    if func is not None:
        return _record(func, name, settings)
    return lambda f: _record(f, name, dict(settings))


def resolve_settings(name: str, settings: dict[str, Any], values: dict[str, Any]) -> dict:
    """A decorator's settings with its Config expressions evaluated and validated."""
    if DELAYED not in settings:
        return settings
    from .configs import resolve_delayed

    kwargs = resolve_delayed(settings[DELAYED], values)
    factory = {"retry": retry, "catch": catch, "timeout": timeout}.get(name)
    if factory is None:
        return kwargs

    def probe() -> None: ...
    return factory(**kwargs)(probe).__wb_decorators__[name]


def retry(func: Callable | None = None, *, times: int = 3, minutes_between_retries: float = 2,
          only_system: bool = False) -> Any:
    """Retry a failing task: ``@retry`` or ``@retry(times=3, minutes_between_retries=2)``."""
    delayed = _maybe_delayed(func, "retry", {"times": times, "minutes_between_retries":
                                             minutes_between_retries,
                                             "only_system": only_system})
    if delayed is not None:
        return delayed
    settings = {
        "times": _as_int("retry", "times", times),
        "minutes_between_retries": _as_number("retry", "minutes_between_retries",
                                              minutes_between_retries),
        "only_system": bool(only_system),
    }
    if func is not None:
        return _record(func, "retry", settings)
    return lambda f: _record(f, "retry", dict(settings))


def catch(func: Callable | None = None, *, var: str | None = None,
          print_exception: bool = True) -> Any:
    """Let the flow continue past a failing step, storing the exception in ``var``."""
    delayed = _maybe_delayed(func, "catch", {"var": var, "print_exception": print_exception})
    if delayed is not None:
        return delayed
    if var is not None and (not isinstance(var, str) or not var.isidentifier()):
        raise ValueError(f"@catch(var=...) expects an attribute name, got {var!r}")
    settings = {"var": var, "print_exception": bool(print_exception)}
    if func is not None:
        return _record(func, "catch", settings)
    return lambda f: _record(f, "catch", dict(settings))


def timeout(func: Callable | None = None, *, seconds: float = 0, minutes: float = 0,
            hours: float = 0) -> Any:
    """Fail a task running longer than the sum of the given durations.

    Stored as ``{"seconds": total_seconds}``.
    """
    delayed = _maybe_delayed(func, "timeout", {"seconds": seconds, "minutes": minutes,
                                               "hours": hours})
    if delayed is not None:
        return delayed
    total = (_as_number("timeout", "hours", hours) * 3600
             + _as_number("timeout", "minutes", minutes) * 60
             + _as_number("timeout", "seconds", seconds))
    if not total:
        raise ValueError("Specify a duration for @timeout.")
    settings = {"seconds": total}
    if func is not None:
        return _record(func, "timeout", settings)
    return lambda f: _record(f, "timeout", dict(settings))


def parallel(func: Callable | None = None) -> Any:
    """``@parallel``: the step reached by ``self.next(self.step, num_parallel=N)`` runs as N
    tasks, each with ``current.parallel`` (``main_ip``, ``num_nodes``, ``node_index``,
    ``control_task_id``), as Metaflow runs it locally."""
    if func is not None:
        return _record(func, "parallel", {})
    return lambda f: _record(f, "parallel", {})


def _ignored_step(name: str) -> Callable:
    def decorator(func: Callable | None = None, **kwargs: Any) -> Any:
        _warn_ignored(name)
        if func is not None and callable(func) and not kwargs:
            return _record(func, name, {})
        if func is not None:
            raise TypeError(f"@{name} takes keyword arguments only")
        return lambda f: _record(f, name, dict(kwargs))

    decorator.__name__ = decorator.__qualname__ = name
    decorator.__doc__ = f"@{name}: accepted and ignored when running locally."
    return decorator


def _record_flow(cls: Any, name: str, settings: dict[str, Any]) -> Any:
    if not isinstance(cls, type):
        raise TypeError(f"@{name} decorates a flow class")
    decos = dict(getattr(cls, "__wb_flow_decorators__", {}) or {})
    decos[name] = settings
    cls.__wb_flow_decorators__ = decos
    return cls


def _ignored_flow(name: str) -> Callable:
    def decorator(cls: Any = None, **kwargs: Any) -> Any:
        _warn_ignored(name)
        if cls is not None and not kwargs:
            return _record_flow(cls, name, {})
        if cls is not None:
            raise TypeError(f"@{name} takes keyword arguments only")
        return lambda c: _record_flow(c, name, dict(kwargs))

    decorator.__name__ = decorator.__qualname__ = name
    decorator.__doc__ = f"@{name}: flow decorator accepted and ignored when running locally."
    return decorator


resources = _ignored_step("resources")
conda = _ignored_step("conda")
pypi = _ignored_step("pypi")
batch = _ignored_step("batch")
kubernetes = _ignored_step("kubernetes")
environment = _ignored_step("environment")

conda_base = _ignored_flow("conda_base")
pypi_base = _ignored_flow("pypi_base")


def project(cls: Any = None, *, name: str | None = None, branch: str | None = None,
            production: bool = False) -> Any:
    """``@project(name=...)``: the flow belongs to a project (``current.project_name``,
    ``branch_name``, ``project_flow_name``... and the run's ``project:`` tags)."""
    settings = {"name": name, "branch": branch, "production": production}
    if cls is not None:
        return _record_flow(cls, "project", settings)
    return lambda c: _record_flow(c, "project", settings)

schedule = _ignored_flow("schedule")
trigger = _ignored_flow("trigger")
trigger_on_finish = _ignored_flow("trigger_on_finish")


CARD_DEFAULTS = {"type": "default", "options": {}, "id": None, "timeout": 45,
                 "save_errors": True, "customize": False, "refresh_interval": 5}


def card(func: Callable | None = None, **kwargs: Any) -> Any:
    """``@card`` or ``@card(type="default"|"blank", id=..., options=...)``: the task makes a
    card when it succeeds (``current.card`` collects its components). A step may carry
    several; they are kept in decorator order, top first."""
    unknown = set(kwargs) - set(CARD_DEFAULTS)
    if unknown:
        raise TypeError(f"@card got unknown arguments: {', '.join(sorted(unknown))}")
    settings = {**CARD_DEFAULTS, **kwargs}
    if settings["id"] is not None and not _CARD_ID.fullmatch(str(settings["id"])):
        raise ValueError(f"@card(id={settings['id']!r}): an id has only letters, digits and "
                         "underscores")
    if not isinstance(settings["options"], dict):
        raise TypeError("@card(options=...) expects a dict")

    def record(f: Any) -> Any:
        below = list(step_decorators(f).get("card") or [])  # applied first: listed after
        return _record(f, "card", [dict(settings), *below])
    if func is not None and callable(func):
        return record(func)
    if func is not None:
        raise TypeError("@card takes keyword arguments only")
    return record


def step_decorators(func: Any) -> dict[str, dict[str, Any]]:
    """The decorators recorded on a step function (empty dict if none)."""
    return dict(getattr(func, "__wb_decorators__", {}) or {})


def flow_decorators(cls: Any) -> dict[str, dict[str, Any]]:
    """The flow-level decorators recorded on a flow class."""
    return dict(getattr(cls, "__wb_flow_decorators__", {}) or {})


__all__ = ["step", "retry", "catch", "timeout", "parallel", "project", "card", "step_decorators",
           "flow_decorators",
           "IGNORED_STEP_DECORATORS", "IGNORED_FLOW_DECORATORS", *IGNORED_STEP_DECORATORS,
           *IGNORED_FLOW_DECORATORS]
