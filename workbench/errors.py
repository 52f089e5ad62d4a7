"""The base of every error workbench reports to a person.

A ``WorkbenchError`` has ``message`` (one line: what is wrong), ``where`` (a file and line, a
store path or a pathspec; None when the message says it) and ``exit_code`` (what the command
line exits with: 2 for bad input or usage, the default). Each layer's errors derive from it
(``FlowError``, ``StoreError``, ``EngineInputError``, the CLI's ``UsageError``), so every face
catches one class and prints one line.
"""
from __future__ import annotations

EXIT_INPUT = 2


class WorkbenchError(Exception):
    """One line for a person: ``where: message`` (or the message alone)."""

    exit_code: int = EXIT_INPUT

    def __init__(self, message: str = "", where: str | None = None) -> None:
        self.message = str(message)
        self.where = where
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def line(self) -> str:
        """The first line of ``str(self)`` (what a terminal gets)."""
        lines = str(self).strip().splitlines()
        return lines[0] if lines else type(self).__name__
