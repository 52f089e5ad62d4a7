"""The command palette (ctrl+p): every app action, plus "go to run N" and "go to step X"."""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import APP_KEYS

if TYPE_CHECKING:
    from .app import WorkbenchApp


class WorkbenchCommands(Provider):
    """Context-aware commands: actions of the app, runs of the flow, steps of the graph."""

    @property
    def workbench(self) -> "WorkbenchApp":
        return self.app  # type: ignore[return-value]

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str, bool]]:
        app = self.workbench
        for key in APP_KEYS:
            if not key.palette:
                continue
            keys = key.key_display or key.key
            yield (key.description.rstrip("…"), partial(app.run_action, key.action),
                   f"key: {keys}", True)
        for number in app.run_numbers():
            yield (f"Go to run {number}", partial(app.select_run, number, focus=True),
                   "select this run in the Runs pane", False)
        for step in app.step_names():
            yield (f"Go to step {step}", partial(app.select_step, step, focus=True),
                   "move the Flow cursor to this step", False)
            yield (f"Spin {step}", partial(app.spin_step, step),
                   "spin this step on the selected run", False)

    async def discover(self) -> Hits:
        for name, callback, help_text, discoverable in self._commands():
            if discoverable:
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text, _ in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
