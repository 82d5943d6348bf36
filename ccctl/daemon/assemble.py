"""Call assembly: FreeSWITCH's events (or its CDR) -> one call row per call.

The row is built from the caller channel's final variables (what CHANNEL_HANGUP_COMPLETE and
mod_json_cdr both carry), so a call whose earlier events were missed (daemon restarted
mid-call, reconciliation from the CDR) still gets every field. Events seen live only sharpen
what variables give to the second: IVR exit, queue entry, offer and answer to the microsecond,
and the digits pressed in the IVR.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from ccctl.config import codes
from ccctl.hardware.trunks import trunk_of_span

CC = "callcenter::info"
SUBSCRIBE = ["CHANNEL_EXECUTE_COMPLETE", "DTMF", "CHANNEL_HANGUP_COMPLETE", "CUSTOM", CC, codes.AGENT_EVENT]
"""What the daemon listens to on the Event Socket..."""
FILTERS = [
    ("Event-Name", "CHANNEL_HANGUP_COMPLETE"),
    ("Event-Name", "DTMF"),
    ("Event-Subclass", CC),
    ("Event-Subclass", codes.AGENT_EVENT),
    ("Application", "ivr"),
]
"""...and of that only these (FreeSWITCH filters, any one matching): of every application a
call runs, only the end of the IVR; the rest would be most of the stream and carry nothing."""


VARIABLES = (
    "bridge_epoch",
    "bridge_uepoch",
    "call_uuid",
    "caller_id_name",
    "caller_id_number",
    "cc_agent",
    "cc_cancel_reason",
    "cc_cause",
    "cc_last_originated_call",
    "cc_member_session_uuid",
    "cc_queue_answered_epoch",
    "cc_queue_canceled_epoch",
    "cc_queue_joined_epoch",
    "cc_record_filename",
    "cc_side",
    "cc_exit_key",
    "ccctl_callback",
    "ccctl_callback_id",
    "ccctl_callback_number",
    "ccctl_callback_reached",
    "ccctl_survey_score",
    "ccctl_closed",
    "ccctl_did",
    "ccctl_direction",
    "ccctl_entry",
    "ccctl_ivr_digits",
    "ccctl_queue",
    "ccctl_recording",
    "ccctl_target",
    "ccctl_tenant",
    "ccctl_wrapup_code",
    "destination_number",
    "direction",
    "end_epoch",
    "end_uepoch",
    "freetdm_chan_number",
    "freetdm_span_name",
    "hangup_cause",
    "is_loopback",
    "sip_from_user",
    "sip_hangup_disposition",
    "sip_req_user",
    "sip_to_user",
    "start_epoch",
    "start_uepoch",
    "transfer_history",
    "uuid",
)
"""The channel variables call_row() reads."""
HEADERS = (
    "Application",
    "CC-Action",
    "CC-Agent",
    "CCCTL-Action",
    "CCCTL-Agent",
    "CCCTL-Code",
    "CCCTL-Note",
    "CCCTL-Reason",
    *(f"CCCTL-{k}" for k in codes.MASK_HEADERS),
    "CC-Agent-State",
    "CC-Agent-Status",
    "CC-Member-CID-Name",
    "CC-Member-CID-Number",
    "CC-Member-Session-UUID",
    "CC-Queue",
    "Call-Direction",
    "Caller-Caller-ID-Name",
    "Caller-Caller-ID-Number",
    "Caller-Destination-Number",
    "DTMF-Digit",
    "Event-Date-Timestamp",
    "Event-Name",
    "Event-Subclass",
    "Hangup-Cause",
    "Unique-ID",
    *(f"variable_{v}" for v in VARIABLES),
)
"""Every event header the assembler reads: the daemon parses only these (a hangup event
carries some 300, and parsing them all would be most of the daemon's work)."""
SMALL = {
    "CHANNEL_EXECUTE_COMPLETE": ("Unique-ID", "Application", "Event-Date-Timestamp"),
    "DTMF": ("Unique-ID", "DTMF-Digit", "Event-Date-Timestamp"),
}
"""Big events of which only these headers matter."""


@dataclass(frozen=True)
class QueueInfo:
    sla_target: int
    wrapup: int


@dataclass
class Directory:
    """What the daemon needs from the configuration: SIP domain -> tenant, and each queue's
    service-level target and wrap-up (read from the database, refreshed by the daemon)."""

    tenants_by_domain: dict[str, str] = field(default_factory=dict)
    queues: dict[tuple[str, str], QueueInfo] = field(default_factory=dict)
    missed_reasons: dict[str, str] = field(default_factory=dict)
    """tenant -> the name of its break reason for missed offers (missed_calls_reason)."""
    span_groups: dict[str, set[int]] = field(default_factory=dict)
    """FreeTDM span name -> its span groups (ccctl/hardware/trunks.py)."""
    tdm_trunks: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    """span group -> (tenant, tdm trunk) pairs dialling it."""

    def trunk(self, tenant: str, span: str | None) -> str | None:
        """The tenant's trunk over the voice-card SPAN a call came in on."""
        return trunk_of_span(self.span_groups, self.tdm_trunks, tenant, span) if span else None

    def split(self, name: str) -> tuple[str | None, str]:
        """'sales@acme.cc.local' -> ('acme', 'sales')."""
        local, _, domain = name.partition("@")
        return self.tenants_by_domain.get(domain), local


@dataclass
class Live:
    """What live events told about a call that is still up."""

    seen: float = field(default_factory=time.monotonic)
    ivr_left_at: float | None = None
    digits: str = ""
    ivrs: tuple[str, ...] = ()
    """The IVRs the caller went through before the queue (from member-queue-start, which
    carries the caller's channel variables): the screen pop's IVR path."""
    queued_at: float | None = None
    offered_at: float | None = None
    answered_at: float | None = None
    left_queue_at: float | None = None


def _f(value: str | None, scale: float = 1.0) -> float | None:
    try:
        x = float(value) / scale if value not in (None, "") else None
    except ValueError:
        return None
    return x if x else None


def transfers(value: str | None) -> list[tuple[float, str]]:
    """transfer_history ('epoch:uuid:bl_xfer:dest/context/XML', an ARRAY:: when several)
    -> [(epoch, dest)]."""
    if not value:
        return []
    items = value[len("ARRAY::") :].split("|:") if value.startswith("ARRAY::") else [value]
    out = []
    for item in items:
        parts = item.split(":", 3)
        if len(parts) == 4 and parts[0].isdigit():
            out.append((float(parts[0]), parts[3].split("/", 1)[0]))
    return out


def _local(name: str | None) -> str | None:
    return name.split("@", 1)[0] if name else None


def mask_seat(e: dict[str, str]) -> str | None:
    """The seat that masked a call's recording: on an inbound call the queue's agent or the
    seat dialled (the other leg keyed it), else the seat that made the call (this leg)."""
    if e.get("CCCTL-Direction") == "inbound":
        target = e.get("CCCTL-Target") or ""
        return _local(e.get("CCCTL-Queue-Agent")) or (target[5:] if target.startswith("seat:") else None)
    return e.get("CCCTL-User") or None


def is_call_leg(v: dict[str, str]) -> bool:
    """The caller's channel of a call: one that came into FreeSWITCH (not an agent leg that
    mod_callcenter originated, not a loopback), within a tenant."""
    return (
        v.get("direction") == "inbound"
        and "cc_member_session_uuid" not in v
        and v.get("cc_side") != "agent"
        and not v.get("is_loopback")
        and bool(v.get("ccctl_tenant"))
    )


@dataclass
class _Route:
    """Where a call went, read from its transfer history."""

    history: list[tuple[float, str]]
    dests: list[str]
    ivrs: list[str]
    queues: list[str]
    queue: str | None
    ended_in_ivr: bool

    @classmethod
    def of(cls, v: dict[str, str]) -> "_Route":
        history = transfers(v.get("transfer_history"))
        if v.get("ccctl_entry") and not any(d == "cc-over-cap" for _, d in history):
            # A DID's extension ran its target in `public` (no transfer, so not in the
            # history): the call entered it as it came in, as if transferred there. Not a
            # call the tenant's cap refused: it never reached its target.
            entered = _f(v.get("start_epoch")) or (_f(v.get("start_uepoch"), 1e6) or 0.0) // 1
            history.insert(0, (entered, v["ccctl_entry"]))
        dests = [d for _, d in history]
        ivrs = [d[len("cc-ivr-") :] for d in dests if d.startswith("cc-ivr-")]
        queues = [d[len("cc-queue-") :] for d in dests if d.startswith("cc-queue-") and not d.endswith("-exit")]
        return cls(
            history,
            dests,
            ivrs,
            queues,
            queues[0] if queues else v.get("ccctl_queue"),
            bool(dests) and dests[-1].startswith("cc-ivr-"),
        )

    def ivr_left(self, live: Live) -> float | None:
        if not self.ivrs or self.ended_in_ivr:
            return None
        after = [t for (t, d), (_, prev) in zip(self.history[1:], self.history) if prev.startswith("cc-ivr-")]
        return live.ivr_left_at or (after[-1] if after else None)

    def queue_exit(self) -> str:
        return f"cc-queue-{self.queue}-exit"

    def left_queue(self, v: dict[str, str], live: Live) -> float | None:
        if not self.queue:
            return None
        exit_at = [t for t, d in self.history if d == self.queue_exit()]
        return live.left_queue_at or _f(v.get("cc_queue_canceled_epoch")) or (exit_at[-1] if exit_at else None)

    def went_on(self) -> bool:
        """Did the caller leave the queue for somewhere else (an overflow)?"""
        if not self.queue or self.queue_exit() not in self.dests:
            return False
        rest = self.dests[self.dests.index(self.queue_exit()) + 1 :]
        # A caller sent back into the same queue (an anonymous caller pressing the callback
        # key) has not gone on anywhere.
        back = {"cc-hangup", f"cc-callback-{self.queue}", f"cc-queue-{self.queue}", self.queue_exit()}
        return any(d not in back for d in rest)


def call_row(v: dict[str, str], live: Live | None, directory: Directory, node: str, source: str) -> dict | None:
    """The call row for the caller channel whose final variables are V, or None when V is not
    a call's caller channel. V: channel variables without the 'variable_' prefix, plus
    caller_id_number/caller_id_name/destination_number from the caller profile."""
    if is_callback_attempt(v):
        return callback_attempt_row(v, node, source)
    if not is_call_leg(v) or (v.get("ccctl_target") or "").startswith("agent:"):
        # An agent's feature code (*22, *24 ...) is no call: what it did is in the agent's history.
        return None
    live = live or Live()
    tenant = v["ccctl_tenant"]
    route = _Route.of(v)
    queue = route.queue
    entered = _f(v.get("start_uepoch"), 1e6) or _f(v.get("start_epoch")) or 0.0
    ended = _f(v.get("end_uepoch"), 1e6) or _f(v.get("end_epoch")) or entered
    direction = v.get("ccctl_direction") or "internal"
    agent_answered = _f(v.get("cc_queue_answered_epoch")) is not None or v.get("cc_cause") == "answered"
    queued = (
        live.queued_at
        or (_f(v.get("cc_queue_joined_epoch")) if len(route.queues) <= 1 else None)
        or next((t for t, d in route.history if queue and d == f"cc-queue-{queue}"), None)
    )
    answered, agent = _answer(v, live, route, direction, agent_answered)
    disposition = _disposition(v, route, direction, answered, agent_answered)
    if queued is not None:
        until = answered if disposition == "answered" else (route.left_queue(v, live) or ended)
        wait = max(0.0, (until or ended) - queued)
    else:
        wait = None
    info = directory.queues.get((tenant, queue)) if queue else None
    talk_end = ended
    if answered and any(d.startswith("cc-survey") for d in route.dests):
        # The conversation ended when the agent hung up and the caller left for the survey.
        talk_end = next((t for t, d in route.history if d == route.queue_exit()), ended)
    return {
        "uuid": v.get("uuid") or v.get("call_uuid"),
        "tenant": tenant,
        "direction": direction,
        "caller_number": v.get("caller_id_number") or v.get("sip_from_user"),
        "caller_name": v.get("caller_id_name") or None,
        "called_number": v.get("sip_req_user") or v.get("sip_to_user") or v.get("destination_number"),
        "did": v.get("ccctl_did"),
        "ivr_path": ">".join(route.ivrs) or None,
        "ivr_digits": (live.digits or v.get("ccctl_ivr_digits") or None) if route.ivrs else None,
        "queue": queue,
        "agent": agent,
        "entered_at": entered,
        "ivr_left_at": route.ivr_left(live),
        "queued_at": queued,
        "offered_at": (live.offered_at or _f(v.get("cc_last_originated_call"))) if queue else None,
        "answered_at": answered,
        "ended_at": ended,
        "wait_s": wait,
        "talk_s": max(0.0, talk_end - answered) if answered else 0.0,
        "wrapup_s": float(info.wrapup) if info and disposition == "answered" and queue else 0.0,
        "sla_target": info.sla_target if info else None,
        "disposition": disposition,
        "hangup_cause": v.get("hangup_cause"),
        "hangup_side": _hangup_side(v, answered),
        "recording": v.get("cc_record_filename") or v.get("ccctl_recording"),
        "node": node,
        "source": source,
        "survey_score": survey_score(v),
        # Keyed during the call (*9 + code, ccctl/render/incall.py); one keyed after it is
        # put on the row by the store.
        "wrapup_code": v.get("ccctl_wrapup_code") or None,
        # A call that came in on a voice card: mod_freetdm names the leg's span and channel.
        "trunk": directory.trunk(tenant, v.get("freetdm_span_name")),
        "span": _span(v),
    }


def _span(v: dict[str, str]) -> str | None:
    name = v.get("freetdm_span_name")
    if not name:
        return None
    chan = v.get("freetdm_chan_number")
    return f"{name}:{chan}" if chan else name


def _answer(
    v: dict[str, str], live: Live, route: _Route, direction: str, agent_answered: bool
) -> tuple[float | None, str | None]:
    """When the call was answered by a person, and by which agent."""
    target = v.get("ccctl_target") or ""
    bridged = _f(v.get("bridge_uepoch"), 1e6) or _f(v.get("bridge_epoch"))
    if route.queue and agent_answered:
        return live.answered_at or bridged or _f(v.get("cc_queue_answered_epoch")), _local(v.get("cc_agent"))
    if target.startswith("seat:") and bridged:
        return bridged, target.split(":", 1)[1]
    if direction == "outbound" and bridged:
        return bridged, None
    return None, None


def _disposition(v: dict[str, str], route: _Route, direction: str, answered: float | None, agent_answered: bool) -> str:
    if direction == "outbound":
        return "outbound" if answered else "failed"
    if route.queue:
        reason = v.get("cc_cancel_reason")
        went_on = route.went_on()
        if agent_answered and len(route.queues) <= 1:
            return "answered"
        if v.get("ccctl_callback") == "requested":
            return "callback"
        if reason == "NO_AGENT_TIMEOUT":
            return "no_agent"
        if reason == "TIMEOUT" or went_on:
            return "overflowed" if went_on else "timed_out"
        if (v.get("sip_hangup_disposition") or "").startswith("recv_"):
            return "abandoned"  # the caller hung up while waiting
        return "failed"  # cut off by the system (FreeSWITCH stopping, ...)
    if answered:
        return "answered"
    if route.ended_in_ivr and not v.get("ccctl_closed"):
        return "abandoned_ivr"
    return "failed"


def _hangup_side(v: dict[str, str], answered: float | None) -> str | None:
    side = v.get("sip_hangup_disposition") or ""
    if side.startswith("recv_"):
        return "caller"
    if side.startswith("send_"):
        return "agent" if answered else "system"
    return None


def survey_score(v: dict[str, str]) -> int | None:
    value = v.get("ccctl_survey_score") or ""
    return int(value) if value in ("1", "2", "3", "4", "5") else None


def is_callback_attempt(v: dict[str, str]) -> bool:
    """The placeholder member of a queue callback (ccctl/render/callback.py): its row is the attempt's."""
    return (
        bool(v.get("ccctl_callback_id"))
        and (v.get("ccctl_target") or "").startswith("callback:")
        and bool(v.get("ccctl_tenant"))
    )


def callback_attempt_row(v: dict[str, str], node: str, source: str) -> dict:
    """A callback attempt as a call row: direction 'callback', the agent who took it, the
    placeholder's wait in the queue, and 'answered' when the caller was reached."""
    entered = _f(v.get("start_uepoch"), 1e6) or _f(v.get("start_epoch")) or 0.0
    ended = _f(v.get("end_uepoch"), 1e6) or _f(v.get("end_epoch")) or entered
    agent_on = _f(v.get("bridge_uepoch"), 1e6) or _f(v.get("bridge_epoch")) or _f(v.get("cc_queue_answered_epoch"))
    reached = v.get("ccctl_callback_reached") == "true"
    return {
        "uuid": v.get("uuid") or v.get("call_uuid"),
        "tenant": v["ccctl_tenant"],
        "direction": "callback",
        "caller_number": v.get("ccctl_callback_number"),
        "caller_name": None,
        "called_number": v.get("ccctl_callback_number"),
        "did": None,
        "ivr_path": None,
        "ivr_digits": None,
        "queue": v.get("ccctl_queue"),
        "agent": _local(v.get("cc_agent")) if agent_on else None,
        "entered_at": entered,
        "ivr_left_at": None,
        "queued_at": entered,
        "offered_at": _f(v.get("cc_last_originated_call")),
        "answered_at": agent_on if reached else None,
        "ended_at": ended,
        "wait_s": max(0.0, (agent_on or ended) - entered),
        "talk_s": max(0.0, ended - agent_on) if agent_on and reached else 0.0,
        "wrapup_s": 0.0,
        "sla_target": None,
        "disposition": "answered" if reached else "failed",
        "hangup_cause": v.get("hangup_cause"),
        "hangup_side": None,
        "recording": None,
        "node": node,
        "source": source,
        "survey_score": None,
    }


def event_variables(e: dict[str, str]) -> dict[str, str]:
    """The variables of a channel event in the shape call_row() takes."""
    v = {k[9:]: val for k, val in e.items() if k.startswith("variable_")}
    v.setdefault("uuid", e.get("Unique-ID", ""))
    v.setdefault("direction", e.get("Call-Direction", ""))
    v.setdefault("hangup_cause", e.get("Hangup-Cause", ""))
    v["caller_id_number"] = e.get("Caller-Caller-ID-Number") or v.get("caller_id_number", "")
    v["caller_id_name"] = e.get("Caller-Caller-ID-Name") or v.get("caller_id_name", "")
    v["destination_number"] = e.get("Caller-Destination-Number", "")
    return v


def _ts(e: dict[str, str]) -> float:
    return int(e.get("Event-Date-Timestamp") or 0) / 1e6 or time.time()


class Assembler:
    """Feeds on events, keeps what calls in progress need, and hands out what to store:
    ('call', row), ('agent', row) and ('offer', event) for the screen pop."""

    MAX_AGE = 24 * 3600.0
    """A call whose hangup never came (FreeSWITCH killed) is forgotten after a day; the CDR
    reconciliation after the restart has already recorded it if FreeSWITCH wrote it."""

    def __init__(self, directory: Directory, node: str, refresh: Callable[[], Directory] | None = None):
        self.directory = directory
        self.node = node
        self.live: dict[str, Live] = {}
        self._refresh = refresh
        self._refreshed = 0.0
        self._fed = 0
        self._missed: dict[tuple[str, str], str] = {}

    def _split(self, name: str) -> tuple[str | None, str]:
        """'sales@acme.cc.local' -> ('acme', 'sales'); an unknown domain re-reads the
        configuration (a tenant added since), at most every few seconds."""
        tenant, local = self.directory.split(name)
        if tenant is None and self._refresh is not None and time.monotonic() - self._refreshed > 5:
            self._refreshed = time.monotonic()
            self.directory = self._refresh()
            tenant, local = self.directory.split(name)
        return tenant, local

    def feed(self, e: dict[str, str]) -> list[tuple[str, dict]]:
        name = e.get("Event-Name")
        self._fed += 1
        if self._fed % 10000 == 0:
            self._forget_stale()
        if name == "CHANNEL_HANGUP_COMPLETE":
            uuid = e.get("Unique-ID", "")
            live = self.live.pop(uuid, None)
            row = call_row(event_variables(e), live, self.directory, self.node, "events")
            return [("call", row)] if row else []
        if name == "DTMF":
            # Digits until the IVR ends are the IVR's (call_row drops them for calls without one).
            live = self.live.setdefault(e.get("Unique-ID", ""), Live())
            if live.ivr_left_at is None:
                live.digits += e.get("DTMF-Digit", "")
            return []
        if name == "CHANNEL_EXECUTE_COMPLETE":
            if e.get("Application") == "ivr":
                self.live.setdefault(e.get("Unique-ID", ""), Live()).ivr_left_at = _ts(e)
            return []
        if e.get("Event-Subclass") == CC:
            return self._callcenter(e)
        if e.get("Event-Subclass") == codes.AGENT_EVENT:
            return self._agent_code(e)
        return []

    def _agent_code(self, e: dict[str, str]) -> list[tuple[str, dict]]:
        """A feature code from a seat's phone: a break reason joins the agent's status history
        (kind 'reason', after the On Break status row); a wrap-up code (kind 'wrapup') also
        goes on a call row (store.write_rows): the call it names when keyed during a call
        (CCCTL-Call), else the agent's last answered call."""
        if e.get("CCCTL-Action") in ("mask", "unmask"):
            return self._mask(e)
        kind, value = {"break": ("reason", e.get("CCCTL-Reason")), "disposition": ("wrapup", e.get("CCCTL-Code"))}.get(
            e.get("CCCTL-Action", ""), (None, None)
        )
        tenant, agent = self._split(e.get("CCCTL-Agent", ""))
        if kind is None or not value or tenant is None:
            return []
        row = {"tenant": tenant, "agent": agent, "kind": kind, "value": value[:40], "at": _ts(e), "node": self.node}
        if kind == "wrapup" and e.get("CCCTL-Note"):
            row["note"] = e["CCCTL-Note"][:1000]  # the agent page's wrap-up note: on the call row, with the code
        if kind == "wrapup" and e.get("CCCTL-Call"):
            row["call"] = e["CCCTL-Call"]
        return [("agent", row)]

    def _mask(self, e: dict[str, str]) -> list[tuple[str, dict]]:
        """*4 / *5 (or `ccctl agent mask`) on a call: an agent row of kind 'mask' or 'unmask'
        whose value is the call's uuid (ccctl/render/masking.py); the store marks the call's
        recording as masked and audits a mask keyed on the phone (actor: the seat)."""
        tenant, call, seat = e.get("CCCTL-Tenant"), e.get("CCCTL-Call"), mask_seat(e)
        if not tenant or tenant not in self.directory.tenants_by_domain.values() or not call or not seat:
            return []
        row = {"tenant": tenant, "agent": seat, "kind": e["CCCTL-Action"], "value": call[:40], "at": _ts(e)}
        # Keyed on the phone: the store audits it as the seat's (the library audits its own).
        audit = e.get("CCCTL-By") != codes.MASKED_BY_LIBRARY
        return [("agent", {**row, "node": self.node, **({"audit": True} if audit else {})})]

    def _callcenter(self, e: dict[str, str]) -> list[tuple[str, dict]]:
        action = e.get("CC-Action")
        at = _ts(e)
        if action == "agent-max-no-answer":
            # mod_callcenter puts the agent On Break right after this event: that break's reason.
            tenant, agent = self._split(e.get("CC-Agent", ""))
            reason = self.directory.missed_reasons.get(tenant or "")
            if reason:
                self._missed[(tenant, agent)] = reason
            return []
        if action in ("agent-status-change", "agent-state-change"):
            tenant, agent = self._split(e.get("CC-Agent", ""))
            if tenant is None:
                return []
            missed = self._missed.pop((tenant, agent), None) if action == "agent-status-change" else None
            if missed and e.get("CC-Agent-Status") == "On Break":
                row = {"tenant": tenant, "agent": agent, "at": at, "node": self.node}
                return [
                    ("agent", {**row, "kind": "status", "value": "On Break"}),
                    ("agent", {**row, "kind": "reason", "value": missed[:40]}),
                ]
            kind, key = (
                ("status", "CC-Agent-Status") if action == "agent-status-change" else ("state", "CC-Agent-State")
            )
            return [
                (
                    "agent",
                    {
                        "tenant": tenant,
                        "agent": agent,
                        "kind": kind,
                        "value": e.get(key, ""),
                        "at": at,
                        "node": self.node,
                    },
                )
            ]
        uuid = e.get("CC-Member-Session-UUID")
        if not uuid:
            return []
        live = self.live.setdefault(uuid, Live())
        if action == "member-queue-start":
            live.queued_at = live.queued_at or at
            live.ivrs = tuple(_Route.of(event_variables(e)).ivrs) or live.ivrs
        elif action == "agent-offering":
            live.offered_at = live.offered_at or at
            tenant, queue = self._split(e.get("CC-Queue", ""))
            if tenant:
                return [
                    (
                        "offer",
                        {
                            "type": "call.offered",
                            "tenant": tenant,
                            "call_id": uuid,
                            "at": at,
                            "caller_number": e.get("CC-Member-CID-Number"),
                            "caller_name": e.get("CC-Member-CID-Name"),
                            "queue": queue,
                            "agent": _local(e.get("CC-Agent")),
                            "ivr_path": list(live.ivrs),
                            "ivr_digits": (live.digits or None) if live.ivrs else None,
                            "queued_at": live.queued_at,
                        },
                    )
                ]
        elif action == "bridge-agent-start":
            live.answered_at = live.answered_at or at
        elif action == "member-queue-end":
            live.left_queue_at = live.left_queue_at or at
        return []

    def _forget_stale(self) -> None:
        cutoff = time.monotonic() - self.MAX_AGE
        for uuid in [u for u, live in self.live.items() if live.seen < cutoff]:
            del self.live[uuid]
