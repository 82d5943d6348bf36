"""The live figures of a wallboard, kept from the Event Socket's stream.

`Board.feed(event)` takes one event (a dict of headers, as `EventStream` yields them) and only
updates counters: cheap enough for any flood. A screen asks for `snapshot()` at its own pace
(once a second), so a thousand events between two frames cost one redraw: that is the
coalescing. `follow()` runs the feed in a thread over a real Event Socket.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from ccctl.config import codes
from ccctl.config import spec as s
from ccctl.render import names

EVENTS = ["CHANNEL_HANGUP_COMPLETE", "CUSTOM", "callcenter::info", codes.AGENT_EVENT]
FILTERS = [
    ("Event-Subclass", "callcenter::info"),
    ("Event-Subclass", codes.AGENT_EVENT),
    ("Event-Name", "CHANNEL_HANGUP_COMPLETE"),
]


@dataclass
class QueueFigures:
    tenant: str
    queue: str
    sl_target: int
    waiting: dict[str, float] = field(default_factory=dict)  # member uuid -> joined
    answered: int = 0
    within_sl: int = 0
    abandoned: int = 0
    ended: int = 0
    hourly: list[int] = field(default_factory=lambda: [0] * 24)

    def row(self, now: float) -> dict:
        longest = now - min(self.waiting.values()) if self.waiting else 0.0
        offered = self.answered + self.abandoned
        return {
            "tenant": self.tenant,
            "queue": self.queue,
            "waiting": len(self.waiting),
            "longest_wait": max(0.0, round(longest, 1)),
            "service_level": round(self.within_sl / offered, 3) if offered else None,
            "abandon_rate": round(self.abandoned / offered, 3) if offered else None,
            "answered": self.answered,
            "hourly": list(self.hourly),
        }


@dataclass
class AgentFigures:
    tenant: str
    extension: str
    name: str
    status: str = "unknown"
    state: str = "unknown"
    since: float = 0.0
    reason: str | None = None
    """The break reason while On Break (*24 + code, `ccctl agent break --reason`, missed offers)."""


@dataclass
class ActiveCall:
    uuid: str
    tenant: str
    caller: str
    queue: str
    agent: str
    since: float


def _ts(e: dict[str, str]) -> float:
    raw = e.get("Event-Date-Timestamp", "")
    return int(raw) / 1e6 if raw.isdigit() else time.time()


def _num(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default


class Board:
    """Per queue, agent and call of TENANTS. Thread-safe: feed from one thread, snapshot from another."""

    def __init__(self, tenants: list[s.Tenant], clock=time.time):
        self.clock = clock
        self.lock = threading.Lock()
        self.queues: dict[str, QueueFigures] = {}
        self.agents: dict[str, AgentFigures] = {}
        self.calls: dict[str, ActiveCall] = {}
        self.events = 0
        self.day = self._day(clock())
        self.missed_reasons = {
            t.name: t.pause_reasons[t.missed_calls_reason] for t in tenants if t.missed_calls_reason in t.pause_reasons
        }
        self._missed: set[str] = set()  # agents mod_callcenter is putting on break for missed offers
        for t in tenants:
            for q in t.queues:
                self.queues[names.queue_id(t, q)] = QueueFigures(t.name, q.name, q.service_level)
            for seat in t.seats:
                self.agents[names.agent_id(t, seat)] = AgentFigures(t.name, seat.extension, seat.name)

    @staticmethod
    def _day(ts: float) -> str:
        return datetime.fromtimestamp(ts).strftime("%Y-%m-%d")

    def seed_agents(self, states) -> None:
        """Where each agent stands now (ccctl.supervision.agents.live_states), before events arrive."""
        now = self.clock()
        with self.lock:
            for a in states:
                for agent in self.agents.values():
                    if (agent.tenant, agent.extension) == (a.tenant, a.extension):
                        agent.status, agent.state, agent.since = a.status, a.state, now

    def seed_reasons(self, reasons: dict[tuple[str, str], str]) -> None:
        """The reason of the break each agent On Break is on ((tenant, extension) -> reason,
        break_reasons_now), before events arrive."""
        with self.lock:
            for agent in self.agents.values():
                if agent.status == "On Break":
                    agent.reason = reasons.get((agent.tenant, agent.extension), agent.reason)

    def seed_today(self, rows: list[dict]) -> None:
        """Today's figures so far from the call records (ccctl.stats.history, by queue and hour)."""
        with self.lock:
            for r in rows:
                fig = next(
                    (
                        q
                        for q in self.queues.values()
                        if (q.tenant, q.queue) == (r.get("tenant", q.tenant), r.get("queue"))
                    ),
                    None,
                )
                if fig is None:
                    continue
                hour = datetime.fromisoformat(r["interval_start"].replace("Z", "+00:00")).astimezone().hour
                fig.answered += r["answered"]
                fig.abandoned += r["abandoned"]
                fig.within_sl += round((r.get("service_level") or 0) * r["offered"])
                fig.hourly[hour] += r["answered"]

    def _roll_day(self, ts: float) -> None:
        day = self._day(ts)
        if day != self.day:
            self.day = day
            for q in self.queues.values():
                q.answered = q.within_sl = q.abandoned = q.ended = 0
                q.hourly = [0] * 24

    def feed(self, e: dict[str, str]) -> None:
        with self.lock:
            self.events += 1
            ts = _ts(e)
            self._roll_day(ts)
            if e.get("Event-Name") == "CHANNEL_HANGUP_COMPLETE":
                self.calls.pop(e.get("Unique-ID", ""), None)
                return
            if e.get("Event-Subclass") == codes.AGENT_EVENT:
                # The reason of a break comes right after its status change.
                agent = self.agents.get(e.get("CCCTL-Agent", ""))
                if agent is not None and e.get("CCCTL-Action") == "break" and agent.status == "On Break":
                    agent.reason = e.get("CCCTL-Reason") or None
                return
            action = e.get("CC-Action")
            if action == "agent-max-no-answer":
                self._missed.add(e.get("CC-Agent", ""))
                return
            if action in ("agent-status-change", "agent-state-change"):
                name = e.get("CC-Agent", "")
                agent = self.agents.get(name)
                if agent is not None:
                    if action == "agent-status-change":
                        agent.status = e.get("CC-Agent-Status", agent.status)
                        missed = name in self._missed
                        self._missed.discard(name)
                        on_break = agent.status == "On Break"
                        agent.reason = self.missed_reasons.get(agent.tenant) if on_break and missed else None
                    else:
                        agent.state = e.get("CC-Agent-State", agent.state)
                    agent.since = ts
                return
            q = self.queues.get(e.get("CC-Queue", ""))
            if q is None:
                return
            member = e.get("CC-Member-UUID", "")
            if action == "member-queue-start":
                q.waiting[member] = _num(e.get("CC-Member-Joined-Time"), ts)
            elif action == "bridge-agent-start":
                joined = q.waiting.pop(member, None) or _num(e.get("CC-Member-Joined-Time"), ts)
                answered = _num(e.get("CC-Agent-Answered-Time"), ts)
                q.answered += 1
                q.within_sl += answered - joined <= q.sl_target
                q.hourly[datetime.fromtimestamp(ts).hour] += 1
                uuid = e.get("CC-Member-Session-UUID", member)
                agent = e.get("CC-Agent", "")
                self.calls[uuid] = ActiveCall(
                    uuid, q.tenant, e.get("CC-Member-CID-Number", ""), q.queue, agent.partition("@")[0], ts
                )
            elif action == "bridge-agent-end":
                self.calls.pop(e.get("CC-Member-Session-UUID", member), None)
            elif action == "member-queue-end":
                if (
                    q.waiting.pop(member, None) is not None
                    and e.get("CC-Cause") == "Cancel"
                    and e.get("CC-Cancel-Reason") == "BREAK_OUT"
                ):
                    q.abandoned += 1  # the caller hung up while waiting (timeouts go on elsewhere)

    def snapshot(self) -> dict:
        now = self.clock()
        with self.lock:
            return {
                "queues": [q.row(now) for q in self.queues.values()],
                "agents": [
                    {
                        "tenant": a.tenant,
                        "extension": a.extension,
                        "name": a.name,
                        "status": a.status,
                        "state": a.state,
                        "reason": a.reason,
                        "in_state": round(now - a.since) if a.since else None,
                    }
                    for a in self.agents.values()
                ],
                "calls": [
                    {
                        "uuid": c.uuid,
                        "tenant": c.tenant,
                        "caller": c.caller,
                        "queue": c.queue,
                        "agent": c.agent,
                        "duration": round(now - c.since),
                    }
                    for c in self.calls.values()
                ],
                "events": self.events,
            }


