"""Agent (seat) state in mod_callcenter: log in, log out, ready, break, and the live list."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ccctl.app import Services
from ccctl.errors import InvalidInput, NotFound
from ccctl.freeswitch.connect import event_socket
from ccctl.render import names
from ccctl.config.entities import get_tenant, list_tenants

STATUS = {
    "login": "Available",
    "ready": "Available",
    "break": "On Break",
    "logout": "Logged Out",
}
"""What each command sets. mod_callcenter itself moves an agent through its states
(Waiting -> Receiving -> In a queue call -> wrap-up -> Waiting)."""


@dataclass
class AgentState:
    tenant: str
    extension: str
    name: str
    status: str
    state: str
    calls_answered: int
    no_answer_count: int
    talk_time: int
    last_bridge_end: int
    wrap_up_time: int

    def as_dict(self) -> dict:
        return asdict(self)


def set_status(services: Services, tenant: str, extension: str, action: str) -> str:
    """Apply ACTION (login, ready, break, logout) to a seat; returns the new status."""
    if action not in STATUS:
        raise InvalidInput(f"unknown agent action {action!r}; use {', '.join(STATUS)}")
    t = get_tenant(services, tenant)
    if not any(seat.extension == extension for seat in t.seats):
        raise NotFound(f"seat {tenant}/{extension} not found")
    status = STATUS[action]
    agent = names.agent_id(t, extension)
    with event_socket(services) as esl:
        esl.api(f"callcenter_config agent set status {agent} '{status}'")
        if action in ("login", "ready"):
            # A seat coming back from a break or logout must be offered calls again at once.
            esl.api(f"callcenter_config agent set state {agent} 'Waiting'")
    return status


def parse_table(text: str) -> list[dict[str, str]]:
    """mod_callcenter's list output: a header line of |-separated names, rows, then +OK."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("+OK")]
    if not lines:
        return []
    header = lines[0].split("|")
    return [dict(zip(header, ln.split("|"))) for ln in lines[1:] if ln.count("|") == len(header) - 1]


def live_states(services: Services, tenant: str | None = None) -> list[AgentState]:
    tenants = [get_tenant(services, tenant)] if tenant else list_tenants(services)
    with event_socket(services) as esl:
        rows = {r.get("name"): r for r in parse_table(esl.api("callcenter_config agent list"))}
    out = []
    for t in tenants:
        for seat in t.seats:
            r = rows.get(names.agent_id(t, seat), {})
            out.append(AgentState(
                tenant=t.name, extension=seat.extension, name=seat.name,
                status=r.get("status", "unknown"), state=r.get("state", "unknown"),
                calls_answered=int(r.get("calls_answered") or 0), no_answer_count=int(r.get("no_answer_count") or 0),
                talk_time=int(r.get("talk_time") or 0), last_bridge_end=int(r.get("last_bridge_end") or 0),
                wrap_up_time=int(r.get("wrap_up_time") or 0),
            ))
    return out
