"""What a supervisor does to live calls: listen, whisper, barge (the supervisor's phone is rung
into the agent's call), force a hang-up, bring a third party in, transfer;
and an agent's own transfer of their call (agent_transfer). Every attempt, done or
refused, is written to the audit log.

Tenancy is checked twice: here (seats, calls and targets must be the tenant's own) and by
FreeSWITCH (the supervisor's leg carries eavesdrop_require_group=TENANT, which FreeSWITCH
compares with the eavesdrop_group every channel of that tenant carries), as the *33/*34/*35
feature codes of the dialplan do.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from ccctl.errors import CcError, Conflict, FreeSwitchError, FreeSwitchRefused, InvalidInput, NotFound
from ccctl.supervision import audit

_UUID = re.compile(r"[0-9a-fA-F-]{8,64}")
_NUMBER = re.compile(r"\+?[0-9]{3,20}")
RING_SECONDS = 30
"""How long a supervisor's (or third party's) phone rings before the attempt fails."""


@dataclass
class MonitorResult:
    action: str
    tenant: str
    call: str | None
    """The uuid of the channel acted on (the agent's leg, or the one named)."""
    channel: str | None = None
    """The new leg this action made (the supervisor's or third party's), if any."""
    ended: list[str] = field(default_factory=list)
    """Channels a hang-up ended."""
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _mode_vars() -> dict[str, dict[str, str]]:
    """Channel variables of FreeSWITCH's eavesdrop for each mode: those of the feature codes
    (ccctl.render.dialplan), but for whisper. The feature codes eavesdrop on the caller's leg;
    this module on the agent's own leg, where what FreeSWITCH writes to it (whisper_bleg)
    reaches the agent's ear only."""
    from ccctl.render.dialplan import SUPERVISOR_CODES

    modes = {mode: dict(v.split("=", 1) for v in extra) for mode, extra in SUPERVISOR_CODES.values()}
    modes["whisper"] = {"eavesdrop_whisper_bleg": "true"}
    return modes


# --------------------------------------------------------------------------- lookups


def _tenant(services, name: str):
    from ccctl.config.entities import get_tenant

    return get_tenant(services, name)


def _seat(services, t, extension: str, role: str):
    """The seat EXTENSION of tenant T. A seat of another tenant is refused (exit 4), not
    reported missing: a supervisor must learn nothing about other tenants, but an attempt
    across tenants is what the audit log has to show as such."""
    for seat in t.seats:
        if seat.extension == extension:
            return seat
    from ccctl.config.entities import list_tenants

    if any(
        seat.extension == extension for other in list_tenants(services) if other.name != t.name for seat in other.seats
    ):
        raise Conflict(f"{role} {extension} is not a seat of tenant {t.name}: refused")
    raise NotFound(f"seat {t.name}/{extension} not found")


def _rows(text: str) -> list[dict]:
    try:
        return json.loads(text).get("rows") or []
    except ValueError:
        return []


def _live(esl) -> tuple[list[dict], dict[str, str]]:
    """(every channel, uuid -> the uuid it is bridged to)."""
    channels = _rows(esl.api("show channels as json"))
    partner: dict[str, str] = {}
    for row in _rows(esl.api("show calls as json")):
        a, b = row.get("uuid"), row.get("b_uuid")
        if a and b:
            partner[a], partner[b] = b, a
    return channels, partner


def _agent_channel(esl, t, extension: str) -> str:
    """The uuid of the seat's answered call leg: the channel whose presence is the seat."""
    from ccctl.render import names

    channels, _ = _live(esl)
    aor = names.agent_id(t, extension)
    # FreeSWITCH's channel list trails the channels by a moment (written by a queue): a call
    # just answered may still show RINGING, so anything but a call ending counts.
    mine = [
        c
        for c in channels
        if c.get("presence_id") == aor
        and c.get("callstate") not in ("DOWN", "HANGUP")
        and esl.api(f"uuid_exists {c['uuid']}", check=False).strip() == "true"
    ]
    if not mine:
        raise NotFound(f"seat {t.name}/{extension} has no call in progress")
    return max(mine, key=lambda c: int(c.get("created_epoch") or 0))["uuid"]


def _channel_tenant(esl, uuid: str, tenants) -> str | None:
    """The tenant a channel belongs to: what the dialplan or the agent's contact set on it,
    else the domain of its presence."""
    try:
        name = esl.api(f"uuid_getvar {uuid} ccctl_tenant")
        if name and name != "_undef_":
            return name
        presence = esl.api(f"uuid_getvar {uuid} presence_id")
    except FreeSwitchRefused:  # the channel is gone
        return None
    domain = presence.rpartition("@")[2] if "@" in presence else None
    return next((t.name for t in tenants if domain and t.sip_domain == domain), None)


def _call_of(services, esl, t, call: str) -> str:
    """CALL (a call's uuid, or an agent's extension) -> the uuid of that tenant's channel."""
    if any(seat.extension == call for seat in t.seats):
        return _agent_channel(esl, t, call)
    if not _UUID.fullmatch(call):
        _seat(services, t, call, "seat")  # an extension of another tenant: refused; else not found
    if esl.api(f"uuid_exists {call}", check=False).strip() != "true":
        raise NotFound(f"call {call} not found")
    from ccctl.config.entities import list_tenants

    owner = _channel_tenant(esl, call, list_tenants(services))
    if owner != t.name:
        raise Conflict(f"call {call} is not a call of tenant {t.name}: refused")
    return call


def _target(t, target: str) -> tuple[str, str]:
    """TARGET -> (the tenant target it names, a dial string for a new leg to it). A seat, a
    queue, an IVR (kind:name or a bare name), or a number dialled out through the tenant's trunks."""
    from ccctl.render import names

    kind, sep, ref = target.partition(":")
    if not sep:
        if any(s.extension == target for s in t.seats):
            kind, ref = "seat", target
        elif any(q.name == target for q in t.queues):
            kind, ref = "queue", target
        elif any(i.name == target for i in t.ivrs):
            kind, ref = "ivr", target
        elif _NUMBER.fullmatch(target):
            kind, ref = "external", target
        else:
            raise NotFound(f"{target}: no seat, queue or IVR of tenant {t.name} by that name, and not a number")
    known = {
        "seat": [s.extension for s in t.seats],
        "queue": [q.name for q in t.queues],
        "ivr": [i.name for i in t.ivrs],
    }
    if kind in known:
        if ref not in known[kind]:
            raise NotFound(f"{kind} {t.name}/{ref} not found")
    elif kind == "external":
        if not _NUMBER.fullmatch(ref):
            raise InvalidInput(f"{ref!r}: a number is 3-20 digits, optionally after +")
        if not t.trunks:
            raise InvalidInput(f"tenant {t.name} has no trunk to dial {ref} through")
    else:
        raise InvalidInput(
            f"{target!r}: a seat, queue, IVR or number (seat:EXT, queue:NAME, ivr:NAME, external:NUMBER)"
        )
    spec = f"{kind}:{ref}"
    if kind == "seat":
        return spec, f"user/{ref}@{t.sip_domain}"
    return spec, f"loopback/{names.destination(spec)}/{names.context(t)}"


def _originate(esl, variables: dict[str, str], dial: str, app: str) -> str:
    """A new leg to DIAL running APP once answered; its uuid. Blocks while the phone rings."""

    def quoted(v: str) -> str:
        return f"'{v}'" if any(c in v for c in ", ") else v

    head = ",".join(f"{k}={quoted(v)}" for k, v in variables.items())
    try:
        reply = esl.api(f"originate {{{head}}}{dial} &{app}")
    except FreeSwitchRefused as exc:
        raise FreeSwitchError(f"{dial} did not answer ({exc.reason or 'no reply'})") from None
    if not reply.startswith("+OK"):
        raise FreeSwitchError(f"{dial} did not answer ({reply.strip() or 'no reply'})")
    return reply.split(None, 1)[1].strip()


# --------------------------------------------------------------------------- auditing


def _audited(action: str, services, tenant: str, subject: str | None, actor: str | None, work) -> MonitorResult:
    """Run WORK() and write the audit row: ok, refused (bad input, not found, other tenant)
    or failed (FreeSWITCH could not do it)."""
    try:
        result = work()
    except CcError as exc:
        verdict = "failed" if isinstance(exc, FreeSwitchError) else "refused"
        audit.record(
            services,
            tenant=tenant,
            action=action,
            result=verdict,
            actor=actor,
            subject=subject,
            call=getattr(exc, "call", None),
            detail=exc.message,
        )
        raise
    except Exception as exc:
        audit.record(
            services,
            tenant=tenant,
            action=action,
            result="failed",
            actor=actor,
            subject=subject,
            detail=f"{type(exc).__name__}: {exc}",
        )
        raise
    audit.record(
        services,
        tenant=tenant,
        action=action,
        result="ok",
        actor=actor,
        subject=subject,
        call=result.call,
        detail=result.detail or None,
    )
    return result


def _esl(services, timeout: float):
    from ccctl.freeswitch.connect import event_socket

    return event_socket(services, timeout=timeout)


# --------------------------------------------------------------------------- actions


def _eavesdrop(
    mode: str, services, tenant: str, supervisor_ext: str, agent_ext: str, actor: str | None
) -> MonitorResult:
    def work():
        t = _tenant(services, tenant)
        sup = _seat(services, t, supervisor_ext, "supervisor")
        _seat(services, t, agent_ext, "agent")
        if not sup.supervisor:
            raise Conflict(
                f"seat {tenant}/{supervisor_ext} is not a supervisor (seat set {tenant} {supervisor_ext} supervisor=true)"
            )
        if supervisor_ext == agent_ext:
            raise InvalidInput("a supervisor cannot monitor their own seat")
        with _esl(services, RING_SECONDS + 10) as esl:
            uuid = _agent_channel(esl, t, agent_ext)
            variables = {
                "ccctl_tenant": t.name,
                "eavesdrop_group": t.name,
                "eavesdrop_require_group": t.name,
                "eavesdrop_enable_dtmf": "true",
                "ccctl_target": f"supervisor:{mode}:{agent_ext}",
                "origination_caller_id_name": f"{mode} {agent_ext}",
                "origination_caller_id_number": agent_ext,
                "originate_timeout": str(RING_SECONDS),
                **_mode_vars()[mode],
            }
            leg = _originate(esl, variables, f"user/{supervisor_ext}@{t.sip_domain}", f"eavesdrop({uuid})")
        return MonitorResult(
            f"monitor.{mode}", tenant, uuid, leg, detail=f"supervisor {supervisor_ext} {mode} on agent {agent_ext}"
        )

    return _audited(f"monitor.{mode}", services, tenant, f"{supervisor_ext}->{agent_ext}", actor, work)


def listen(services, tenant: str, supervisor_ext: str, agent_ext: str, *, actor: str | None = None) -> MonitorResult:
    """Ring SUPERVISOR_EXT; once answered it hears both sides of AGENT_EXT's call, unheard."""
    return _eavesdrop("listen", services, tenant, supervisor_ext, agent_ext, actor)


def whisper(services, tenant: str, supervisor_ext: str, agent_ext: str, *, actor: str | None = None) -> MonitorResult:
    """As listen, and the agent (only) hears the supervisor."""
    return _eavesdrop("whisper", services, tenant, supervisor_ext, agent_ext, actor)


def barge(services, tenant: str, supervisor_ext: str, agent_ext: str, *, actor: str | None = None) -> MonitorResult:
    """As listen, and both the agent and the other party hear the supervisor."""
    return _eavesdrop("barge", services, tenant, supervisor_ext, agent_ext, actor)


def hangup(services, tenant: str, call: str, *, actor: str | None = None) -> MonitorResult:
    """End CALL (a uuid, or the agent's extension) on every leg."""

    def work():
        t = _tenant(services, tenant)
        with _esl(services, 10) as esl:
            uuid = _call_of(services, esl, t, call)
            _, partner = _live(esl)
            legs = [uuid] + ([partner[uuid]] if uuid in partner else [])
            for leg in legs:
                esl.api(f"uuid_kill {leg} NORMAL_CLEARING", check=False)
        return MonitorResult("monitor.hangup", tenant, uuid, ended=legs, detail=f"ended {len(legs)} leg(s)")

    return _audited("monitor.hangup", services, tenant, call, actor, work)


def three_way(services, tenant: str, agent_ext: str, number: str, *, actor: str | None = None) -> MonitorResult:
    """Call NUMBER (a seat of the tenant or an outside number) and, once answered, join it to
    AGENT_EXT's call: all three hear each other."""

    def work():
        t = _tenant(services, tenant)
        _seat(services, t, agent_ext, "agent")
        if number == agent_ext:
            raise InvalidInput("the third party cannot be the agent's own seat")
        spec, dial = _target(t, number)
        if not spec.startswith(("seat:", "external:")):
            raise InvalidInput(f"{number}: a three-way call goes to a seat or a number, not a {spec.split(':')[0]}")
        with _esl(services, RING_SECONDS + 10) as esl:
            uuid = _agent_channel(esl, t, agent_ext)
            variables = {
                "ccctl_tenant": t.name,
                "eavesdrop_require_group": t.name,
                "ccctl_target": f"three-way:{agent_ext}",
                "origination_caller_id_number": agent_ext,
                "originate_timeout": str(RING_SECONDS),
                **_mode_vars()["barge"],
            }
            leg = _originate(esl, variables, dial, f"eavesdrop({uuid})")
        return MonitorResult("monitor.three-way", tenant, uuid, leg, detail=f"{spec} joined agent {agent_ext}'s call")

    return _audited("monitor.three-way", services, tenant, f"{agent_ext}+{number}", actor, work)


def transfer(
    services, tenant: str, call: str, target: str, attended: bool = False, *, actor: str | None = None
) -> MonitorResult:
    """Move a call to TARGET (a seat, queue, IVR or number of the tenant).

    Blind: CALL is an agent's extension (the party the agent talks to moves, the agent's leg
    ends) or a uuid (that channel moves). Attended: the agent (CALL: the extension or the
    agent's leg) first talks to TARGET while the other party hears music; when the agent hangs
    up, the other party and TARGET are joined (FreeSWITCH's att_xfer)."""

    def work():
        from ccctl.render import names

        t = _tenant(services, tenant)
        spec, dial = _target(t, target)
        with _esl(services, 10) as esl:
            uuid = _call_of(services, esl, t, call)
            _, partner = _live(esl)
            is_agent = any(seat.extension == call for seat in t.seats)
            if attended:
                esl.api(f"uuid_broadcast {uuid} att_xfer::{{ccctl_tenant={t.name}}}{dial} aleg")
                return MonitorResult("monitor.transfer", tenant, uuid, detail=f"attended to {spec}")
            moving = partner.get(uuid) if is_agent else uuid
            if not moving:
                raise NotFound(f"seat {tenant}/{call} is on a call with no other party to transfer")
            esl.api(f"uuid_transfer {moving} {names.destination(spec)} XML {names.context(t)}")
        return MonitorResult("monitor.transfer", tenant, moving, detail=f"blind to {spec}")

    return _audited("monitor.transfer", services, tenant, f"{call}->{target}", actor, work)


def agent_transfer(services, tenant: str, extension: str, target: str, *, actor: str | None = None) -> MonitorResult:
    """The agent's own transfer (the page's button): the party seat EXTENSION talks to moves
    to TARGET, a seat or queue of the same tenant (seat:EXT, queue:NAME, or the bare name);
    the agent's leg ends. Done here, by FreeSWITCH's uuid_transfer into the tenant's context,
    not by the phone's SIP REFER: the profiles keep disable-transfer=true, so no phone can
    send a call into another tenant's dialplan. A target of another tenant is not found."""

    def work():
        from ccctl.render import names

        t = _tenant(services, tenant)
        _seat(services, t, extension, "agent")
        kind, sep, ref = target.partition(":")
        if not sep:
            kind = "seat" if any(s.extension == target for s in t.seats) else "queue"
            ref = target
        if kind not in ("seat", "queue"):
            raise InvalidInput(f"{target}: an agent transfers to a seat or a queue (seat:EXT, queue:NAME)")
        spec, _ = _target(t, f"{kind}:{ref}")
        if spec == f"seat:{extension}":
            raise InvalidInput("a call cannot be transferred to the agent's own seat")
        with _esl(services, 10) as esl:
            uuid = _agent_channel(esl, t, extension)
            _, partner = _live(esl)
            moving = partner.get(uuid)
            if not moving:
                raise NotFound(f"seat {tenant}/{extension} is on a call with no other party to transfer")
            esl.api(f"uuid_transfer {moving} {names.destination(spec)} XML {names.context(t)}")
        return MonitorResult("agent.transfer", tenant, moving, detail=f"agent {extension} blind to {spec}")

    return _audited("agent.transfer", services, tenant, f"{extension}->{target}", actor, work)
