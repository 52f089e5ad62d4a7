"""FlowSpec: the base class of every flow, with Metaflow's step-time API.

A FlowSpec instance lives for one task. The engine binds a :class:`TaskState` to it before it
calls the step: the artifacts inherited from the parent task (loaded lazily on first attribute
access), the foreach frames, the parameter values. Everything the step sets on ``self`` (and
everything it loaded, since it may have mutated it) is persisted when the task ends; inherited
artifacts it never touched are carried forward by reference.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from itertools import islice
import reprlib
from types import FunctionType, MethodType
from typing import Any, Iterable, NamedTuple

from .artifacts import ArtifactSet, ForeachFrame, Transition
from .graph import PARALLEL_VAR
from .errors import (InvalidNextError, MergeArtifactsException,
                     MissingInMergeArtifactsException, UnhandledInMergeArtifactsException)


@dataclass
class TaskState:
    """What the engine tells a flow instance about the task it runs as."""

    step: str
    inherited: ArtifactSet = field(default_factory=ArtifactSet)
    frames: list[ForeachFrame] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    is_join: bool = False
    set_names: set[str] = field(default_factory=set)
    loaded_names: set[str] = field(default_factory=set)
    transition: Transition | None = None
    input_cache: dict[int, Any] = field(default_factory=dict)
    graph: Any = None  # the flow's FlowGraph (``self._graph``)


class MetaflowForeachFrame(NamedTuple):
    """One level of ``self._foreach_stack`` as Metaflow has it: the step after the split,
    the foreach variable, the number of splits, this task's index and its item as text."""

    step: str
    var: str
    num_splits: int
    index: int
    value: str


_FOREACH_VALUE_CHARS = 30  # Metaflow's MAXIMUM_FOREACH_VALUE_CHARS
# Names Metaflow does not treat as flow-level constants (FlowSpec._NON_PARAMETERS)
_NOT_CONSTANTS = {"cmd", "foreach_stack", "index", "input", "script_name", "name"}


def _step_name(step: str, dst: Any, position: int) -> str:
    try:
        return dst.__func__.__name__
    except AttributeError:
        raise InvalidNextError(
            f"In step *{step}* the {position}. argument in self.next() is not a function. "
            "Make sure all arguments in self.next() are methods of the Flow class."
        ) from None


def _is_flow_constant(cls: type, name: str) -> bool:
    """A class-level value Metaflow makes read-only in a running task: a Parameter or a
    constant (not a method, property or class), named without a leading underscore."""
    if name.startswith("_") or name in _NOT_CONSTANTS:
        return False
    for klass in cls.__mro__:
        if klass is FlowSpec or klass is object:
            return False
        if name in vars(klass):
            value = vars(klass)[name]
            return not isinstance(value, (FunctionType, MethodType, property, type,
                                          staticmethod, classmethod))
    return False


def flow_constants(cls: type) -> dict[str, Any]:
    """The flow's class-level constants (``_is_flow_constant``, Parameters excluded): Metaflow
    persists them in ``start`` and passes them down to every task, joins too."""
    out: dict[str, Any] = {}
    for name in dir(cls):
        if _is_flow_constant(cls, name):
            value = getattr(cls, name)
            if type(value).__name__ not in ("Parameter", "IncludeFile", "Config"):
                out[name] = value
    return out


