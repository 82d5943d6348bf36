"""First-boot setup, re-runnable: each line does one thing when enter is pressed in it, and
says what it did (or why not) right under it. ctrl+f marks the box set up."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from ccctl.box import setup
from ccctl.config import entities
from ccctl.errors import CcError

from tui.errors import Guarded, told

STEPS = (
    ("hostname", "Host name", "cc-box-1"),
    ("ssh_key", "Admin SSH key", "ssh-ed25519 AAAA... you@laptop"),
    ("timezone", "Time zone", "Asia/Shanghai"),
    ("tenant", "First tenant", "acme"),
    ("seats", "Its seats", "1001-1020"),
    ("debs", "Install FreeSWITCH from", "/media/usb/freeswitch-debs"),
)


class WizardScreen(Guarded, Screen):
    BINDINGS = [Binding("ctrl+f", "finish", "Finish setup"), Binding("ctrl+r", "reload", "Recheck")]

    def __init__(self, root: Path | None = None):
        super().__init__(name="wizard")
        self.root = root

    def compose(self) -> ComposeResult:
        yield Static("First-boot setup   enter applies a line; ctrl+f when done", classes="title")
        with VerticalScroll(id="wizard"):
            yield Static("", id="w-state")
            for key, label, placeholder in STEPS:
                with Horizontal(classes="row"):
                    yield Label(label, classes="name")
                    yield Input(placeholder=placeholder, id=f"w-{key}")
                yield Static("", id=f"w-{key}-msg", classes="msg")
            yield Static("", id="w-engine")
            yield Static("", id="w-cards")
        yield Footer()

    def on_mount(self) -> None:
        if self.root is None:
            self.root = Path(getattr(self.app, "root", None) or self.app.services.settings.root)
        for msg in self.query(".msg"):
            msg.display = False
        self.action_reload()

    def action_reload(self) -> None:
        st = setup.current(self.root)
        self.query_one("#w-state", Static).update(
            f"host {st['hostname'] or '(unset)'}   zone {st['timezone']}   admin keys {st['ssh_keys']}   "
            f"setup {'complete' if st['completed'] else 'not complete'}")
        tenants = entities.list_tenants(self.app.services)
        if tenants and not self.query_one("#w-tenant", Input).value:
            self.query_one("#w-tenant", Input).value = tenants[0].name
        self._probe()

    @work(thread=True, exclusive=True, group="probe")
    def _probe(self) -> None:
        eng = setup.engine_status(self.app.services)
        if eng["running"]:
            text = f"FreeSWITCH: running, {eng['version']}"
        else:
            text = "FreeSWITCH: not running" + (
                "" if eng["installed"] is None else (", installed" if eng["installed"] else ", not installed"))
        try:
            from ccctl.hardware.detect import detect

            found = detect()
            cards = ", ".join(f"{c.name} ({c.state})" for c in found.cards) or "none"
            cards_text = f"Voice cards detected: {cards}" + (f"; {len(found.unknown)} unknown telephony devices"
                                                             if found.unknown else "")
        except Exception as exc:  # noqa: BLE001 - a box without sysfs access still sets up
            cards_text = f"Voice cards: cannot detect ({exc})"
        self.app.call_from_thread(self.query_one("#w-engine", Static).update, text)
        self.app.call_from_thread(self.query_one("#w-cards", Static).update, cards_text)

    def tell(self, key: str, text: str, error: bool = False) -> None:
        msg = self.query_one(f"#w-{key}-msg", Static)
        msg.update(text)
        msg.set_class(error, "error")
        msg.display = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        key = event.input.id.removeprefix("w-")
        value = event.value.strip()
        if key == "seats":
            key, value = "tenant", self.query_one("#w-tenant", Input).value.strip()
        self._apply(key, value)

    @work(thread=True, group="wizard")
    def _apply(self, key: str, value: str) -> None:
        call = self.app.call_from_thread
        try:
            if key == "hostname":
                text = f"host name is now {setup.set_hostname(value, self.root)}"
            elif key == "ssh_key":
                text = "key added" if setup.add_ssh_key(value, self.root) else "that key could already log in"
            elif key == "timezone":
                text = f"time zone is now {setup.set_timezone(value, self.root)}"
            elif key == "tenant":
                text = self._tenant(value)
            else:
                record = setup.install_engine(self.app.services, Path(value),
                                                  progress=lambda m: call(self.tell, "debs", m))
                text = f"FreeSWITCH installed ({record.source})"
        except (CcError, ValueError) as exc:
            call(self.tell, "seats" if key == "tenant" and "seat" in str(exc) else key, getattr(exc, "message", str(exc)), True)
            return
        except Exception as exc:  # noqa: BLE001 - one line under the step, the wizard stays up
            call(self.tell, key, told(exc), True)
            return
        call(self.tell, key, text)
        call(self.action_reload)

    def _tenant(self, name: str) -> str:
        return setup.tenant_with_seats(self.app.services, name, self.query_one("#w-seats", Input).value)

    def action_finish(self) -> None:
        setup.complete(self.root)
        self.action_reload()
        self.notify("setup complete: the console starts on the tenants screen from now on")
        self.app.goto("tenants")
