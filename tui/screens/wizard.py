"""First-boot setup, re-runnable: each line does one thing when enter is pressed in it, and
says what it did (or why not) right under it. ctrl+f shows what is and is not set, and
the test call that proves the call center answers, before it marks the box set up.

It shows the box's addresses (the console banner it hides has them) and rechecks the box every
few seconds: setup finished elsewhere (over SSH) shows at once, and the console's wizard
(--first-boot) then leaves for the login prompt."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, Static

from ccctl.box import first_site, setup
from ccctl.config import entities
from ccctl.errors import CcError
from tui.errors import Guarded, told

STEPS = (
    ("hostname", "Host name", "cc-box-1"),
    ("ssh_key", "Admin SSH key", "ssh-ed25519 AAAA... you@laptop"),
    ("timezone", "Time zone", "Asia/Shanghai (the tenant's too)"),
    ("tenant", "First tenant", "acme"),
    ("seats", "Its seats", "1001-1020"),
    ("queue", "First queue", "sales (the seats above serve it)"),
    ("number", "Number to it", "4001 (a caller dialing it waits in the queue)"),
    ("trunk_host", "SIP trunk host", "optional: sip.example.net"),
    ("trunk_user", "Trunk username", "the carrier account"),
    ("trunk_password", "Trunk password", "ctrl+t shows it"),
    ("debs", "FreeSWITCH debs from", "/media/usb/freeswitch-debs"),
)
SECRET = {"trunk_password"}
NEXT = {"trunk_host": "trunk_user", "trunk_user": "trunk_password"}
"""Lines that only move on: the trunk is applied from its password line, all three at once."""
CONFIRM = "no ssh key"
"""What an administrator types to finish with no key that can log in (SSH is by key only)."""


class WizardScreen(Guarded, Screen):
    BINDINGS = [
        Binding("ctrl+f", "finish", "Finish setup"),
        Binding("ctrl+r", "reload", "Recheck"),
        Binding("ctrl+t", "reveal", "Show/hide password"),
        Binding("escape", "app.back", "Back", show=False),
    ]

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
                    yield Input(placeholder=placeholder, id=f"w-{key}", password=key in SECRET)
                yield Static("", id=f"w-{key}-msg", classes="msg")
            yield Static("", id="w-engine")
            yield Static("", id="w-cards")
        yield Footer(compact=True, show_command_palette=False)

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

    def value(self, key: str) -> str:
        return self.query_one(f"#w-{key}", Input).value.strip()

    def action_reload(self) -> None:
        st = setup.current(self.root, self.user)
        self.completed = st["completed"]
        self._state(st)
        self._recheck()
        tenants = entities.list_tenants(self.app.services)
        if tenants and not self.value("tenant"):
            self.query_one("#w-tenant", Input).value = tenants[0].name
        t = next((t for t in tenants if t.name == self.value("tenant")), None)
        if t and t.queues and not self.value("queue"):
            self.query_one("#w-queue", Input).value = t.queues[0].name
        if t and not self.value("number"):
            number = next((n.number for n in t.numbers if n.target == f"queue:{self.value('queue')}"), "")
            self.query_one("#w-number", Input).value = number
        self._probe()

    def action_reveal(self) -> None:
        inp = self.query_one("#w-trunk_password", Input)
        inp.password = not inp.password

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
        partner = {"tenant": "seats", "seats": "tenant"}.get(key)
        if partner:  # one step, said under one of its two lines: the other's older word goes
            self.query_one(f"#w-{partner}-msg", Static).display = False
        msg = self.query_one(f"#w-{key}-msg", Static)
        msg.update(text)
        msg.set_class(error, "error")
        msg.display = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        key = event.input.id.removeprefix("w-")
        value = event.value.strip()
        if key in NEXT:
            self.query_one(f"#w-{NEXT[key]}", Input).focus()
            return
        if key == "seats":
            key, value = "tenant", self.value("tenant")
        if key == "trunk_password":
            key, value = "trunk", event.value  # a password is taken as typed
        self._apply(key, value)

    MSG = {"trunk": "trunk_password"}
    """Where a step's message goes when it is not its own line."""

    @work(thread=True, group="wizard")
    def _apply(self, key: str, value: str) -> None:
        call = self.app.call_from_thread
        where = self.MSG.get(key, key)
        try:
            text = self._step(key, value, lambda m: call(self.tell, "debs", m))
        except (CcError, ValueError) as exc:
            message = getattr(exc, "message", str(exc))
            if key == "tenant" and ("seat" in message or "extension" in message):
                where = "seats"
            call(self.tell, where, message, True)
            return
        except Exception as exc:  # noqa: BLE001 - one line under the step, the wizard stays up
            call(self.tell, where, told(exc), True)
            return
        call(self.tell, where, text)
        call(self.action_reload)

    def _step(self, key: str, value: str, progress) -> str:
        services = self.app.services
        if key == "hostname":
            return f"host name is now {setup.set_hostname(value, self.root)}"
        if key == "ssh_key":
            added = setup.add_ssh_key(value, self.root, self.user)
            keys = setup.admin_keys(self.root, self.user)
            return (
                f"{'key added' if added else 'that key could already log in'}: "
                f"{len(keys)} key{'s' if len(keys) != 1 else ''} can log in as {self.user}: " + "; ".join(keys)
            )
        if key == "timezone":
            zone = setup.set_timezone(value, self.root)
            tenant = self.value("tenant")
            also = ""
            if tenant and tenant in {t.name for t in entities.list_tenants(services)}:
                entities.set_tenant(services, tenant, {"timezone": zone})  # business hours in the box's zone
                also = f"; tenant {tenant}'s too"
            return f"time zone is now {zone}{also}; {setup.restart_for_timezone(self.root)}"
        if key == "tenant":
            zone = setup.current(self.root, self.user)["timezone"]
            return setup.tenant_with_seats(services, value, self.value("seats"), timezone=zone)
        if key == "queue":
            return first_site.first_queue(services, self.value("tenant"), value)
        if key == "number":
            return first_site.first_number(services, self.value("tenant"), value, self.value("queue"))
        if key == "trunk":
            return first_site.first_trunk(
                services, self.value("tenant"), self.value("trunk_host"), self.value("trunk_user"), value
            )
        record = setup.install_engine(services, Path(value), progress=progress)
        return f"FreeSWITCH installed ({record.source})"

    def action_finish(self) -> None:
        lines, call, problems = first_site.summary(self.app.services, self.root, self.user, self.value("tenant"))
        no_key = not setup.admin_keys(self.root, self.user)

        def done(yes: bool | None) -> None:
            if not yes:
                return
            setup.complete(self.root)
            self.action_reload()
            self.app.say(f"setup complete; {call}")
            self.app.goto("tenants")

        self.app.push_screen(Finish(lines, call, problems, no_key), done)


