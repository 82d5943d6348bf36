"""mod_callcenter: one queue per tenant queue (name@domain), an agent per seat, and tiers
from skills. A higher skill level becomes a lower tier level, which mod_callcenter offers first."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.media.prompts import announcement
from ccctl.render import disposition, names, templates
from ccctl.settings import Settings


def tier_level(skill_level: int) -> int:
    return 11 - skill_level


def _no_agent_params(timeout: int) -> dict[str, str]:
    """mod_callcenter gives up on a caller once the queue has had no agent for
    max-wait-time-with-no-agent AND the caller has waited that plus ...-time-reached. One
    second of the first and the rest in the second makes the caller's wait the timeout."""
    if timeout == 0:
        return {"max-wait-time-with-no-agent": "0", "max-wait-time-with-no-agent-time-reached": "5"}
    return {"max-wait-time-with-no-agent": "1", "max-wait-time-with-no-agent-time-reached": str(max(timeout - 1, 0))}


def _queue(t: s.Tenant, q: s.Queue) -> tuple:
    record = t.recording.mode in ("all", "inbound")
    ann = announcement(t, q)
    p = {
        "strategy": q.strategy,
        "moh-sound": f"local_stream://{q.moh}",
        "record-template": names.recording_path(t) if record else None,
        "time-base-score": "system",
        "max-wait-time": str(q.max_wait),
        **_no_agent_params(q.no_agent.timeout),
        "tier-rules-apply": "false",
        "tier-rule-wait-second": "300",
        "tier-rule-wait-multiply-level": "true",
        "tier-rule-no-agent-no-wait": "false",
        "discard-abandoned-after": "60",
        "abandoned-resume-allowed": "false",
        "announce-sound": ann.ref if ann and q.announce_every else None,
        "announce-frequency": str(q.announce_every) if ann and q.announce_every else None,
    }
    return (names.queue_id(t, q), [(k, v) for k, v in p.items() if v is not None])


def agent_contact(t: s.Tenant, seat: s.Seat) -> str:
    # The spy map entry lets a supervisor of this tenant find the agent's call (*33EXT); an API
    # on answer, not an application, so it costs the call no application run and no events.
    spy = f"hash insert/{names.spymap(t)}/{seat.extension}/${{uuid}}"
    hooks = disposition.answer_hooks(t, seat)
    wrapup = max((q.wrapup for q in t.queues if q.required_skill in seat.skills), default=0)
    if wrapup:
        # *26 ends a wrap-up by setting the agent's wrap_up_time to 0 (mod_callcenter counts it
        # from the end of the call); the next call answered puts it back.
        agent = names.agent_id(t, seat)
        hooks.append(f"api_on_answer_wrapup='callcenter_config agent set wrap_up_time {agent} {wrapup}'")
    hold = "".join("," + h for h in hooks)
    return (
        f"[call_timeout=20,leg_timeout=20,ccctl_tenant={t.name},eavesdrop_group={t.name},"
        f"api_on_answer='{spy}'{hold}]user/{seat.extension}@{t.sip_domain}"
    )


def _wrapups(t: s.Tenant) -> dict[str, int]:
    """An agent has one wrap-up time in mod_callcenter: the longest of the queues it serves."""
    out: dict[str, int] = {}
    for q in t.queues:
        for seat in t.seats:
            if q.required_skill in seat.skills:
                out[seat.extension] = max(out.get(seat.extension, 0), q.wrapup)
    return out


def callcenter_conf(settings: Settings, tenants: list[s.Tenant]) -> bytes:
    queues, agents, tiers = [], [], []
    for t in tenants:
        wrap = _wrapups(t)
        for q in t.queues:
            queues.append(_queue(t, q))
            skill, qid = q.required_skill, names.queue_id(t, q)
            for pos, seat in enumerate((x for x in t.seats if skill in x.skills), start=1):
                tiers.append((names.agent_id(t, seat), qid, str(tier_level(seat.skills[skill])), str(pos)))
        for seat in t.seats:
            agents.append((names.agent_id(t, seat), agent_contact(t, seat), str(wrap.get(seat.extension, 0))))
    return templates.render("callcenter.conf.xml.j2", node=settings.node, queues=queues, agents=agents, tiers=tiers)
