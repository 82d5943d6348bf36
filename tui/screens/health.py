"""Logs and health: FreeSWITCH, registrations, recent errors, recordings disk, last changes."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ccctl.freeswitch.health import health
from tui.errors import Guarded


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def render(h: dict) -> str:
    st = h["status"]
    lines = []
    if st["freeswitch"] == "up":
        up = st.get("uptime_seconds") or 0
        lines.append(
            f"FreeSWITCH {st['version']} up {up // 3600}h{up % 3600 // 60:02d}m   calls {st['active_calls']}"
            f"   channels {st['active_channels']}   registrations {st['registrations']}"
        )
        for t in st["tenants"]:
            lines.append(
                f"  {t['tenant']}: {t['registrations']} registered, {t['active_channels']} channels, "
                f"{t['recording_failures']} recording failures"
            )
    else:
        lines.append("FreeSWITCH is DOWN (systemctl status freeswitch)")
    rec = h["recordings"]
    room = (
        f"{_size(rec['free_bytes'])} free of {_size(rec['fs_bytes'])}"
        if rec.get("free_bytes") is not None and rec.get("fs_bytes")
        else "free space unknown (its file system cannot be read)"
    )
    held = (
        f"{_size(rec['bytes'])} in {rec['files']} files"
        if rec.get("exists", True)
        else "none yet (the folder is made with the first recording)"
    )
    lines += ["", f"Recordings {rec['path']}: {held}, {room}"]
    lines += ["", "Last configuration changes:"]
    lines += [f"  {c['time']}  {c['generation']}{'  (live)' if c['current'] else ''}" for c in h["changes"]] or [
        "  none"
    ]
    lines += ["", f"Recent errors ({len(h['errors'])}):"]
    lines += [f"  {e}" for e in h["errors"][-30:]] or ["  none"]
    return "\n".join(lines)


class HealthScreen(Guarded, Screen):
    BINDINGS = [Binding("r", "reload", "Reload"), Binding("escape", "app.back", "Back", show=False)]

    def compose(self) -> ComposeResult:
        yield Static("Logs and health", classes="title")
        with VerticalScroll():
            yield Static("checking...", id="health")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(5.0, self.action_reload)

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True)
    def _load(self) -> None:
        text = render(health(self.app.services))
        self.app.call_from_thread(self.query_one("#health", Static).update, text)