def break_reasons_now(engine, tenants: list[str], since: float) -> dict[tuple[str, str], str]:
    """(tenant, agent) -> the reason of its latest break, if the agent rows since SINCE show
    it still On Break (a reason row follows the status row it names)."""
    from sqlalchemy import select

    from ccctl.model import AgentEvent

    a = AgentEvent.__table__
    last: dict[tuple[str, str], tuple[str, str | None]] = {}
    stmt = (
        select(a.c.tenant, a.c.agent, a.c.kind, a.c.value)
        .where(a.c.tenant.in_(tenants), a.c.at >= since, a.c.kind.in_(("status", "reason")))
        .order_by(a.c.at, a.c.id)
    )
    with engine.connect() as conn:
        for t, agent, kind, value in conn.execute(stmt):
            if kind == "status":
                last[(t, agent)] = (value, None)
            elif last.get((t, agent), ("",))[0] == "On Break":
                last[(t, agent)] = ("On Break", value)
    return {k: reason for k, (status, reason) in last.items() if status == "On Break" and reason}


def open_board(services, tenant: str | None = None) -> Board:
    """A board of the box's tenants, seeded from the call records and, when FreeSWITCH is up,
    from its agent list."""
    from ccctl.config.entities import list_tenants

    tenants = [t for t in list_tenants(services) if tenant is None or t.name == tenant]
    board = Board(tenants)
    try:
        from ccctl.stats.history import Query, statistics

        start = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
        for t in tenants:
            rows = statistics(
                services.engine, Query(since=start, until=time.time() + 1, tenant=t.name, interval="hour", by="queue")
            )
            board.seed_today([{**r, "tenant": t.name} for r in rows])
    except Exception:  # noqa: BLE001 - figures of the past are a nicety; live ones still come
        pass
    return board


