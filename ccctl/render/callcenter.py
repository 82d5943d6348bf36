"""mod_callcenter: one queue per tenant queue (name@domain), an agent per seat, and tiers
from skills. A higher skill level becomes a lower tier level, which mod_callcenter offers first."""

from __future__ import annotations

from ..prompts import announcement
from ..settings import Settings
from ..site import spec as s
from . import names
from .xml import configuration, el, param, params


def tier_level(skill_level: int) -> int:
    return 11 - skill_level


def _queue(t: s.Tenant, q: s.Queue) -> object:
    record = t.recording.mode in ("all", "inbound")
    ann = announcement(t, q)
    p = {
        "strategy": q.strategy,
        "moh-sound": f"local_stream://{q.moh}",
        "record-template": names.recording_path(t) if record else None,
        "time-base-score": "system",
        "max-wait-time": str(q.max_wait),
        "max-wait-time-with-no-agent": str(q.no_agent.timeout),
        "max-wait-time-with-no-agent-time-reached": "5",
        "tier-rules-apply": "false",
        "tier-rule-wait-second": "300",
        "tier-rule-wait-multiply-level": "true",
        "tier-rule-no-agent-no-wait": "false",
        "discard-abandoned-after": "60",
        "abandoned-resume-allowed": "false",
        "announce-sound": ann.ref if ann and q.announce_every else None,
        "announce-frequency": str(q.announce_every) if ann and q.announce_every else None,
    }
    return el("queue", {"name": names.queue_id(t, q)}, [param(k, v) for k, v in p.items() if v is not None])


def _agent(t: s.Tenant, seat: s.Seat, wrapup: int) -> object:
    contact = (
        "[call_timeout=20,leg_timeout=20,ccctl_tenant=" + t.name + ",eavesdrop_group=" + t.name + "]"
        f"user/{seat.extension}@{t.sip_domain}"
    )
    return el("agent", name=names.agent_id(t, seat), type="callback", contact=contact,
              max__no__answer="3", wrap__up__time=str(wrapup), reject__delay__time="10",
              busy__delay__time="10", no__answer__delay__time="10")


def _wrapups(t: s.Tenant) -> dict[str, int]:
    """An agent has one wrap-up time in mod_callcenter: the longest of the queues it serves."""
    out: dict[str, int] = {}
    for q in t.queues:
        for seat in t.seats:
            if q.required_skill in seat.skills:
                out[seat.extension] = max(out.get(seat.extension, 0), q.wrapup)
    return out


def callcenter_conf(settings: Settings, tenants: list[s.Tenant]) -> object:
    queues, agents, tiers = [], [], []
    for t in tenants:
        wrap = _wrapups(t)
        for q in t.queues:
            queues.append(_queue(t, q))
            skill = q.required_skill
            for pos, seat in enumerate((x for x in t.seats if skill in x.skills), start=1):
                tiers.append(el("tier", agent=names.agent_id(t, seat), queue=names.queue_id(t, q),
                                level=str(tier_level(seat.skills[skill])), position=str(pos)))
        for seat in t.seats:
            agents.append(_agent(t, seat, wrap.get(seat.extension, 0)))
    return configuration(
        "callcenter.conf", "ACD",
        params("settings", {"cc-instance-id": settings.node}),
        el("queues", None, queues),
        el("agents", None, agents),
        el("tiers", None, tiers),
    )
