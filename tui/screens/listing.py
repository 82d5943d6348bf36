"""One list screen per kind of object: filter, create, edit, delete; the IVR screen adds
the menu tree of the selected menu."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, Tree

from ccctl.config import credentials, entities, forms
from ccctl.errors import CcError, NotFound
from tui import rows as rowdata
from tui.errors import Guarded, told
from tui.nouns import Page
from tui.screens.dialogs import Confirm, Detail, Reveal, TypeToConfirm
from tui.screens.form import FormScreen


def seat_text(c) -> str:
    """What a phone needs, as a person copies it into the phone's settings."""
    return (
        f"user      {c.user}\npassword  {c.password}\ndomain    {c.domain}\n"
        f"server    {c.server}\nport      {c.port}\ntransport {c.transport}"
    )


def edit_text(app, text: str, name: str) -> str | None:
    """TEXT edited in $EDITOR (vi when unset), the console suspended meanwhile; None when the
    editor failed."""
    import os
    import shlex
    import subprocess
    import tempfile

    from textual.app import SuspendNotSupported

    with tempfile.TemporaryDirectory(prefix="cctui-") as d:
        path = os.path.join(d, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        cmd = [*shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"), path]
        try:
            with app.suspend():
                rc = subprocess.call(cmd)
        except SuspendNotSupported:  # no terminal to hand over (tests): the editor runs as is
            rc = subprocess.call(cmd, stdin=subprocess.DEVNULL)
        except OSError:
            return None
        if rc != 0:
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()


def yaml_fields(page, obj, text: str) -> tuple[dict[str, str], list[str]]:
    """The form fields of PAGE that TEXT (an object's YAML, edited) changes, as form text; and
    the top-level keys it changed that this screen does not edit."""
    from ccctl.config import yamlio
    from ccctl.config.export import object_yaml
    from ccctl.errors import InvalidInput

    new = yamlio.parse(text, "the edited YAML")
    if not isinstance(new, dict):
        raise InvalidInput("the edited YAML is not a mapping of fields")
    old = yamlio.parse(object_yaml(obj), "the object's YAML")  # as the editor had it

    def at(data, dotted):
        for part in dotted.split("."):
            data = data.get(part) if isinstance(data, dict) else None
        return data

    raw = {}
    for f in page.fields:
        if f == page.secret:
            continue
        if at(new, f) != at(old, f):
            raw[f] = forms.text_of(at(new, f))
    covered = {f.split(".")[0] for f in page.fields} | {page.key}
    ignored = sorted(k for k in set(new) | set(old) if k not in covered and new.get(k) != old.get(k))
    return raw, ignored


def changed_stamp(services):
    """What changes whenever the configuration does (its last generation), cheap to read."""
    from ccctl.config.entities import config_stamp

    try:
        return config_stamp(services)
    except CcError:
        return None


def describe(result) -> str:
    """What a save changed, in the words of `ccctl apply`."""
    if not result.changes:
        return "no changes"
    return "saved: " + "; ".join(str(c) for c in result.changes)


class ListScreen(Guarded, Screen):
    BINDINGS = [
        Binding("e,enter", "edit", "Edit"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("r", "refresh", "Reload", show=False),  # lists reload by themselves: in ? only
        Binding("j", "cursor('down')", "Down", show=False),
        Binding("k", "cursor('up')", "Up", show=False),
        Binding("g", "cursor('top')", "Top", show=False),
        Binding("G", "cursor('bottom')", "Bottom", show=False, key_display="G"),
        Binding("s", "sort", "Sort"),
        Binding("v", "detail", "YAML"),
        Binding("space", "mark", "Mark", show=False),
        Binding("E", "edit_yaml", "Edit as YAML in $EDITOR", show=False, key_display="E"),
    ]

    def __init__(self, page: Page):
        super().__init__(name=page.id)
        self.page = page
        self.all_rows: list[tuple[str, str, list[str]]] = []
        self.sort_col: int | None = None  # column the list is sorted by (None: as stored)
        self.marked: set[str] = set()  # row keys marked with space, edited together with e
        if page.can_create:  # recording policies belong to tenants: no new, no delete here
            self._bindings.bind("n", "new", "New")
            self._bindings.bind("d,delete", "delete", "Delete")
        if page.secret:
            self._bindings.bind("c", "credentials", "Secret")
            self._bindings.bind("p", "reset_password", "New pw")

    def compose(self) -> ComposeResult:
        yield Static(self.page.title, classes="title")
        yield Input(placeholder="filter: words to match, esc clears", id="filter")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="table")
        if self.page.noun == "ivr":
            yield Tree("menu", id="menu-tree")
        yield Static("", id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for heading, _ in self.page.columns:
            table.add_column(heading)
        self.query_one("#filter").display = False
        self.action_refresh()
        table.focus()
        self.stamp = changed_stamp(self.app.services)
        self.set_interval(self.WATCH, self._watch)

    WATCH = 2.0
    """Seconds between looks at whether the configuration changed (another admin's ccctl)."""

    def _watch(self) -> None:
        """Reload when the configuration changed elsewhere; cursor and filter stay."""
        if not self.is_current:
            return
        stamp = changed_stamp(self.app.services)
        if stamp != self.stamp:
            self.stamp = stamp
            self.action_refresh()

    def action_refresh(self) -> None:
        try:
            self.all_rows = rowdata.rows(self.app.services, self.page)
        except CcError as exc:
            self.say(exc.message, error=True)
            self.all_rows = []
        self.fill()

    def fill(self, keep: str | None = None) -> None:
        """The rows that pass the filter, sorted; the cursor stays on the row it was on (KEEP:
        on that row's key), or where it was when its row went."""
        table = self.query_one(DataTable)
        text = self.query_one("#filter", Input).value
        was = self.selected()
        keep = keep or (f"{was[0]}\0{was[1]}" if was else None)
        index = table.cursor_row
        table.clear()
        rows = [r for r in self.all_rows if rowdata.matches(r[2], text)]
        if self.sort_col is not None:
            rows.sort(key=lambda r: rowdata.sort_key(r[2][self.sort_col]))
        for tenant, key, cells in rows:
            row = f"{tenant}\0{key}"
            first = "*" + cells[0] if row in self.marked else cells[0]  # marked for a joint edit
            table.add_row(first, *cells[1:], key=row)
        if table.row_count:
            try:
                index = table.get_row_index(keep) if keep else index
            except Exception:  # noqa: BLE001 - the row went: stay at its place
                pass
            table.move_cursor(row=min(max(index, 0), table.row_count - 1), animate=False)
        self.update_tree()

    def action_cursor(self, where: str) -> None:
        table = self.query_one(DataTable)
        if where == "down":
            table.action_cursor_down()
        elif where == "up":
            table.action_cursor_up()
        elif where == "top":
            table.move_cursor(row=0)
        else:
            table.move_cursor(row=max(table.row_count - 1, 0))

    def action_sort(self) -> None:
        """Sort by the next column (then back to the stored order)."""
        n = len(self.page.columns)
        self.sort_col = 0 if self.sort_col is None else (self.sort_col + 1 if self.sort_col + 1 < n else None)
        self.fill()
        self.say("sorted by " + (self.page.columns[self.sort_col][0] if self.sort_col is not None else "nothing"))

    def selected(self) -> tuple[str, str] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        tenant, _, name = key.partition("\0")
        return tenant, name

    def say(self, text: str, error: bool = False) -> None:
        """The status line (whole, wrapped: never cut), kept in the message history."""
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "error")
        if text:
            self.app.history.append(("error " if error else "") + text)

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
        else:
            self.app.action_back()

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

        def made(result) -> None:
            self.saved(result, keep=self._made_key(result))

        self.app.push_screen(FormScreen(self.page, sel[0] if sel else None, "", {}, new=True), made)

    def _made_key(self, result) -> str | None:
        """The row of what a new-object form made, for the cursor."""
        for c in getattr(result, "changes", None) or []:
            if c.op == "add" and c.kind == self.page.noun:
                return f"{c.tenant}\0{c.tenant if self.page.noun == 'tenant' else c.key}"
        return None

    def stale(self, tenant: str, key: str) -> None:
        """The selected row's object was removed elsewhere: say so in one line, show the list as it is now."""
        self.action_refresh()
        self.say(forms.gone(self.page.noun, tenant, key), error=True)

    def action_mark(self) -> None:
        """Mark (or unmark) the row: e then edits every marked row together."""
        if self.page.noun == "tenant":
            self.say("tenants are edited one at a time", error=True)
            return
        sel = self.selected()
        if not sel:
            return
        self.marked ^= {f"{sel[0]}\0{sel[1]}"}
        self.query_one(DataTable).action_cursor_down()
        self.fill()
        self.say(f"{len(self.marked)} marked: e edits them together, space unmarks")

    def _selected_object(self):
        """(selection, its object) of the row under the cursor, or None: nothing selected, or the
        object gone (the row is marked stale) or unreadable (said on the status line)."""
        sel = self.selected()
        if not sel:
            return None
        try:
            return sel, self._obj(*sel)
        except NotFound:
            self.stale(*sel)
        except CcError as exc:
            self.say(exc.message, error=True)
        return None

    def action_edit(self) -> None:
        if self.marked:
            self._edit_marked()
            return
        found = self._selected_object()
        if found is None:
            return
        sel, obj = found
        values = forms.values_of(obj, [f for f in self.page.fields if f != self.page.secret])
        self.app.push_screen(FormScreen(self.page, sel[0], sel[1], values, new=False), self.saved)

    def _edit_marked(self) -> None:
        tenants = {m.partition("\0")[0] for m in self.marked}
        if len(tenants) > 1:
            self.say("marked rows of one tenant only are edited together (space unmarks)", error=True)
            return
        keys = sorted((m.partition("\0")[2] for m in self.marked), key=lambda k: (len(k), k))

        def done(result) -> None:
            if result is not None:
                self.marked.clear()
            self.saved(result)

        self.app.push_screen(FormScreen(self.page, tenants.pop(), "", {}, new=False, many=keys), done)

    def saved(self, result, keep: str | None = None) -> None:
        if result is not None:
            self.say(describe(result))
        self.action_refresh_keep(keep)

    def action_refresh_keep(self, keep: str | None) -> None:
        try:
            self.all_rows = rowdata.rows(self.app.services, self.page)
        except CcError as exc:
            self.say(exc.message, error=True)
            self.all_rows = []
        self.fill(keep)
        self.stamp = changed_stamp(self.app.services)

    def action_delete(self) -> None:
        sel = self.selected()
        if not sel or not self.page.can_create:
            return
        tenant, key = sel
        try:
            goes, kept = forms.removal(self.app.services, self.page.noun, tenant, key)
        except NotFound:
            self.stale(tenant, key)
            return
        except CcError as exc:
            self.say(exc.message, error=True)
            return
        what = f"tenant {key}" if self.page.noun == "tenant" else f"{self.page.noun} {tenant}/{key}"

        def answer(yes: bool | None) -> None:
            if yes:
                self._delete(tenant, key)

        self.app.push_screen(TypeToConfirm(f"Delete {what}", goes, kept, key), answer)

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
                text = seat_text(credentials.credentials(self.app.services, tenant, key))
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

    def action_detail(self) -> None:
        """The selected object as `ccctl export` writes it (no secret)."""
        from ccctl.config.export import object_yaml

        found = self._selected_object()
        if found is None:
            return
        sel, obj = found
        what = f"tenant {sel[1]}" if self.page.noun == "tenant" else f"{self.page.noun} {sel[0]}/{sel[1]}"
        self.app.push_screen(Detail(what + " (as ccctl export writes it)", object_yaml(obj)))

    def action_edit_yaml(self) -> None:
        """The selected object's YAML in $EDITOR; the diff shown before anything is saved, and
        the save the form's (its fields, through the same write path)."""
        from ccctl.config.export import object_yaml

        found = self._selected_object()
        if found is None:
            return
        sel, obj = found
        before = object_yaml(obj)
        after = edit_text(self.app, before, f"{self.page.noun}-{sel[1]}.yaml")
        if after is None or after == before:
            self.say("no changes" if after is not None else "the editor failed: nothing saved", error=after is None)
            return
        try:
            raw, ignored = yaml_fields(self.page, obj, after)
        except CcError as exc:
            self.say(exc.message, error=True)
            return
        if not raw:
            self.say(
                "no field this screen edits was changed" + (f" (ignored: {', '.join(ignored)})" if ignored else "")
            )
            return
        import difflib

        diff = "\n".join(
            difflib.unified_diff(before.splitlines(), after.splitlines(), "now", "edited", lineterm="", n=1)
        )
        if ignored:
            diff += f"\n\nnot applied here (not a field of this screen): {', '.join(ignored)}"
        loaded = forms.values_of(obj, [f for f in self.page.fields if f != self.page.secret])

        def answer(yes: bool | None) -> None:
            if yes:
                self._save_fields(sel, raw, loaded)

        self.app.push_screen(Confirm(f"Save this change?\n{diff}\n"), answer)

    @work(thread=True, exclusive=True, group="save")
    def _save_fields(self, sel, raw: dict, loaded: dict) -> None:
        tenant, key = sel
        try:
            result = forms.save(
                self.app.services,
                self.page.noun,
                None if self.page.noun == "tenant" else tenant,
                key,
                raw,
                new=False,
                loaded=loaded,
            )
        except forms.FormRefused as exc:
            line = "; ".join(f"{k}: {v}" if k else v for k, v in exc.errors.items())
            self.app.call_from_thread(self.say, "refused: " + line, True)
            return
        except Exception as exc:  # noqa: BLE001 - one line, the console stays up
            self.app.call_from_thread(self.say, "refused: " + told(exc), True)
            return
        self.app.call_from_thread(self.saved, result)

    def action_reset_password(self) -> None:
        """A seat's new generated password (its phone must register again with it)."""
        sel = self.selected()
        if not sel:
            return
        if self.page.noun != "seat":
            self.say("a trunk's password is the carrier's: edit it (e)", error=True)
            return
        tenant, key = sel

        def answer(yes: bool | None) -> None:
            if yes:
                self._reset(tenant, key)

        self.app.push_screen(
            Confirm(f"New password for seat {tenant}/{key}? Its phone stops working until set up with it."), answer
        )

    @work(thread=True, exclusive=True, group="save")
    def _reset(self, tenant: str, key: str) -> None:
        try:
            creds = credentials.reset_password(self.app.services, tenant, key, actor="cctui")
        except NotFound:
            self.app.call_from_thread(self.stale, tenant, key)
            return
        except Exception as exc:  # noqa: BLE001 - one line, the console stays up
            self.app.call_from_thread(self.say, "refused: " + told(exc), True)
            return
        self.app.call_from_thread(self.say, f"seat {tenant}/{key}: new password set")
        self.app.call_from_thread(
            self.app.push_screen, Reveal(f"New credentials of seat {tenant}/{key}", seat_text(creds))
        )

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
    greeting = ivr.greeting.file or f'"{rowdata.fit(ivr.greeting.text or "", 40)}"'
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
