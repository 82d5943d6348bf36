"""Voice cards: those configured (ccctl hardware), their spans now (`ccctl hardware status`:
alarms, signalling, calls, trunks down) and the cards the box detects."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ccctl.errors import CcError, NotFound
from ccctl.hardware import api
from tui.errors import Guarded, told


class CardsScreen(Guarded, Screen):
    BINDINGS = [
        Binding("r", "reload", "Reload"),
        Binding("d,delete", "delete", "Remove card"),
        Binding("escape", "app.back", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static("Voice cards (configure them with ccctl hardware apply)", classes="title")
        yield DataTable(cursor_type="row", id="cards")
        yield Static("Spans now (ccctl hardware status)", classes="title")
        yield DataTable(cursor_type="row", id="spans")
        yield Static("Detected", classes="title")
        yield DataTable(cursor_type="row", id="found")
        yield Static("", id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#cards", DataTable).add_columns("Card", "Profile", "Location", "Spans", "Ports", "Groups")
        self.query_one("#spans", DataTable).add_columns(
            "Span", "Group", "DAHDI", "FreeTDM", "Channels", "In use", "Trunks down"
        )
        self.query_one("#found", DataTable).add_columns("Location", "Card", "Driver", "State")
        self.action_reload()

    def action_reload(self) -> None:
        table = self.query_one("#cards", DataTable)
        table.clear()
        for r in api.configured_rows(self.app.services):
            table.add_row(
                r["name"],
                r["profile"],
                r["location"] or "-",
                str(r["spans"]),
                str(r["ports"]),
                ",".join(map(str, r["groups"])),
                key=r["name"],
            )
        self._spans()
        self._detect()

    @work(thread=True, exclusive=True, group="spans")
    def _spans(self) -> None:
        """The same reading as `ccctl hardware status`, off the UI thread (it asks FreeSWITCH)."""
        from ccctl.hardware import live

        try:
            rows = [
                (
                    r.name,
                    str(r.group) if r.group is not None else "-",
                    r.dahdi,
                    r.freetdm,
                    str(r.channels),
                    str(r.in_use),
                    ", ".join(r.trunks_down) or "-",
                )
                for r in live.read(self.app.services)
            ]
        except Exception as exc:  # noqa: BLE001 - one line, the console stays up
            rows = [("-", "-", f"cannot read: {told(exc)}", "-", "-", "-", "-")]
        self.app.call_from_thread(self._fill, "#spans", rows)

    @work(thread=True, exclusive=True)
    def _detect(self) -> None:
        from ccctl.hardware.detect import detect

        try:
            found = detect()
            rows = [(c.location, c.name, c.driver or "-", c.state) for c in found.cards + found.unknown]
        except Exception as exc:  # noqa: BLE001 - no sysfs in a container
            rows = [("-", f"cannot detect: {exc}", "-", "-")]
        self.app.call_from_thread(self._fill, "#found", rows)

    def _fill(self, which: str, rows) -> None:
        table = self.query_one(which, DataTable)
        table.clear()
        for r in rows:
            table.add_row(*r)

    def action_delete(self) -> None:
        table = self.query_one("#cards", DataTable)
        if not table.row_count:
            return
        name = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        from tui.screens.dialogs import Confirm

        self.app.push_screen(Confirm(f"Remove voice card {name}?"), lambda yes: yes and self._remove(name))

    @work(thread=True, exclusive=True, group="save")
    def _remove(self, name: str) -> None:
        """Through the library's write path, off the UI thread (a deploy can take seconds)."""
        try:
            result = api.remove_card(self.app.services, name)
        except Exception as exc:  # noqa: BLE001 - one line, the console stays up
            refused = isinstance(exc, CcError) and not isinstance(exc, NotFound)  # not found: removed meanwhile
            self.app.call_from_thread(self._said, ("refused: " if refused else "") + told(exc))
            return
        self.app.call_from_thread(self._said, "saved: " + "; ".join(str(c) for c in result.changes))

    def _said(self, text: str) -> None:
        self.query_one("#status", Static).update(text)
        self.action_reload()
