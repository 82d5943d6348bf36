"""Queues that require a wrap-up code: after a call of such a queue the agent is offered no
call until it keys one (*9 + code, `ccctl agent disposition`).

mod_callcenter offers a call only to an agent whose ready_time has passed, and touches
ready_time itself only to delay an agent who did not answer. So the agent's leg, when it
answers, sets its own agent's ready_time to HOLD (far ahead) and notes the hold in a mod_hash
realm (HELD_REALM, what *26 and `ccctl agent wrapup` read to refuse); keying a code sets
ready_time back to 0 and drops the note. The queue's own wrap-up (wrap_up_time, counted from
the end of the call) runs as before. Which queue the call came from is the caller's channel's
HOLD_VAR, set on entering the queue and expanded into the agent's dial string at the offer."""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.render import names

HOLD = 4102444800
"""2100-01-01: a ready_time no agent reaches."""
HOLD_VAR = "ccctl_hold"
HELD_REALM = "ccctl_held"
"""mod_hash realm: agent name -> the ready_time its last call set (HOLD while a code is due)."""
LAST_QUEUE_REALM = "ccctl_last_queue"
"""mod_hash realm: agent name -> the queue of its last answered call, in a tenant whose queues
narrow the wrap-up codes (Queue.dispositions): which codes *9 + code takes."""


def required(t: s.Tenant, q: s.Queue) -> bool:
    return t.require_disposition or q.require_disposition


def any_required(t: s.Tenant) -> bool:
    return any(required(t, q) for q in t.queues)


def queue_hold(t: s.Tenant, q: s.Queue) -> str | None:
    """The caller's variable on entering Q: HOLD or 0 (None in a tenant with no such queue)."""
    if not any_required(t):
        return None
    return f"{HOLD_VAR}={HOLD if required(t, q) else 0}"


def serves_required(t: s.Tenant, seat: s.Seat) -> bool:
    return any(required(t, q) and q.required_skill in seat.skills for q in t.queues)


def narrowed(t: s.Tenant) -> bool:
    return any(q.dispositions for q in t.queues)


def queues_taking(t: s.Tenant, code: str) -> list[str] | None:
    """The queues (queue ids) whose calls take wrap-up CODE; None: every queue does."""
    if all(not q.dispositions or code in q.dispositions for q in t.queues):
        return None
    return [names.queue_id(t, q) for q in t.queues if not q.dispositions or code in q.dispositions]


def answer_hooks(t: s.Tenant, seat: s.Seat) -> list[str]:
    """Dial-string variables of an agent: on answer, hold it for a code where its queue
    requires one, and note the queue where queues narrow the codes."""
    agent = names.agent_id(t, seat)
    out = []
    if serves_required(t, seat):
        out += [
            f"api_on_answer_hold='callcenter_config agent set ready_time {agent} ${{{HOLD_VAR}}}'",
            f"api_on_answer_held='hash insert/{HELD_REALM}/{agent}/${{{HOLD_VAR}}}'",
        ]
    if narrowed(t) and any(q.required_skill in seat.skills for q in t.queues):
        out.append(f"api_on_answer_queue='hash insert/{LAST_QUEUE_REALM}/{agent}/${{cc_queue}}'")
    return out
