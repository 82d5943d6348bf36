"""Getting around: ':' to jump to any screen by name, '?' for the keys, and the same
screens in the command palette (ctrl+p)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static


class Jump(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Back")]

    def __init__(self, names: dict[str, str]):
        super().__init__()
        self.names = names  # id -> title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Input(placeholder=":screen", id="jump")
            yield OptionList(*self._matching(""), id="choices")

    def _matching(self, text: str) -> list[str]:
        text = text.strip().lstrip(":").casefold()
        return [k for k, title in self.names.items() if text in k or text in title.casefold()]

    def on_input_changed(self, event: Input.Changed) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self._matching(event.value))
        if choices.option_count:
            choices.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        choices = self.query_one(OptionList)
        exact = event.value.strip().lstrip(":")
        if exact in self.names:
            self.dismiss(exact)
        elif choices.option_count:
            self.dismiss(str(choices.get_option_at_index(choices.highlighted or 0).prompt))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.prompt))

    def on_key(self, event) -> None:
        if event.key in ("down", "up"):
            self.query_one(OptionList).action_cursor_down() if event.key == "down" else self.query_one(
                OptionList
            ).action_cursor_up()
            event.stop()


class Help(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close")]

    def __init__(self, lines: list[tuple[str, str]]):
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self.lines)
        text = "\n".join(f"{k.ljust(width)}  {v}" for k, v in self.lines)
        with Vertical(classes="dialog"):
            yield Static("Keys", classes="title")
            yield Static(text)
            yield Static("esc closes", classes="dim")


class ScreensProvider(Provider):
    """Go to any screen from the command palette."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, title in self.app.SCREEN_TITLES.items():
            score = matcher.match(f"go to {title} ({name})")
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(f"go to {title} ({name})"),
                    lambda n=name: self.app.goto(n),
                    help=f":{name}",
                )


class History(ModalScreen[None]):
    """Everything the console said this session, newest last."""

    BINDINGS = [Binding("escape,q", "dismiss(None)", "Close")]

    def __init__(self, lines: list[str]):
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        with Vertical(classes="dialog", id="history"):
            yield Static(f"Messages this session ({len(self.lines)})", classes="title")
            with VerticalScroll():
                yield Static("\n".join(self.lines[-200:]) or "none yet", id="history-text")
            yield Static("esc closes", classes="dim")


class ActionsProvider(Provider):
    """Actions from the command palette, not only 'go to': a new object, a seat's new
    password, the configuration check, reload, the message history."""

    ACTIONS = (
        ("new seat", "seats", "new", "the form of a new seat"),
        ("new queue", "queues", "new", "the form of a new queue"),
        ("new tenant", "tenants", "new", "the form of a new tenant"),
        ("reset the selected seat's password", "seats", "reset_password", "p on the seats list"),
        ("validate the configuration", None, "validate", "ccctl validate's checks of every tenant"),
        ("reload this list", None, "refresh", "r"),
        ("messages of this session", None, "history", "h"),
    )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for words, screen, action, help_ in self.ACTIONS:
            score = matcher.match(words)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(words),
                    lambda s=screen, a=action: self.app.palette_action(s, a),
                    help=help_,
                )
