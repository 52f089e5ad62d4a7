"""Errors of the authoring layer: one clear line each, naming file and line."""
from __future__ import annotations

from typing import Any, Iterable

from ..errors import WorkbenchError


def _restore(cls: type, state: dict[str, Any]) -> "FlowError":
    """Unpickle helper: rebuild an error without calling its ``__init__``."""
    obj = cls.__new__(cls)
    Exception.__init__(obj, state.get("message", ""))
    obj.__dict__.update(state)
    return obj


class MetaflowException(WorkbenchError):
    """Metaflow's base exception (``from metaflow.exception import MetaflowException``).

    Every error workbench raises about a flow (and the client's ``MetaflowNotFound``) is one,
    so code written for Metaflow that catches it keeps working.
    """

    headline = "Flow failed"

    def __init__(self, msg: str = "", lineno: int | None = None,
                 source_file: Any = None) -> None:
        self.line_no = lineno
        self.source_file = source_file
        super().__init__(str(msg))

    def __str__(self) -> str:
        prefix = f"line {self.line_no}: " if self.line_no else (
            f"{self.source_file}: " if self.source_file else "")
        return f"{prefix}{self.message}"


class ExternalCommandFailed(MetaflowException):
    """Metaflow's error for a command a flow ran that failed (``metaflow.exception``)."""

    headline = "External command failed"


# What a flow raises of these reads as Metaflow's own (``@catch`` stores the type by name).
MetaflowException.__module__ = ExternalCommandFailed.__module__ = "metaflow.exception"


class FlowError(MetaflowException):
    """Base of the flow errors: ``.message``, ``.file``, ``.line``.

    ``str()`` gives ``"file:line: message"``, ``"file: message"`` without a line,
    or just the message when no file is known.
    """

    def __init__(self, message: str, file: Any = None, line: int | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        super().__init__(str(message), line, self.file)
        self.where = (f"{self.file}:{line}" if self.file and line else self.file)

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message

    def __reduce__(self):  # keep file/line (and subclass fields) across pickling
        return (_restore, (self.__class__, dict(self.__dict__)))


class GraphError(FlowError):
    """The static graph of a flow is invalid (Metaflow's lint rules)."""


class FlowLoadError(FlowError):
    """A flow file cannot be loaded: missing, not .py, syntax error, no flow class,
    module-level exception, unsupported metaflow name."""


class ParameterError(FlowError):
    """A parameter is unknown, ill-typed, missing or its file cannot be read."""


class UnsupportedMetaflowName(FlowLoadError, ImportError):
    """``from metaflow import X`` where workbench does not provide ``X``.

    Also an ``ImportError`` so ``from metaflow import X`` propagates it unchanged
    (an ``AttributeError`` would be swallowed into a generic ImportError).
    """

    def __init__(self, message: str, file: Any = None, line: int | None = None,
                 name: str | None = None) -> None:
        FlowLoadError.__init__(self, message, file, line)
        self.metaflow_name = name


class InvalidNextError(FlowError):
    """A step called ``self.next`` in a way that does not match the static graph."""


class MergeArtifactsException(FlowError):
    """``merge_artifacts`` found conflicting or missing artifacts.

    ``.artifact_names`` lists the offending artifacts. Build the Metaflow wording
    with :meth:`conflicting` and :meth:`missing`.
    """

    def __init__(self, message: str, artifact_names: Iterable[str] = (),
                 file: Any = None, line: int | None = None) -> None:
        super().__init__(message, file, line)
        self.artifact_names = list(artifact_names)

    @classmethod
    def conflicting(cls, step: str, names: Iterable[str]) -> "MergeArtifactsException":
        """Metaflow's message for artifacts with different values in different inputs."""
        names = list(names)
        msg = (
            f"Step *{step}* cannot merge the following artifacts due to them having "
            f"conflicting values: [{', '.join(names)}]. To remedy this issue, be sure to "
            "explicitly set those artifacts (using self.<artifact_name> = ...) prior to "
            "calling merge_artifacts."
        )
        return cls(msg, names)

    @classmethod
    def missing(cls, step: str, include: Iterable[str],
                names: Iterable[str]) -> "MergeArtifactsException":
        """Metaflow's message for ``include=`` names that no input has."""
        names = list(names)
        msg = (
            f"Step *{step}* specifies that [{', '.join(include)}] should be merged but "
            f"[{', '.join(names)}] are not present. To remedy this issue, make sure that "
            "the values specified in only come from at least one branch"
        )
        return cls(msg, names)


class UnhandledInMergeArtifactsException(MergeArtifactsException):
    """``merge_artifacts``: an artifact has different values in different inputs (Metaflow's
    class of the same name)."""

    headline = "Unhandled artifacts in merge"


class MissingInMergeArtifactsException(MergeArtifactsException):
    """``merge_artifacts(include=...)`` names artifacts no input has (Metaflow's class)."""

    headline = "Missing artifacts in merge"


__all__ = [
    "MetaflowException",
    "FlowError",
    "GraphError",
    "FlowLoadError",
    "ParameterError",
    "UnsupportedMetaflowName",
    "InvalidNextError",
    "MergeArtifactsException",
    "UnhandledInMergeArtifactsException",
    "MissingInMergeArtifactsException",
]
