"""Dialplan of the queue callback.

1. A waiting caller presses the queue's callback key (mod_callcenter's cc_exit_keys): the
   queue's exit extension sends them to `cc-callback-QUEUE`, which says they keep their place
   and hangs up. The daemon sees the call row (disposition 'callback') and records a request.
2. The daemon originates `loopback/cc-callback-wait-QUEUE` with cc_base_score set to the
   seconds the caller had already been in the system, so the placeholder member ranks where
   the caller was (time-base-score=system counts from each member's answer).
3. When an agent answers the placeholder, the agent leg (given api_on_answer_ccctl_callback
   through cc_export_vars) transfers the other loopback leg, parked until then, to
   `cc-callback-dial-AGENT`, which dials the caller: a seat directly, anyone else through
   the tenant's trunks. The agent is on the line first and hears the caller's phone ring.
"""

from __future__ import annotations

from .. import prompts
from ..site import spec as s
from . import names
from .dialplan import _alternation, _deferred, _trunk_dial, act, cond, ext, sets

NUMBER_VARIABLE = "ccctl_callback_number"
ID_VARIABLE = "ccctl_callback_id"
AGENT_VARIABLE = "ccctl_callback_agent"


def callback_extensions(t: s.Tenant) -> list:
    queues = [q.name for q in t.queues if q.callback]
    if not queues:
        return []
    ctx = names.context(t)
    qs = _alternation(queues)
    dial_agent = f"uuid_transfer ${{other_loopback_leg_uuid}} cc-callback-dial-{_deferred('${cc_agent}')} XML {ctx}"
    out = [
        ext("callback-request", cond("destination_number", f"^cc-callback-({qs})$",
                                     act("set", "ccctl_callback=requested", inline=True),
                                     act("answer"),
                                     act("playback", prompts.standard("callback", t.language).ref),
                                     act("hangup", "NORMAL_CLEARING"))),
        ext("callback-wait", cond("destination_number", f"^cc-callback-wait-({qs})$",
                                  *sets("ccctl_target=callback:$1", "ccctl_queue=$1",
                                        "cc_export_vars=ccctl_tenant,ccctl_queue,api_on_answer_ccctl_callback"),
                                  act("set", f"api_on_answer_ccctl_callback={dial_agent}", inline=True),
                                  act("answer"),
                                  act("callcenter", f"$1@{t.sip_domain}"),
                                  act("hangup", "NORMAL_CLEARING"))),
    ]
    dial = [cond("destination_number", r"^cc-callback-dial-([^@]*)", act("set", f"{AGENT_VARIABLE}=$1", inline=True),
                 break_="on-false")]
    if t.seats:
        exts = _alternation([seat.extension for seat in t.seats])
        dial.append(cond(f"${{{NUMBER_VARIABLE}}}", f"^({exts})$",
                         act("set", "call_timeout=30"),
                         act("bridge", f"user/$1@{t.sip_domain}"),
                         act("hangup", "${originate_disposition}"), break_="on-true"))
    if t.trunks:
        trunks = "|".join(_trunk_dial(t, tr) for tr in sorted(t.trunks, key=lambda x: x.name))
        caller = f"effective_caller_id_number={t.caller_id.number}" if t.caller_id.number else None
        dial.append(cond(f"${{{NUMBER_VARIABLE}}}", r"^(\+?[0-9]{3,20})$",
                         *sets("call_timeout=30", caller),
                         act("bridge", trunks),
                         act("hangup", "${originate_disposition}"), break_="on-true"))
    dial.append(cond("destination_number", r"^cc-callback-dial-", act("hangup", "NO_ROUTE_DESTINATION")))
    out.append(ext("callback-dial", *dial))
    return out