class FlowSpec:
    """Base class of a flow: subclass it and decorate methods with ``@step``.

    ``MyFlow()`` at the bottom of a flow file (``if __name__ == "__main__"``) hands the command
    line to workbench, so ``python flow.py run --alpha 0.5`` works as with Metaflow.
    """

    def __init__(self, use_cli: bool = True) -> None:
        object.__setattr__(self, "_wb", None)
        if use_cli:
            # The CLI is a higher layer; it is looked up by name only when a flow file is run
            # as a script, so this package keeps importing nothing of ours.
            from importlib import import_module

            import_module("workbench.cli").script_main(type(self), sys.argv)

    # -- binding (engine side) -------------------------------------------------------------
    def _wb_bind(self, state: TaskState) -> None:
        object.__setattr__(self, "_wb", state)

    def _wb_parameter_value(self, attr: str) -> Any:
        state: TaskState | None = self.__dict__.get("_wb")
        if state is None:
            raise AttributeError(f"parameter '{attr}' has no value outside a running task")
        if attr in state.params:
            return state.params[attr]
        if attr in state.inherited:
            value = state.inherited.load(attr)
            state.params[attr] = value
            return value
        raise AttributeError(f"parameter '{attr}' has no value in step *{state.step}*")

    def _wb_has(self, name: str) -> bool:
        """Whether ``name`` is set, inherited or a class attribute, without loading anything."""
        state: TaskState | None = self.__dict__.get("_wb")
        if name in self.__dict__:
            return True
        if state is not None and name in state.inherited:
            return True
        return any(name in vars(klass) for klass in type(self).__mro__)

    def _wb_outputs(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values to persist, references to carry forward) at the end of the task."""
        state: TaskState = self.__dict__["_wb"]
        values = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        carried = {k: ref for k, ref in state.inherited.items() if k not in values}
        return values, carried

    # -- attribute access ------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_wb") is not None and _is_flow_constant(type(self), name):
            raise AttributeError("Flow level attributes and Parameters are not modifiable")
        object.__setattr__(self, name, value)
        state: TaskState | None = self.__dict__.get("_wb")
        if state is not None and not name.startswith("_"):
            state.set_names.add(name)
            state.loaded_names.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the name is an inherited, not yet loaded artifact.
        if name.startswith("__") or name == "_wb":
            raise AttributeError(name)
        state: TaskState | None = self.__dict__.get("_wb")
        if state is not None and name in state.inherited:
            value = state.inherited.load(name)
            object.__setattr__(self, name, value)
            state.loaded_names.add(name)
            return value
        raise AttributeError(f"Flow {type(self).__name__} has no attribute '{name}'")

    def __getstate__(self) -> Any:
        raise TypeError(
            "Flows can't be serialized. Maybe you tried to assign *self* or one of the "
            "*inputs* to an attribute? Store specific attributes instead, e.g. *input.some_var*."
        )

    # -- Metaflow API ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The flow's name (its class name)."""
        return type(self).__name__

    @property
    def index(self) -> int | None:
        """Index of this task in the innermost foreach, or None outside a foreach."""
        state: TaskState | None = self.__dict__.get("_wb")
        if state is None or not state.frames:
            return None
        return state.frames[-1].index

    @property
    def input(self) -> Any:
        """The element of the innermost foreach iterable this task handles, or None."""
        state: TaskState | None = self.__dict__.get("_wb")
        if state is None or not state.frames:
            return None
        return self._wb_frame_value(len(state.frames) - 1)

    def foreach_stack(self) -> list[tuple[int, int, Any]]:
        """``[(index, num_splits, value), ...]`` for each enclosing foreach, outermost first."""
        state: TaskState | None = self.__dict__.get("_wb")
        if state is None:
            return []
        return [
            (frame.index, frame.num_splits, self._wb_frame_value(i))
            for i, frame in enumerate(state.frames)
        ]

    # -- what some flows read of Metaflow's internals -----------------------------------
    @property
    def _current_step(self) -> str | None:
        """The running step's name."""
        state: TaskState | None = self.__dict__.get("_wb")
        return state.step if state is not None else None

    @property
    def _graph(self) -> Any:
        """The flow's graph: ``self._graph[step]`` has ``type``, ``out_funcs``,
        ``in_funcs``, ``split_parents``, ``matching_join``..."""
        state: TaskState | None = self.__dict__.get("_wb")
        return state.graph if state is not None else None

    @property
    def _foreach_stack(self) -> list[MetaflowForeachFrame]:
        """Metaflow's frames: the step after each split, its variable, the number of
        splits, this task's index and its item as text (at most 30 characters)."""
        state: TaskState | None = self.__dict__.get("_wb")
        if state is None:
            return []
        out = []
        for i, frame in enumerate(state.frames):
            graph = state.graph
            child = (graph[frame.step].out_funcs[0]
                     if graph is not None and frame.step in graph else frame.step)
            item = self._wb_frame_value(i)
            text = item if isinstance(item, (str, int, float, bool)) else reprlib.repr(item)
            out.append(MetaflowForeachFrame(child, frame.var, frame.num_splits, frame.index,
                                            str(text)[:_FOREACH_VALUE_CHARS]))
        return out

    def _wb_frame_value(self, level: int) -> Any:
        state: TaskState = self.__dict__["_wb"]
        if level in state.input_cache:
            return state.input_cache[level]
        frame = state.frames[level]
        if frame.var == PARALLEL_VAR:  # a @parallel task's input is its node index
            state.input_cache[level] = frame.index
            return frame.index
        # Read the iterable without marking it touched: it is carried forward untouched.
        if frame.var in self.__dict__:
            items = self.__dict__[frame.var]
        elif frame.var in state.inherited:
            items = state.inherited.load(frame.var)
        else:
            state.input_cache[level] = None
            return None
        try:
            value = items[frame.index]
        except TypeError:
            value = next(islice(iter(items), frame.index, frame.index + 1))
        state.input_cache[level] = value
        return value

    def next(self, *dsts: Any, foreach: str | None = None, condition: str | None = None,
             num_parallel: int | None = None, **kwargs: Any) -> None:
        """Declare the step(s) that follow this one (linear, branch, foreach, switch, or
        ``num_parallel`` tasks of a ``@parallel`` step)."""
        state: TaskState | None = self.__dict__.get("_wb")
        step = state.step if state else "?"
        if num_parallel is not None and num_parallel >= 1:
            if foreach is not None or condition is not None:
                raise InvalidNextError(
                    f"Step *{step}* has an invalid self.next() transition. Switch statements "
                    "cannot be combined with foreach or num_parallel.")
            if len(dsts) != 1:
                raise InvalidNextError(
                    "Only one destination allowed when num_parallel used in self.next()")
            if state is not None and state.transition is None:
                state.transition = Transition((_step_name(step, dsts[0], 1),),
                                              foreach=PARALLEL_VAR, num_splits=int(num_parallel))
                return
        if kwargs:
            raise InvalidNextError(
                f"Step *{step}* passes an unknown keyword argument '{next(iter(kwargs))}' "
                "to self.next()."
            )
        if state is None:
            raise InvalidNextError("self.next() can only be called while a step runs.")
        if state.transition is not None:
            raise InvalidNextError(
                f"Multiple self.next() calls detected in step *{step}*. "
                "Call self.next() only once."
            )
        if len(dsts) == 1 and isinstance(dsts[0], dict):
            state.transition = self._wb_switch(step, dsts[0], condition)
            return
        if condition is not None:
            raise InvalidNextError(
                f"Step *{step}* has an invalid self.next() transition. 'condition' needs a "
                "dictionary of steps: self.next({'a': self.a, 'b': self.b}, condition='attr')."
            )
        names = tuple(_step_name(step, d, i + 1) for i, d in enumerate(dsts))
        for name in names:
            if not callable(getattr(type(self), name, None)):
                raise InvalidNextError(
                    f"Step *{step}* specifies a self.next() transition to an unknown step, "
                    f"*{name}*."
                )
        if not names:
            raise InvalidNextError(
                f"Step *{step}* has an invalid self.next() transition. Specify at least one "
                "step function as an argument in self.next()."
            )
        if foreach is None:
            state.transition = Transition(names)
            return
        if not isinstance(foreach, str):
            raise InvalidNextError(
                f"Step *{step}* has an invalid self.next() transition. The argument to "
                "'foreach' must be a string."
            )
        if len(names) != 1:
            raise InvalidNextError(
                f"Step *{step}* has an invalid self.next() transition. Specify exactly one "
                "target for 'foreach'."
            )
        try:
            items = getattr(self, foreach)
        except AttributeError:
            raise InvalidNextError(
                f"Foreach variable *self.{foreach}* in step *{step}* does not exist. "
                "Check your variable."
            ) from None
        try:
            num_splits = sum(1 for _ in items)
        except TypeError:
            raise InvalidNextError(
                f"Foreach variable *self.{foreach}* in step *{step}* is not iterable. "
                "Check your variable."
            ) from None
        if num_splits == 0:
            raise InvalidNextError(
                f"Foreach iterator over *{foreach}* in step *{step}* produced zero splits. "
                "Check your variable."
            )
        state.transition = Transition(names, foreach=foreach, num_splits=num_splits)

    def _wb_switch(self, step: str, cases: dict, condition: str | None) -> Transition:
        if not condition or not isinstance(condition, str):
            raise InvalidNextError(
                f"Step *{step}* has an invalid self.next() transition. A dictionary of steps "
                "needs condition='<artifact name>'."
            )
        names = {key: _step_name(step, dst, i + 1) for i, (key, dst) in enumerate(cases.items())}
        try:
            value = getattr(self, condition)
        except AttributeError:
            raise InvalidNextError(
                f"Condition variable *self.{condition}* in step *{step}* does not exist. "
                "Check your variable."
            ) from None
        if value not in names:
            raise InvalidNextError(
                f"Step *{step}*: condition *self.{condition}* is {value!r}, which matches none "
                f"of the cases {sorted(map(repr, names))}."
            )
        return Transition((names[value],), condition=condition, condition_value=value)

    def merge_artifacts(self, inputs: Iterable[Any], exclude: list[str] | None = None,
                        include: list[str] | None = None) -> None:
        """Take the artifacts of a join's inputs onto ``self`` (Metaflow's rules).

        Only artifacts not already set here are considered. Values are compared by content
        key, so nothing is loaded; an artifact with different values on different inputs must
        be set explicitly before the call.
        """
        state: TaskState | None = self.__dict__.get("_wb")
        step = state.step if state else "?"
        include = list(include or [])
        exclude = list(exclude or [])
        if state is None or not state.is_join:
            raise MergeArtifactsException(
                f"merge_artifacts can only be called in a join and step *{step}* is not a join"
            )
        if include and exclude:
            raise MergeArtifactsException(
                "`exclude` and `include` are mutually exclusive in merge_artifacts"
            )
        to_merge: dict[str, tuple[Any, Any]] = {}
        unresolved: list[str] = []
        for inp in inputs:
            source: ArtifactSet = inp._wb_artifacts
            for var in source:
                if include and var not in include:
                    continue
                if var in exclude or self._wb_has(var):
                    continue
                ref = source.refs[var]
                key = source.key(var)
                _, previous = to_merge.setdefault(var, (ref, key))
                if previous != key and var not in unresolved:
                    unresolved.append(var)
        missing = [v for v in include if v not in to_merge and not self._wb_has(v)]
        if unresolved:
            raise UnhandledInMergeArtifactsException(
                f"Step *{step}* cannot merge the following artifacts due to them having "
                f"conflicting values: [{', '.join(unresolved)}]. To remedy this issue, be sure "
                "to explicitly set those artifacts (using self.<artifact_name> = ...) prior to "
                "calling merge_artifacts.", unresolved
            )
        if missing:
            raise MissingInMergeArtifactsException(
                f"Step *{step}* specifies that [{', '.join(include)}] should be merged but "
                f"[{', '.join(missing)}] are not present. To remedy this issue, make sure that "
                "the values specified in include come from at least one branch.", missing
            )
        # Merged artifacts are carried forward by reference, like inherited ones: the engine
        # gives every artifact set of a task the same loader.
        for var, (ref, _) in to_merge.items():
            state.inherited.refs[var] = ref

    def __str__(self) -> str:
        state: TaskState | None = self.__dict__.get("_wb")
        if state is None:
            return f"<flow {self.name}>"
        return f"<flow {self.name} step {state.step}>"