class Finish(ModalScreen[bool]):
    """The wizard's last step: what is set and what is not, the test call, and, with no admin
    SSH key, a typed confirmation (the box would be unreachable over SSH)."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Back"), Binding("enter", "finish", "Finish", show=False)]

    def __init__(self, lines, call: str, problems: list[str], no_key: bool):
        super().__init__()
        self.lines, self.call, self.problems, self.no_key = lines, call, problems, no_key

    def compose(self) -> ComposeResult:
        width = max(len(line.what) for line in self.lines)
        text = "\n".join(
            f"{line.what.ljust(width)}  "
            + (line.value if line.value is not None else ("NOT SET" if line.needed else "none (optional)"))
            for line in self.lines
        )
        checked = "ccctl validate: no problems" if not self.problems else "ccctl validate:\n" + "\n".join(self.problems)
        with Vertical(classes="dialog", id="finish"):
            yield Static("Finish setup?", classes="title")
            yield Static(text, id="summary")
            yield Static(self.call, id="test-call")
            yield Static(checked, id="checked", classes="error" if self.problems else "")
            if self.no_key:
                yield Static(
                    "No admin SSH key: this box allows SSH by key only, so nobody can log in over SSH. "
                    f"Type '{CONFIRM}' and enter to finish anyway; esc goes back.",
                    classes="error",
                )
                yield Input(placeholder=CONFIRM, id="confirm")
                yield Static("", id="confirm-err", classes="error")
            else:
                yield Static("enter finishes, esc goes back", classes="dim")

    def on_mount(self) -> None:
        if self.no_key:
            self.query_one("#confirm", Input).focus()

    def action_finish(self) -> None:
        if not self.no_key:
            self.dismiss(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip().casefold() == CONFIRM:
            self.dismiss(True)
        else:
            self.query_one("#confirm-err", Static).update(f"type exactly '{CONFIRM}', or esc to go back and add a key")