class Follower:
    """Feeds a Board from FreeSWITCH's events in a thread; reconnects while FreeSWITCH restarts.
    stop() closes the socket, which ends the blocking read at once."""

    def __init__(self, services, board: Board, on_error=None, on_connect=None):
        self.services, self.board, self.on_error, self.on_connect = services, board, on_error, on_connect
        self._stop = threading.Event()
        self._stream = None
        self.thread = threading.Thread(target=self._run, name="wallboard-events", daemon=True)

    def start(self) -> "Follower":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._stream is not None:
            self._stream.close()

    def _run(self) -> None:
        from ccctl.config.gather import esl_password
        from ccctl.errors import CcError
        from ccctl.freeswitch.esl import EventStream
        from ccctl.supervision.agents import live_states

        s = self.services.settings
        while not self._stop.is_set():
            try:
                self._stream = EventStream(
                    s.esl_host, s.esl_port, esl_password(self.services), EVENTS, timeout=3.0, filters=FILTERS
                )
                try:
                    self.board.seed_agents(live_states(self.services))
                    tenants = sorted({a.tenant for a in self.board.agents.values()})
                    week = time.time() - 7 * 86400
                    self.board.seed_reasons(break_reasons_now(self.services.engine, tenants, week))
                except CcError:
                    pass
                if self.on_connect:
                    self.on_connect()
                while not self._stop.is_set():
                    event = self._stream.next_event()
                    if event is not None:
                        self.board.feed(event)
            except (CcError, OSError) as exc:
                if self.on_error and not self._stop.is_set():
                    self.on_error(str(exc))
            finally:
                if self._stream is not None:
                    self._stream.close()
            self._stop.wait(1.0)
