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
            yield Static(self.question + "  (y/n)", markup=False)

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


class TypeToConfirm(ModalScreen[bool]):
    """A destructive change: what goes, what keeps it (the write path will refuse), and the
    object's name typed to go on (a stray `d y` deletes nothing)."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel")]

    def __init__(self, title: str, goes: list[str], kept: list[str], name: str):
        super().__init__()
        self.title_text, self.goes, self.kept, self.name_ = title, goes, kept, name

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        with Vertical(classes="dialog", id="confirm-delete"):
            yield Static(self.title_text + "?", classes="title")
            yield Static("Goes with it: " + "; ".join(self.goes), id="goes")
            if self.kept:
                yield Static(
                    "Kept by: " + "; ".join(self.kept) + ": the delete will be refused", id="kept", classes="error"
                )
            yield Static(f"Type {self.name_} and enter to delete; esc cancels.")
            yield Input(placeholder=self.name_, id="answer", select_on_focus=False)
            yield Static("", id="answer-err", classes="error")

    def on_mount(self) -> None:
        self.query_one("#answer").focus()

    def on_input_submitted(self, event) -> None:
        event.stop()
        if event.value.strip() == self.name_:
            self.dismiss(True)
        else:
            self.query_one("#answer-err", Static).update(f"not deleted: type {self.name_} exactly, or esc")


class Detail(ModalScreen[None]):
    """An object's YAML, scrollable; esc or q closes."""

    BINDINGS = [Binding("escape,q,v", "dismiss(None)", "Close")]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        with Vertical(classes="dialog", id="detail"):
            yield Static(self.title_text, classes="title")
            with VerticalScroll():
                yield Static(self.text, id="detail-text", markup=False)
            yield Static("esc closes", classes="dim")
