"""Small modal screens: a yes/no question, a secret shown until a key is pressed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class Confirm(ModalScreen[bool]):
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question + "  [y/n]")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Reveal(ModalScreen[None]):
    """A credential on screen only while asked for: any key hides it again."""

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="title")
            yield Static(self.text, id="secret")
            yield Static("any key hides it", classes="dim")

    def on_key(self, event) -> None:
        event.stop()
        self.dismiss(None)


class Ask(ModalScreen[str | None]):
    """One line of text; enter answers, esc cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, default: str = ""):
        super().__init__()
        self.question, self.default = question, default

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        with Vertical(classes="dialog"):
            yield Static(self.question)
            yield Input(self.default, id="answer")

    def on_input_submitted(self, event) -> None:
        self.dismiss(event.value.strip() or None)
