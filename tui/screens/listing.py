"""One list screen per kind of object: filter, create, edit, delete; the IVR screen adds
the menu tree of the selected menu."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, Tree

from ccctl.config import entities, forms
from ccctl.errors import CcError, NotFound
from tui import rows as rowdata
from tui.errors import Guarded, told
from tui.nouns import Page
from tui.screens.dialogs import Confirm, Reveal
from tui.screens.form import FormScreen


def describe(result) -> str:
    """What a save changed, in the words of `ccctl apply`."""
    if not result.changes:
        return "no changes"
    return "saved: " + "; ".join(str(c) for c in result.changes)


class ListScreen(Guarded, Screen):
    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("e,enter", "edit", "Edit"),
        Binding("d,delete", "delete", "Delete"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("r", "refresh", "Reload", show=False),
    ]

    def __init__(self, page: Page):
        super().__init__(name=page.id)
        self.page = page
        self.all_rows: list[tuple[str, str, list[str]]] = []
        if page.secret:
            self._bindings.bind("c", "credentials", "Credentials")

    def compose(self) -> ComposeResult:
        yield Static(self.page.title, classes="title")
        yield Input(placeholder="filter: words to match, esc clears", id="filter")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="table")
        if self.page.noun == "ivr":
            yield Tree("menu", id="menu-tree")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for heading, _ in self.page.columns:
            table.add_column(heading)
        self.query_one("#filter").display = False
        self.action_refresh()
        table.focus()

    def action_refresh(self) -> None:
        try:
            self.all_rows = rowdata.rows(self.app.services, self.page)
        except CcError as exc:
            self.say(exc.message, error=True)
            self.all_rows = []
        self.fill()

    def fill(self) -> None:
        table = self.query_one(DataTable)
        text = self.query_one("#filter", Input).value
        table.clear()
        for tenant, key, cells in self.all_rows:
            if rowdata.matches(cells, text):
                table.add_row(*cells, key=f"{tenant}\0{key}")
        self.update_tree()

    def selected(self) -> tuple[str, str] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        tenant, _, name = key.partition("\0")
        return tenant, name

    def say(self, text: str, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "error")

    # -- filter
    def action_filter(self) -> None:
        f = self.query_one("#filter", Input)
        f.display = True
        f.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(DataTable).focus()

    def key_escape(self) -> None:
        f = self.query_one("#filter", Input)
        if f.display:
            f.value = ""
            f.display = False
            self.query_one(DataTable).focus()

    # -- create, edit, delete
    def _obj(self, tenant: str, key: str):
        if self.page.noun == "tenant":
            return entities.get_tenant(self.app.services, key)
        return entities.get_item(self.app.services, self.page.noun, tenant, key)

    def action_new(self) -> None:
        if not self.page.can_create:
            self.say("recording policies belong to tenants: edit one (e)", error=True)
            return
        sel = self.selected()
        self.app.push_screen(FormScreen(self.page, sel[0] if sel else None, "", {}, new=True), self.saved)

    def stale(self, tenant: str, key: str) -> None:
        """The selected row's object was removed elsewhere: say so in one line, show the list as it is now."""
        self.action_refresh()
        self.say(forms.gone(self.page.noun, tenant, key), error=True)

    def action_edit(self) -> None:
        sel = self.selected()
        if not sel:
            return
        try:
            obj = self._obj(*sel)
        except NotFound:
            self.stale(*sel)
            return
        except CcError as exc:
            self.say(exc.message, error=True)
            return
        values = forms.values_of(obj, [f for f in self.page.fields if f != self.page.secret])
        self.app.push_screen(FormScreen(self.page, sel[0], sel[1], values, new=False), self.saved)

    def saved(self, result) -> None:
        if result is not None:
            self.say(describe(result))
            self.notify(describe(result), timeout=4)
        self.action_refresh()

    def action_delete(self) -> None:
        sel = self.selected()
        if not sel or not self.page.can_create:
            return
        tenant, key = sel
        what = (
            f"tenant {key} and everything in it" if self.page.noun == "tenant" else f"{self.page.noun} {tenant}/{key}"
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self._delete(tenant, key)

        self.app.push_screen(Confirm(f"Delete {what}?"), answer)

    @work(thread=True, exclusive=True, group="save")
    def _delete(self, tenant: str, key: str) -> None:
        try:
            result = forms.remove(self.app.services, self.page.noun, tenant, key)
        except NotFound:
            self.app.call_from_thread(self.stale, tenant, key)
            return
        except Exception as exc:  # noqa: BLE001 - one line, the console stays up
            self.app.call_from_thread(self.say, "refused: " + told(exc), True)
            return
        self.app.call_from_thread(self.saved, result)

    def action_credentials(self) -> None:
        sel = self.selected()
        if not sel:
            return
        tenant, key = sel
        try:
            if self.page.noun == "seat":
                secret = entities.seat_password(self.app.services, tenant, key)
                domain = entities.get_tenant(self.app.services, tenant).sip_domain
                text = f"user {key}@{domain}\npassword {secret}"
            else:
                user, secret = entities.trunk_credentials(self.app.services, tenant, key)
                text = f"user {user or '-'}\npassword {secret or '-'}"
        except NotFound:
            self.stale(tenant, key)
            return
        except CcError as exc:
            self.say(exc.message, error=True)
            return
        self.app.push_screen(Reveal(f"Credentials of {self.page.noun} {tenant}/{key}", text))

    # -- the IVR menu tree
    def on_data_table_row_highlighted(self, event) -> None:
        self.update_tree()

    def update_tree(self) -> None:
        if self.page.noun != "ivr":
            return
        tree = self.query_one(Tree)
        tree.clear()
        sel = self.selected()
        if not sel:
            return
        try:
            menus = {i.name: i for i in entities.get_tenant(self.app.services, sel[0]).ivrs}
        except NotFound:
            menus = {}
        except CcError as exc:
            self.say(exc.message, error=True)
            return
        if sel[1] not in menus:  # removed elsewhere since the list was read
            tree.root.set_label(forms.gone("ivr", *sel))
            self.say(forms.gone("ivr", *sel), error=True)
            return
        tree.root.set_label(f"ivr:{sel[1]}")
        add_menu(tree.root, menus, sel[1], {sel[1]})
        tree.root.expand_all()


def add_menu(node, menus: dict, name: str, seen: set[str]) -> None:
    """The options of menu NAME under NODE, following ivr: targets into their own menus."""
    ivr = menus[name]
    greeting = ivr.greeting.file or f'"{(ivr.greeting.text or "")[:40]}"'
    node.add_leaf(f"greeting {greeting}")
    if ivr.hours is not None:
        node.add_leaf("hours " + ", ".join(f"{d} {h}" for d, h in ivr.hours.items()))
    if ivr.holidays:
        node.add_leaf("holidays " + ", ".join(ivr.holidays))
    for digit, target in ivr.options.items():
        sub = target.removeprefix("ivr:")
        if target.startswith("ivr:") and sub in menus and sub not in seen:
            add_menu(node.add(f"{digit} -> {target}"), menus, sub, seen | {sub})
        else:
            node.add_leaf(f"{digit} -> {target}")
    node.add_leaf(f"no key -> {ivr.on_failure}   closed -> {ivr.closed}")
