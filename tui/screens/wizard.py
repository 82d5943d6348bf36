"""First-boot setup, re-runnable: each line does one thing when enter is pressed in it, and
says what it did (or why not) right under it. ctrl+f marks the box set up.

It shows the box's addresses (the console banner it hides has them) and rechecks the box every
few seconds: setup finished elsewhere (over SSH) shows at once, and the console's wizard
(--first-boot) then leaves for the login prompt."""

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

    REFRESH = 5.0
    """Seconds between rechecks of the box (set-up marker, keys, addresses)."""

    def __init__(self, root: Path | None = None):
        super().__init__(name="wizard")
        self.root = root
        self.completed: bool | None = None

    def compose(self) -> ComposeResult:
        yield Static("First-boot setup   enter applies a line; ctrl+f when done", classes="title")
        with VerticalScroll(id="wizard"):
            yield Static("", id="w-state")
            yield Static("", id="w-address")
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
        self.set_interval(self.REFRESH, self._recheck)

    @property
    def user(self) -> str:
        return self.app.services.settings.admin_user

    def _state(self, st: dict) -> None:
        self.query_one("#w-state", Static).update(
            f"host {st['hostname'] or '(unset)'}   zone {st['timezone']}   admin keys {st['ssh_keys']}   "
            f"setup {'complete' if st['completed'] else 'not complete'}"
        )

    def _addresses(self, found: list[str]) -> None:
        self.query_one("#w-address", Static).update(
            f"address {', '.join(found)}   (ssh {self.user}@{found[0]})" if found else "address: none yet (no network)"
        )

    @work(thread=True, exclusive=True, group="recheck")
    def _recheck(self) -> None:
        st = setup.current(self.root, self.user)
        found = setup.addresses()
        self.app.call_from_thread(self._rechecked, st, found)

    def _rechecked(self, st: dict, found: list[str]) -> None:
        self._state(st)
        self._addresses(found)
        was, self.completed = self.completed, st["completed"]
        if st["completed"] and was is False and getattr(self.app, "first_boot", False):
            # Finished elsewhere (over SSH): the console's login prompt takes over.
            self.app.exit(message="setup complete: the console shows its login prompt")

    def action_reload(self) -> None:
        st = setup.current(self.root, self.user)
        self.completed = st["completed"]
        self._state(st)
        self._recheck()
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
                "" if eng["installed"] is None else (", installed" if eng["installed"] else ", not installed")
            )
        try:
            from ccctl.hardware.detect import detect

            found = detect()
            cards = ", ".join(f"{c.name} ({c.state})" for c in found.cards) or "none"
            cards_text = f"Voice cards detected: {cards}" + (
                f"; {len(found.unknown)} unknown telephony devices" if found.unknown else ""
            )
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
                added = setup.add_ssh_key(value, self.root, self.user)
                keys = setup.admin_keys(self.root, self.user)
                text = (
                    f"{'key added' if added else 'that key could already log in'}: "
                    f"{len(keys)} key{'s' if len(keys) != 1 else ''} can log in as {self.user}: " + "; ".join(keys)
                )
            elif key == "timezone":
                zone = setup.set_timezone(value, self.root)
                text = f"time zone is now {zone}; {setup.restart_for_timezone(self.root)}"
            elif key == "tenant":
                text = self._tenant(value)
            else:
                record = setup.install_engine(
                    self.app.services, Path(value), progress=lambda m: call(self.tell, "debs", m)
                )
                text = f"FreeSWITCH installed ({record.source})"
        except (CcError, ValueError) as exc:
            call(
                self.tell,
                "seats" if key == "tenant" and "seat" in str(exc) else key,
                getattr(exc, "message", str(exc)),
                True,
            )
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
