"""Each private part of a framework that vitosms_tui/ui/compat.py uses, against the installed version.

One test per patch: it checks that the private name is still there and behaves as the
patch assumes. When one fails after an upgrade, the patch's paragraph in the compat
module's docstring says what to do.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest
import textual.widgets
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from vitosms_tui.ui import compat


def test_footer_key_is_still_private_and_built_as_footer_builds_it():
    assert "FooterKey" not in textual.widgets.__all__, "textual.widgets exports FooterKey now: import it from there"
    assert issubclass(compat.FooterKey, Widget)
    parameters = list(inspect.signature(compat.FooterKey).parameters)
    assert parameters == ["key", "key_display", "description", "action", "disabled", "tooltip", "classes"]
    # Footer itself builds its keys from it (and their look comes with it)
    assert "FooterKey(" in inspect.getsource(Footer.compose)


class Plain(Screen):
    pass


class CountingApp(App):
    """Counts the passes that parse all the CSS again and restyle the whole app."""

    def __init__(self, mark: bool) -> None:
        super().__init__()
        self.restyles = 0

        def build() -> Screen:
            screen = Plain()
            if mark:
                compat.mark_styled(screen, self)
            return screen

        self.add_mode("view", build)

    def refresh_css(self, animate: bool = True) -> None:
        self.restyles += 1
        super().refresh_css(animate)


@pytest.mark.parametrize("mark, restyles", [(False, 2), (True, 0)])
async def test_a_marked_mode_screen_spares_restyling_the_whole_app(mark, restyles):
    app = CountingApp(mark)
    async with app.run_test() as pilot:
        await pilot.pause()
        app.restyles = 0
        await app.switch_mode("view")
        await pilot.pause()
        assert app.restyles == restyles
        assert app.screen.styles.background is not None  # styled all the same, when it mounted


class Parent(Widget):
    BINDINGS = [("a", "first", "First")]


class Child(Parent):
    BINDINGS = [("b", "second", "Second")]


class Alone(Parent, inherit_bindings=False):
    BINDINGS = [("c", "third", "Third")]


def test_a_node_s_bindings_are_those_of_its_classes_merged_as_textual_merges_them():
    assert [(key, binding.action) for key, binding in compat.node_bindings(Child())] == [
        ("a", "first"),
        ("b", "second"),
    ]
    assert [key for key, _binding in compat.node_bindings(Alone())] == ["c"]
    alone = Alone()
    alone._bindings.bind("d", "fourth")  # bound later: listed too
    assert [key for key, _binding in compat.node_bindings(alone)] == ["c", "d"]


def test_web_application_is_textual_serve_s_aiohttp_application(tmp_path):
    from aiohttp import web
    from textual_serve.server import Server

    server = Server("true", templates_path=tmp_path)

    async def build():
        return await compat.web_application(server)

    application = asyncio.run(build())
    assert isinstance(application, web.Application)
    assert {"index", "websocket", "download", "static"} <= set(application.router.named_resources())


def test_sessions_are_built_from_the_class_textual_serve_s_server_names_at_the_time():
    from textual_serve import server
    from textual_serve.app_service import AppService

    # handle_websocket looks the class up in its module when a browser connects
    assert "AppService" in server.Server.handle_websocket.__code__.co_names

    class Desk(AppService):
        pass

    try:
        compat.serve_sessions_with(Desk)
        assert server.AppService is Desk
    finally:
        compat.serve_sessions_with(AppService)
