"""The Footer, recomposed only when what it shows changes.

Textual's Footer rebuilds all its keys on every ``bindings_changed`` signal (each focus change
and ``refresh_bindings``). The app's first screen sent five of them, and each rebuilt the same
keys: about 0.2 s of its first paint. This one compares what it would show (each shown
binding's key, description, enabled state and tooltip, and the command palette's) with what
it shows, and rebuilds only when they differ.
"""
from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


def _shown(screen: Screen) -> tuple[Any, ...]:
    return tuple((key, binding.key, binding.description, binding.action, enabled, tooltip)
                 for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
                 if binding.show or key == screen.app.COMMAND_PALETTE_BINDING)


class SteadyFooter(Footer):
    """``Footer`` that skips rebuilds which would show the same keys."""

    _composed: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and self._bindings_ready \
                and screen.app.app_focus:  # (unfocused, Textual ignores the signal itself)
            shown = _shown(screen)
            if shown == self._composed:
                return
            self._composed = shown  # a rebuild is on its way: the same signal again waits
        super().bindings_changed(screen)

    def compose(self) -> Any:
        if self._bindings_ready:
            self._composed = _shown(self.screen)
        return super().compose()
