"""Agent (seat) state in mod_callcenter: log in, log out, ready, break, and the live list."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ccctl.app import Services
from ccctl.config import codes
from ccctl.config.entities import get_tenant, list_tenants
from ccctl.errors import Conflict, InvalidInput, NotFound
from ccctl.freeswitch.connect import event_socket
from ccctl.render import disposition, names
from ccctl.supervision import audit

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


def _seat(services: Services, tenant: str, extension: str):
    t = get_tenant(services, tenant)
    if not any(seat.extension == extension for seat in t.seats):
        raise NotFound(f"seat {tenant}/{extension} not found")
    return t


def _audited(services: Services, tenant: str, extension: str, action: str, actor: str | None, detail: str | None, work):
    """Run WORK and log it as the phone's feature codes are logged by the agent's own history:
    one audit row, ok or failed."""
    try:
        out = work()
    except Exception as exc:
        audit.record(
            services,
            tenant=tenant,
            action=f"agent.{action}",
            result="failed",
            actor=actor,
            subject=extension,
            detail=f"{detail + ': ' if detail else ''}{exc}",
        )
        raise
    audit.record(
        services, tenant=tenant, action=f"agent.{action}", result="ok", actor=actor, subject=extension, detail=detail
    )
    return out


def _code_event(esl, agent: str, action: str, **headers: str) -> None:
    """The event the phone's *24 + reason or *9 + code fires: the daemon records it alike."""
    esl.sendevent(
        codes.AGENT_EVENT,
        {"CCCTL-Action": action, "CCCTL-Agent": agent, **{f"CCCTL-{k.capitalize()}": v for k, v in headers.items()}},
    )


def set_status(
    services: Services, tenant: str, extension: str, action: str, *, reason: str | None = None, actor: str | None = None
) -> str:
    """Apply ACTION (login, ready, break, logout) to a seat; returns the new status. A break
    takes REASON, one of the tenant's pause_reasons (its code or its name; left out: the
    tenant's default reason, if it has one), as *24 + code does from the phone."""
    if action not in STATUS:
        raise InvalidInput(f"unknown agent action {action!r}; use {', '.join(STATUS)}")
    t = _seat(services, tenant, extension)
    if reason is not None and action != "break":
        raise InvalidInput("only a break has a reason")
    name = None
    if action == "break":
        code = reason if reason is not None else t.default_pause_reason
        by_name = {v: k for k, v in t.pause_reasons.items()}
        code = by_name.get(code, code)
        if code is not None and code not in t.pause_reasons:
            known = ", ".join(f"{k} ({v})" for k, v in t.pause_reasons.items()) or "none"
            raise InvalidInput(f"{tenant} has no pause reason {reason!r}; its reasons: {known}")
        name = t.pause_reasons.get(code) if code else None
    status = STATUS[action]
    agent = names.agent_id(t, extension)

    def work():
        with event_socket(services) as esl:
            esl.api(f"callcenter_config agent set status {agent} '{status}'")
            if action in ("login", "ready"):
                # A seat coming back from a break or logout must be offered calls again at once.
                esl.api(f"callcenter_config agent set state {agent} 'Waiting'")
            if name:
                _code_event(esl, agent, "break", reason=name)
        return status

    return _audited(services, tenant, extension, action, actor, name, work)


def end_wrapup(services: Services, tenant: str, extension: str, *, actor: str | None = None) -> None:
    """End a seat's wrap-up now (*26 from the phone): it is offered the next call at once.
    Refused (Conflict) while its last call's queue requires a wrap-up code not yet keyed."""
    t = _seat(services, tenant, extension)
    agent = names.agent_id(t, extension)

    def work():
        with event_socket(services) as esl:
            if disposition.any_required(t) and _held(esl, agent):
                raise Conflict(f"{tenant}/{extension} must key a wrap-up code first (ccctl agent disposition)")
            esl.api(f"callcenter_config agent set ready_time {agent} 0")
            # mod_callcenter counts wrap-up from the call's end; the next answer restores it.
            esl.api(f"callcenter_config agent set wrap_up_time {agent} 0")

    _audited(services, tenant, extension, "wrapup", actor, None, work)


