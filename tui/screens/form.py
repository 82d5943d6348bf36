"""Create or edit one object: an input per field, each refusal shown under its field.

The first field has the focus, enter moves to the next (on the last it saves), a field keeps
its text when tabbed into (typing adds to it), a secret is masked until ctrl+t, and a cleared
field is refused unless put back to its default with ctrl+r."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ccctl.config import forms
from tui.errors import Guarded, told
from tui.nouns import Page, choices, hint, label, model_of


def _id(field: str) -> str:
    return "f-" + field.replace(".", "--")


class FormScreen(Guarded, ModalScreen):
    """Dismisses with the save's Result, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+r", "default", "Default"),
        Binding("ctrl+t", "reveal", "Show secret"),
    ]

    def __init__(
        self,
        page: Page,
        tenant: str | None,
        key: str,
        values: dict[str, str],
        *,
        new: bool,
        many: list[str] | None = None,
    ):
        super().__init__()
        self.page, self.tenant, self.key, self.values, self.new = page, tenant, key, values, new
        self.many = many
        """Several items of TENANT edited together: a field typed is set on all, a blank one stays."""

    def compose(self) -> ComposeResult:
        what = (
            self.page.noun
            if self.new
            else f"{self.page.noun} {self.tenant + '/' if self.page.noun != 'tenant' else ''}{self.key}"
        )
        model = model_of(self.page)
        with Vertical(id="form"):
            if self.many:
                what = f"{len(self.many)} {self.page.noun}s of {self.tenant} ({', '.join(self.many[:6])}"
                what += "...)" if len(self.many) > 6 else ")"
            yield Static(("New " if self.new else "Edit ") + what, classes="title")
            with VerticalScroll():
                if self.new and self.page.noun != "tenant":
                    yield from self._row("tenant", self.tenant or "", "the tenant it belongs to")
                if self.new:
                    yield from self._row(self.page.key, "", hint(model, self.page.key))
                for f in self.page.fields:
                    placeholder = (
                        "(unchanged)" if self.many or (f == self.page.secret and not self.new) else hint(model, f)
                    )
                    yield from self._row(f, self.values.get(f, ""), placeholder)
            yield Static("", id="general", classes="error")
            yield Static(
                "enter next field  ctrl+s save  esc cancel  ctrl+r default"
                + ("  ctrl+t show secret" if self.page.secret else ""),
                classes="dim keys",
            )

    def _row(self, field: str, value: str, placeholder: str):
        model = model_of(self.page)
        options = choices(model, field) if field not in ("tenant", self.page.key) or not self.new else None
        with Horizontal(classes="row"):
            yield Label(label(field), classes="name")
            if options:  # a choice is picked from its values, never typed
                yield Select(
                    [(o, o) for o in options],
                    value=value if value in options else Select.NULL,
                    allow_blank=bool(self.new or self.many) or forms.may_be_blank(model, field) or value not in options,
                    prompt="(unchanged)"
                    if self.many
                    else ("(none)" if forms.may_be_blank(model, field) else "(choose)"),
                    compact=True,
                    id=_id(field),
                )
                yield Static("", id=_id(field) + "-err", classes="error")
                return
            # select_on_focus off: text typed after a tab adds to the field, never replaces it
            yield Input(
                value,
                placeholder=placeholder,
                id=_id(field),
                password=field == self.page.secret,
                select_on_focus=False,
            )
        yield Static("", id=_id(field) + "-err", classes="error")

    def fields(self) -> list:
        """The form's inputs and selects, in order."""
        return [w for w in self.query("Input, Select") if (w.id or "").startswith("f-")]

    def on_mount(self) -> None:
        for err in self.query(".error"):
            err.display = False
        first = self.fields()[0]
        first.focus()
        if isinstance(first, Input):
            first.cursor_position = len(first.value)

    def _next(self, widget) -> None:
        fields = self.fields()
        i = fields.index(widget)
        if i + 1 < len(fields):
            fields[i + 1].focus()
        else:
            self.action_save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._next(event.input)

    def on_select_changed(self, event: Select.Changed) -> None:
        """A value picked (enter in the list): on to the next field, as enter does in a text field."""
        event.stop()
        if self.is_mounted and self.focused is event.select:
            self._next(event.select)

    def _focused_field(self):
        widget = self.focused
        while widget is not None and not isinstance(widget, (Input, Select)):
            widget = widget.parent  # a select's list has the focus while open
        if widget is None or not (widget.id or "").startswith("f-"):
            return None
        return widget.id.removeprefix("f-").replace("--", "."), widget

    def action_default(self) -> None:
        """The focused field back to its default, as text the save then writes."""
        found = self._focused_field()
        if not found:
            return
        field, inp = found
        model = model_of(self.page)
        default = forms.default_text(model, field)
        if default is None and not forms.may_be_blank(model, field):
            self.show_errors({field: "it has no default: type a value"})
            return
        if isinstance(inp, Select):
            inp.value = default if default is not None else Select.NULL
        else:
            inp.value = default or ""
            inp.cursor_position = len(inp.value)
        self.show_errors({})

    def action_reveal(self) -> None:
        for inp in self.query(Input):
            if inp.id == _id(self.page.secret or ""):
                inp.password = not inp.password

    def action_cancel(self) -> None:
        self.dismiss(None)

    def raw(self) -> dict[str, str]:
        out = {}
        for widget in self.fields():
            field = widget.id.removeprefix("f-").replace("--", ".")
            value = widget.value
            if isinstance(widget, Select):
                value = "" if value is Select.NULL else str(value)
            if field == self.page.secret and not value:
                continue  # blank: keep the current secret
            out[field] = value
        return out

    def action_save(self) -> None:
        raw = self.raw()
        tenant = raw.pop("tenant", self.tenant)
        key = raw.pop(self.page.key, self.key) if self.new else self.key
        if self.page.noun == "tenant":
            tenant = None
        self.show_errors({})
        self._save(tenant, key, raw)

    @work(thread=True, exclusive=True, group="save")
    def _save(self, tenant, key, raw):
        try:
            if self.many:
                return forms.save_many(self.app.services, self.page.noun, tenant, self.many, raw)
            # LOADED: what the form showed; only fields edited since are written.
            result = forms.save(
                self.app.services,
                self.page.noun,
                tenant,
                key,
                raw,
                new=self.new,
                loaded=None if self.new else self.values,
            )
        except forms.FormRefused as exc:
            self.app.call_from_thread(self.show_errors, exc.errors)
            return
        except Exception as exc:  # noqa: BLE001 - the form stays open, the console up
            self.app.call_from_thread(self.show_errors, {forms.GENERAL: told(exc)})
            return
        return result  # dismissed once the worker is done (on_worker_state_changed)

    def on_worker_state_changed(self, event) -> None:
        """Leave the form after its save's worker has finished: dismissing from inside the
        worker removes the screen, and with it cancels the worker still running."""
        from textual.worker import WorkerState

        if event.worker.group == "save" and event.state == WorkerState.SUCCESS and event.worker.result is not None:
            self.dismiss(event.worker.result)

    def scrub(self, text: str) -> str:
        """TEXT with the secret typed in this form replaced: never echoed back in an error."""
        if self.page.secret:
            secret = self.query_one("#" + _id(self.page.secret), Input).value
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    def show_errors(self, errors: dict[str, str]) -> None:
        errors = {k: self.scrub(v) for k, v in errors.items()}
        shown = set()
        for err in self.query(".error"):
            field = (err.id or "").removeprefix("f-").removesuffix("-err").replace("--", ".")
            msg = errors.get(field)
            if err.id == "general":
                continue
            err.update(msg or "")
            err.display = bool(msg)
            if msg:
                shown.add(field)
        rest = [f"{label(k)}: {v}" if k else v for k, v in errors.items() if k not in shown]
        general = self.query_one("#general", Static)
        general.update("\n".join(rest))
        general.display = bool(rest)
        if errors:
            first = next((f for f in errors if f in shown), None)
            if first:
                self.query_one("#" + _id(first)).focus()
