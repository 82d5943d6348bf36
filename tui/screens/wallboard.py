"""The live wallboard: queues, agents by state, active calls; supervisor and agent actions
on the selected row. Redrawn once a second from a Board that the event thread keeps current
(a flood of events between two frames costs one redraw)."""

from __future__ import annotations

from collections import Counter

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ccctl.errors import CcError
from ccctl.supervision.wallboard import Board, Follower, open_board
from tui.errors import Guarded
from tui.glyphs import sparkline
from tui.screens.dialogs import Ask


def _pct(x) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def _dur(seconds) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


def _spark(hourly: list[int]) -> str:
    return sparkline([hourly[i] + hourly[i + 1] for i in range(0, 24, 2)])


def sync(table: DataTable, rows: dict[str, list[str]]) -> None:
    """Make TABLE show ROWS (key -> cells) touching only what changed: no flicker, and the
    cursor stays on its row."""
    have = {k.value for k in table.rows}
    for gone in have - rows.keys():
        table.remove_row(gone)
    cols = list(table.columns)
    for key, cells in rows.items():
        if key not in have:
            table.add_row(*cells, key=key)
            continue
        old = table.get_row(key)
        for col, new, was in zip(cols, cells, old):
            if new != was:
                table.update_cell(key, col, new)


class WallboardScreen(Guarded, Screen):
    BINDINGS = [
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("l", "agent('login')", "Login"),
        Binding("b", "agent('break')", "Break"),
        Binding("y", "agent('ready')", "Ready"),
        Binding("o", "agent('logout')", "Logout"),
        Binding("s", "supervise('listen')", "Listen"),
        Binding("w", "supervise('whisper')", "Whisper"),
        Binding("B", "supervise('barge')", "Barge", key_display="B"),
        Binding("x", "hangup", "Drop call"),
        Binding("escape", "app.back", "Back", show=False),
    ]

    def __init__(self, board: Board | None = None, follow: bool = True):
        super().__init__(name="wallboard")
        self.board = board
        self.follow = follow
        self.follower: Follower | None = None
        self.frames = 0
        self.offline: str | None = None
        """Why live data is unavailable (None: following FreeSWITCH, or not asked to)."""

    def compose(self) -> ComposeResult:
        yield Static("Wallboard", classes="title", id="board-title")
        yield Static("", id="offline", classes="error")
        yield DataTable(cursor_type="row", id="queues")
        yield DataTable(cursor_type="row", id="agents")
        yield DataTable(cursor_type="row", id="calls")
        yield Static("", id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        q, a, c = (self.query_one(f"#{n}", DataTable) for n in ("queues", "agents", "calls"))
        q.add_columns("Tenant", "Queue", "Wait", "Longest", "SL", "Aband", "Ans", "Today 0-24h")
        a.add_columns("Tenant", "Ext", "Name", "Status", "Reason", "State", "For")
        self.query_one("#offline").display = False
        c.add_columns("Tenant", "Caller", "Queue", "Agent", "Time")
        if self.board is None:
            self.board = open_board(self.app.services)
        if self.follow:
            self.follower = Follower(
                self.app.services,
                self.board,
                on_error=lambda msg: self.app.call_from_thread(self.unavailable, msg),
                on_connect=lambda: self.app.call_from_thread(self.unavailable, None),
            ).start()
        self.refresh_board()
        self.set_interval(1.0, self.refresh_board)

    def on_unmount(self) -> None:
        if self.follower:
            self.follower.stop()

    def refresh_board(self) -> None:
        snap = self.board.snapshot()
        self.frames += 1
        sync(
            self.query_one("#queues", DataTable),
            {
                f"{r['tenant']}/{r['queue']}": [
                    r["tenant"],
                    r["queue"],
                    str(r["waiting"]),
                    _dur(r["longest_wait"]),
                    _pct(r["service_level"]),
                    _pct(r["abandon_rate"]),
                    str(r["answered"]),
                    _spark(r["hourly"]),
                ]
                for r in snap["queues"]
            },
        )
        sync(
            self.query_one("#agents", DataTable),
            {
                f"{r['tenant']}/{r['extension']}": [
                    r["tenant"],
                    r["extension"],
                    r["name"],
                    r["status"],
                    r.get("reason") or "-",
                    r["state"],
                    _dur(r["in_state"]),
                ]
                for r in snap["agents"]
            },
        )
        sync(
            self.query_one("#calls", DataTable),
            {r["uuid"]: [r["tenant"], r["caller"], r["queue"], r["agent"], _dur(r["duration"])] for r in snap["calls"]},
        )
        waiting = sum(r["waiting"] for r in snap["queues"])
        by_status = Counter(r["status"] for r in snap["agents"])
        self.query_one("#board-title", Static).update(
            f"Wallboard   waiting {waiting}   calls {len(snap['calls'])}   agents: "
            + "  ".join(f"{k} {n}" for k, n in sorted(by_status.items()))
        )

    def unavailable(self, why: str | None) -> None:
        """Say plainly, above the tables, that what they show is not live (WHY), or clear it."""
        if why == self.offline:
            return
        self.offline = why
        banner = self.query_one("#offline", Static)
        banner.display = why is not None
        if why is not None:
            banner.update(
                f"LIVE DATA UNAVAILABLE: {why}. Agent states are unknown; queue figures are today's "
                "from the call records. Retrying every second."
            )
            self.app.history.append("error wallboard: " + why)

    def say(self, text: str, error: bool = False) -> None:
        """An action's word: it stays until the next key."""
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "error")
        if text:
            self.app.history.append(("error " if error else "") + text)

    def on_key(self, event) -> None:
        self.say("")  # the last message goes with the next key (before that key's own)

    def _row(self, table_id: str) -> list[str] | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return [key, *table.get_row(key)]

    def _selected_agent(self) -> tuple[str, str] | None:
        """The agent of the row selected in the focused pane: an agent row, or the agent on a
        call row. None (and says so) when no agent is selected: never the first by default."""
        focused = self.focused.id if self.focused else None
        if focused == "calls" and (row := self._row("calls")) and row[4]:
            return row[1], row[4]
        if focused == "agents" and (row := self._row("agents")):
            return row[1], row[2]
        self.say("select an agent first: tab to the agents (or calls) pane and move to its row", True)
        return None

    # -- agent state
    def action_agent(self, action: str) -> None:
        sel = self._selected_agent()
        if sel:
            self._agent(action, *sel)

    @work(thread=True, group="actions")
    def _agent(self, action: str, tenant: str, ext: str) -> None:
        from ccctl.supervision.agents import set_status

        try:
            status = set_status(self.app.services, tenant, ext, action)
        except CcError as exc:
            self.app.call_from_thread(self.say, f"{action} {tenant}/{ext}: {exc.message}", True)
            return
        self.app.call_from_thread(self.say, f"{tenant}/{ext}: {status}")

    # -- supervisor
    def monitor(self):
        from ccctl.supervision import monitor

        return monitor

    def action_supervise(self, how: str) -> None:
        sel = self._selected_agent()
        mon = self.monitor()
        if not sel or mon is None:
            return
        tenant, agent = sel
        from ccctl.config.entities import get_tenant

        sups = [seat.extension for seat in get_tenant(self.app.services, tenant).seats if seat.supervisor]
        self.app.push_screen(
            Ask(f"{how} {tenant}/{agent} from supervisor extension:", sups[0] if sups else ""),
            lambda ext: ext and self._supervise(mon, how, tenant, ext, agent),
        )

    @work(thread=True, group="actions")
    def _supervise(self, mon, how: str, tenant: str, sup: str, agent: str) -> None:
        try:
            getattr(mon, how)(self.app.services, tenant, sup, agent)
        except CcError as exc:
            self.app.call_from_thread(self.say, f"{how}: {exc.message}", True)
            return
        self.app.call_from_thread(self.say, f"{how}: {sup} -> {tenant}/{agent}")

    def action_hangup(self) -> None:
        row = self._row("calls")
        mon = self.monitor()
        if not row or mon is None:
            return
        uuid, tenant = row[0], row[1]

        def answer(yes):
            if yes:
                self._hangup(mon, tenant, uuid)

        from tui.screens.dialogs import Confirm

        self.app.push_screen(Confirm(f"Hang up the call of {row[2]} in {tenant}?"), answer)

    @work(thread=True, group="actions")
    def _hangup(self, mon, tenant: str, uuid: str) -> None:
        try:
            mon.hangup(self.app.services, tenant, uuid)
        except CcError as exc:
            self.app.call_from_thread(self.say, f"hang up: {exc.message}", True)
            return
        self.app.call_from_thread(self.say, "hung up")