def _held(esl, agent: str) -> bool:
    """Whether the agent's last call left a wrap-up code due (ccctl/render/disposition.py)."""
    value = esl.api(f"hash select/{disposition.HELD_REALM}/{agent}", check=False).strip()
    return value.isdigit() and int(value) > 0


def set_disposition(
    services: Services, tenant: str, extension: str, code: str, *, note: str | None = None, actor: str | None = None
) -> str:
    """The wrap-up code of the seat's last call (*9 + code from the phone); returns its name.
    The daemon puts it on the call row, with NOTE (the agent page's wrap-up note) when given."""
    # An event header is one line: the note's line breaks become spaces.
    note = " ".join(note.split()) if note else None
    if note is not None and len(note) > 1000:
        raise InvalidInput("a wrap-up note has at most 1000 characters")
    t = _seat(services, tenant, extension)
    code = {v: k for k, v in t.dispositions.items()}.get(code, code)
    if code not in t.dispositions:
        known = ", ".join(f"{k} ({v})" for k, v in t.dispositions.items()) or "none"
        raise InvalidInput(f"{tenant} has no wrap-up code {code!r}; its codes: {known}")
    agent = names.agent_id(t, extension)
    taking = disposition.queues_taking(t, code)

    def work():
        with event_socket(services) as esl:
            if taking is not None:
                last = esl.api(f"hash select/{disposition.LAST_QUEUE_REALM}/{agent}", check=False).strip()
                if last and not last.startswith("-ERR") and last not in taking:
                    raise InvalidInput(f"a call of queue {last.split('@')[0]} does not take wrap-up code {code}")
            extra = {"note": note} if note else {}
            _code_event(esl, agent, "disposition", code=code, name=t.dispositions[code], **extra)
            if disposition.any_required(t):
                # The code keyed: the agent held for it is offered calls again.
                esl.api(f"callcenter_config agent set ready_time {agent} 0")
                esl.api(f"hash delete/{disposition.HELD_REALM}/{agent}", check=False)
        return t.dispositions[code]

    return _audited(services, tenant, extension, "disposition", actor, f"{code} {t.dispositions[code]}", work)


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
            out.append(
                AgentState(
                    tenant=t.name,
                    extension=seat.extension,
                    name=seat.name,
                    status=r.get("status", "unknown"),
                    state=r.get("state", "unknown"),
                    calls_answered=int(r.get("calls_answered") or 0),
                    no_answer_count=int(r.get("no_answer_count") or 0),
                    talk_time=int(r.get("talk_time") or 0),
                    last_bridge_end=int(r.get("last_bridge_end") or 0),
                    wrap_up_time=int(r.get("wrap_up_time") or 0),
                )
            )
    return out


def seat_state(services: Services, tenant: str, extension: str) -> dict:
    """One seat's status and state now (the agent page's header), two small Event Socket reads."""
    t = _seat(services, tenant, extension)
    agent = names.agent_id(t, extension)
    with event_socket(services) as esl:
        status = esl.api(f"callcenter_config agent get status {agent}").strip()
        state = esl.api(f"callcenter_config agent get state {agent}").strip()
    return {
        "tenant": tenant,
        "extension": extension,
        "name": _seat_name(t, extension),
        "status": status,
        "state": state,
    }


def _seat_name(t, extension: str) -> str:
    return next(seat.name for seat in t.seats if seat.extension == extension)


def tenant_codes(services: Services, tenant: str) -> dict:
    """A tenant's break reasons and wrap-up codes, as the phone's feature codes know them."""
    from sqlalchemy import select

    from ccctl.model import Tenant

    with services.engine.connect() as conn:
        row = conn.execute(
            select(Tenant.pause_reasons, Tenant.default_pause_reason, Tenant.dispositions).where(Tenant.name == tenant)
        ).first()
    if row is None:
        raise NotFound(f"tenant {tenant} not found")
    return {
        "pause_reasons": dict(row.pause_reasons or {}),
        "default_pause_reason": row.default_pause_reason,
        "dispositions": dict(row.dispositions or {}),
    }
