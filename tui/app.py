"""cctui: the admin console of the box. Every screen calls the ccctl library; nothing here
decides what is valid or how a change reaches FreeSWITCH."""

from __future__ import annotations

import sys

from textual.app import App
from textual.binding import Binding
from textual.worker import WorkerFailed

from tui import glyphs
from tui.errors import Guarded, log_unexpected, one_line, told
from tui.nouns import PAGES
from tui.screens.listing import ListScreen
from tui.screens.navigate import ActionsProvider, Help, Jump, ScreensProvider

glyphs.patch_textual()

EXTRA = {}
"""Screens other than the list pages: id -> (title, factory)."""


def _register() -> None:
    import importlib

    for name, title, module, cls in (
        ("cards", "Voice cards", "cards", "CardsScreen"),
        ("wallboard", "Wallboard", "wallboard", "WallboardScreen"),
        ("health", "Logs and health", "health", "HealthScreen"),
        ("wizard", "First-boot setup", "wizard", "WizardScreen"),
    ):
        EXTRA[name] = (title, getattr(importlib.import_module(f"tui.screens.{module}"), cls))


class CcTui(Guarded, App):
    CSS_PATH = "app.tcss"
    TITLE = "cctui"
    COMMANDS = App.COMMANDS | {ScreensProvider, ActionsProvider}
    BINDINGS = [
        Binding("colon", "jump", "Jump", key_display=":"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", key_display="^q", show=False),
        Binding("h", "history", "Messages", show=False),
        Binding("f1", "goto('wallboard')", "Board", show=False),
        Binding("f2", "goto('tenants')", "Tenants", show=False),
        Binding("f3", "goto('seats')", "Seats", show=False),
        Binding("f4", "goto('queues')", "Queues", show=False),
        Binding("f5", "goto('ivrs')", "IVR", show=False),
        Binding("f9", "goto('health')", "Health", show=False),
    ]

    def __init__(self, services, start: str = "tenants", **kw):
        super().__init__(**kw)
        self.services = services
        self.start = start
        self.history: list[str] = []  # everything the console said this session
        self.visited: list[str] = []  # screens left, latest last (esc goes back)
        if not EXTRA:
            _register()
        self.SCREEN_TITLES = {p.id: p.title for p in PAGES} | {k: t for k, (t, _) in EXTRA.items()}

    def say(self, text: str, error: bool = False, timeout: float = 6) -> None:
        """A message of the console: shown, and kept in the session's history (h)."""
        self.history.append(("error " if error else "") + text)
        self.notify(text, severity="error" if error else "information", timeout=timeout)

    def palette_action(self, screen: str | None, action: str) -> None:
        """A palette action: on SCREEN (None: this one), ACTION of that screen or the app's."""
        if action == "validate":
            self.validate()
            return
        if action == "history":
            self.action_history()
            return
        if screen:
            self.goto(screen)
        do = getattr(self.get_screen(screen) if screen else self.screen, f"action_{action}", None)
        if do is None:
            self.say(f"nothing to {action.replace('_', ' ')} on this screen", error=True)
            return
        self.call_later(do)

    def validate(self) -> None:
        """`ccctl validate`'s checks of the configuration, each problem a line of the history."""
        from ccctl.config.entities import list_tenants
        from ccctl.config.validate import check_site

        problems = check_site(list_tenants(self.services, with_secrets=True))
        for p in problems:
            self.history.append(str(p))
        if problems:
            errors = sum(p.severity == "error" for p in problems)
            self.say(
                f"validate: {errors} error(s), {len(problems) - errors} warning(s) (h lists them)",
                error=bool(errors),
            )
        else:
            self.say("validate: no problems")

    def action_history(self) -> None:
        from tui.screens.navigate import History

        self.push_screen(History(list(self.history)))

    UNEXPECTED_LIMIT = 20
    """Errors no screen handled that the console survives; past them it stops (an error that
    repeats on every refresh would otherwise flood the screen)."""

    def unexpected_error(self, exc: BaseException) -> None:
        """An error no screen handled (a bug): one line on screen, its traceback without local
        variables in the log; the console is the box's only screen and stays up."""
        self.unexpected = getattr(self, "unexpected", 0) + 1
        line = told(exc)
        if self.unexpected > self.UNEXPECTED_LIMIT:
            self.exit(return_code=1, message=f"cctui stopped: {line}")
            return
        self.say(line, error=True, timeout=10)

    def _handle_exception(self, error: Exception) -> None:
        """Textual's last resort, which prints a traceback with every frame's locals: a worker
        that failed is one line like any unhandled error; any other error has stopped a part of
        the console, which then exits with one line (the log has the traceback, without locals)."""
        if isinstance(error, WorkerFailed) and self.is_running:
            self.unexpected_error(error.error)
            return
        log_unexpected(error)
        self.exit(return_code=1, message=f"cctui stopped: {one_line(error)}")

    def make_screen(self, name: str):
        for p in PAGES:
            if p.id == name:
                return ListScreen(p)
        return EXTRA[name][1]()

    def on_mount(self) -> None:
        self.goto(self.start)

    def goto(self, name: str, remember: bool = True) -> None:
        if name not in self.SCREEN_TITLES:
            self.say(f"no screen {name!r}", error=True)
            return
        here = getattr(self.screen, "name", None)
        if remember and here in self.SCREEN_TITLES and here != name:
            self.visited.append(here)  # esc comes back here
        if self.is_screen_installed(name):
            if self.screen is self.get_screen(name):
                return
            self.switch_screen(name) if len(self.screen_stack) > 1 else self.push_screen(name)
        else:
            self.install_screen(self.make_screen(name), name)
            self.switch_screen(name) if len(self.screen_stack) > 1 else self.push_screen(name)

    def action_command_palette(self) -> None:
        """Textual's palette with a placeholder the console font can draw (no ellipsis)."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder="Search for commands..."))

    def action_goto(self, name: str) -> None:
        self.goto(name)

    def action_back(self) -> None:
        """Esc: the screen visited before this one."""
        while self.visited:
            name = self.visited.pop()
            if name != getattr(self.screen, "name", None):
                self.goto(name, remember=False)
                return

    def action_jump(self) -> None:
        self.push_screen(Jump(self.SCREEN_TITLES), lambda name: name and self.goto(name))

    def action_help(self) -> None:
        lines = [
            (":", "jump to a screen by name (" + ", ".join(self.SCREEN_TITLES) + ")"),
            ("ctrl+p", "command palette"),
            ("?", "this help"),
            ("ctrl+q", "quit"),
            ("h", "messages: everything the console said this session"),
            ("F1 F2 F3 F4 F5 F9", "wallboard, tenants, seats, queues, IVR, health"),
            ("tab", "next field or pane"),
            ("esc", "back to the screen before (or close a dialog, clear the filter)"),
        ]
        keys: dict[str, list[str]] = {}  # description -> keys (e and enter both edit)
        for bindings in self.screen._bindings.key_to_bindings.values():
            for binding in bindings:  # every key of the screen, those the footer has no room for too
                if binding.description:
                    key = binding.key_display or {"slash": "/", "delete": "del"}.get(binding.key, binding.key)
                    keys.setdefault(binding.description, []).append(key)
        lines += [(" ".join(k), d) for d, k in keys.items()]
        self.push_screen(Help(lines))


def open_services():
    """The box's services, deploying as every ccctl command does (settings.fs_deploy)."""
    from ccctl import app

    return app.open()


def run(argv: list[str] | None = None) -> None:
    """cctui [SCREEN]: start on SCREEN (tenants by default; the wizard until the box is set up)."""
    import argparse

    parser = argparse.ArgumentParser(prog="cctui", description="The box's admin console.")
    parser.add_argument("screen", nargs="?", help="screen to start on (tenants, seats, wallboard, wizard, ...)")
    parser.add_argument(
        "--first-boot",
        action="store_true",
        help="start on the setup wizard if the box is not set up yet (the console does this)",
    )
    args = parser.parse_args(argv)
    start(open_services(), args.screen, args.first_boot)
    sys.exit(0)


def start(services, screen: str | None = None, first_boot: bool = False) -> None:
    from ccctl.box import setup

    if screen is None:
        screen = "wizard" if first_boot and not setup.completed(services.settings.root) else "tenants"
    app = CcTui(services, start=screen)
    app.first_boot = first_boot and screen == "wizard"  # the console's wizard: leaves once set up
    if screen not in app.SCREEN_TITLES:
        raise SystemExit(f"cctui: no screen {screen!r}; one of {', '.join(app.SCREEN_TITLES)}")
    app.run()
