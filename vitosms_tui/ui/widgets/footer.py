"""The two key rows at the bottom of every screen, in the interface language.

The lower row lists the views on their function keys (F1 help … F8 Mandant)
and marks the one that is open; it stands at the same place on every screen.
The upper row lists the keys of the screen and the widget in focus, then the
app's own keys (Esc, palette, quit). Binding descriptions are English msgids
(marked with ``N_``) translated here, where they are shown.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import Footer

from ..compat import FooterKey
from ..i18n import N_, _

_FUNCTION_KEY = re.compile(r"f\d+")
# Textual's own widgets bring keys with English descriptions (the open list of a
# Select shows "esc Dismiss menu"); named here, they are in the catalogue and the
# footer and F1 translate them like the app's own
TEXTUAL_DESCRIPTIONS = (N_("Dismiss menu"), N_("Show menu"))
# key names written in English in the bindings, labelled on German keyboards otherwise
# (the app's get_key_display translates them)
KEY_NAMES = (N_("Space"), N_("Del"), N_("Ctrl+S"))


def is_view_key(node, binding, app) -> bool:
    return node is app and bool(_FUNCTION_KEY.fullmatch(binding.key))


class KeyBar(Footer):
    """Textual's footer, translated, showing either the view keys or the others."""

    def __init__(self, views: bool, **kwargs) -> None:
        super().__init__(compact=True, show_command_palette=False, **kwargs)
        self.views = views
        # the keys are known once the screen has told us its bindings (see bindings_changed)
        self.keys_known = False
        self.add_class("-views" if views else "-actions")

    def _shown(self) -> list[tuple]:
        """What the row shows now: (node, binding, enabled, tooltip, current) per key."""
        app = self.app
        current = f"go('{app.current_mode}')"
        seen: set[tuple[int, str]] = set()
        items = [
            item
            for item in self.screen.active_bindings.values()
            if item.binding.show and is_view_key(item.node, item.binding, app) == self.views
        ]
        # the screen's and widget's keys before the app's (Esc, palette, quit)
        items.sort(key=lambda item: (item.node is app, item.binding.key == "ctrl+q"))
        shown = []
        for node, binding, enabled, tooltip in items:
            if (id(node), binding.action) in seen:  # one key per action, as Textual's footer
                continue
            seen.add((id(node), binding.action))
            shown.append((node, binding, enabled, tooltip, binding.action == current))
        return self._fitting(shown)

    def _fitting(self, shown: list[tuple]) -> list[tuple]:
        """The keys of the row, each with ``bare`` last in its tuple.

        A narrow terminal (80 columns) would cut the last key mid-word ("r Erinne").
        Instead the keys lose their words from the end of the row ("F7 F8 F10",
        "Esc ^p ^q") until the row fits, so the first keys keep their words, every
        key is still seen, and F1 says what each one does. The open view keeps its
        name; a row too narrow even for bare keys ends after the last one that fits.
        """
        room = self.app.size.width
        keys = [cell_len(self.app.get_key_display(item[1])) for item in shown]
        words = [1 + cell_len(_(item[1].description)) for item in shown]
        bare = [False] * len(shown)

        def used(count: int) -> int:  # the first ``count`` keys, a space after each
            return sum(keys[i] + (0 if bare[i] else words[i]) + 1 for i in range(count)) - 1

        for index in reversed(range(len(shown))):
            if used(len(shown)) <= room:
                break
            if not shown[index][4]:
                bare[index] = True
        count = len(shown)
        while count and used(count) > room:
            count -= 1
        return [(*item, bare[i]) for i, item in enumerate(shown[:count])]

    def on_resize(self) -> None:
        self.call_after_refresh(self._recompose_if_changed)

    @staticmethod
    def _signature(shown: list[tuple]) -> list[tuple]:
        return [
            (binding.key, binding.description, enabled, tooltip, is_current, bare)
            for _node, binding, enabled, tooltip, is_current, bare in shown
        ]

    def compose(self) -> ComposeResult:
        if not self.keys_known:
            return
        app = self.app
        shown = self._shown()
        self._composed = self._signature(shown)
        for _node, binding, enabled, tooltip, is_current, bare in shown:
            key = FooterKey(
                binding.key,
                app.get_key_display(binding),
                "" if bare else _(binding.description),
                binding.action,
                disabled=not enabled,
                tooltip=_(tooltip or binding.tooltip) if (tooltip or binding.tooltip) else "",
                classes="-current" if is_current else "",
            )
            if bare:
                key.add_class("-bare")
            yield key.data_bind(compact=Footer.compact)

    def bindings_changed(self, screen) -> None:
        # Textual rebuilds the row on every change of the bindings (focus moves, a
        # view opens: six times in the first second); most leave the keys as they were,
        # and building and styling some 40 keys again each time delayed the first paint
        self.keys_known = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        if self._signature(self._shown()) != getattr(self, "_composed", None):
            await self.recompose()
