"""Dialplan of the queue callback.

1. A waiting caller presses the queue's callback key (mod_callcenter's cc_exit_keys): the
   queue's exit extension sends them to `cc-callback-QUEUE`, which says they keep their place
   and hangs up. The daemon sees the call row (disposition 'callback') and records a request.
2. The daemon originates `loopback/cc-callback-wait-QUEUE` with cc_base_score set to the
   seconds the caller had already been in the system, so the placeholder member ranks where
   the caller was (time-base-score=system counts from each member's answer).
3. When an agent answers the placeholder, the agent leg (given api_on_answer_ccctl_callback
   through cc_export_vars) transfers the other loopback leg, parked until then, to
   `cc-callback-dial`, which dials the caller: a seat directly, anyone else through the
   tenant's trunks. The agent is on the line first and hears the caller's phone ring. The
   caller's leg, on answer, marks the placeholder (ccctl_callback_reached), whose call row
   is the attempt's. (A value passed to the agent leg may not hold `${`: FreeSWITCH refuses
   it there, so everything in it is expanded when the placeholder sets it.)
"""

from __future__ import annotations

from ccctl.config import spec as s
from ccctl.media import prompts
from ccctl.render import names
from ccctl.render.dsl import act, alternation, cond, ext, sets
from ccctl.render.recording import hooks_where_recorded

NUMBER_VARIABLE = "ccctl_callback_number"
ID_VARIABLE = "ccctl_callback_id"
REACHED_VARIABLE = "ccctl_callback_reached"
DIALABLE = r"^\+?[0-9]{2,20}$"
"""A caller number that can be called back."""


def callback_extensions(t: s.Tenant) -> list:
    queues = [q.name for q in t.queues if q.callback]
    if not queues:
        return []
    dialplan_context = names.context(t)
    qs = alternation(queues)
    dial_agent = f"uuid_transfer ${{other_loopback_leg_uuid}} cc-callback-dial XML {dialplan_context}"
    # For the caller's leg alone (nolocal): it marks the placeholder when the caller answers,
    # and is offered the box's codecs, not the loopback leg's own (L16), which phones refuse.
    to_caller = [
        act("export", f"nolocal:api_on_answer=uuid_setvar ${{other_loopback_leg_uuid}} {REACHED_VARIABLE} true"),
        act("export", "nolocal:absolute_codec_string=$${global_codec_prefs}"),
    ]
    out = [
        ext(
            "callback-request",
            cond("${caller_id_number}", DIALABLE, break_="on-false"),
            cond(
                "destination_number",
                f"^cc-callback-({qs})$",
                act("set", "ccctl_callback=requested", inline=True),
                act("answer"),
                act("playback", prompts.standard("callback", t.language).ref),
                act("hangup", "NORMAL_CLEARING"),
            ),
        ),
        # A caller without a number to call back (anonymous) is told so and goes back to the
        # queue, where time-base-score=system gives them their place again.
        ext(
            "callback-refused",
            cond(
                "destination_number",
                f"^cc-callback-({qs})$",
                act("playback", prompts.standard("invalid", t.language).ref),
                act("transfer", f"cc-queue-$1 XML {dialplan_context}"),
            ),
        ),
        ext(
            "callback-wait",
            cond(
                "destination_number",
                f"^cc-callback-wait-({qs})$",
                *sets(
                    "ccctl_target=callback:$1",
                    "ccctl_queue=$1",
                    "cc_export_vars=ccctl_tenant,ccctl_queue,api_on_answer_ccctl_callback",
                ),
                # mod_callcenter records this (the caller's) channel when the queue records.
                *(hooks_where_recorded(t) if t.recording.mode in ("all", "inbound") else []),
                # After the answer: set before, it would run on this leg's own answer.
                act("answer"),
                act("set", f"api_on_answer_ccctl_callback={dial_agent}"),
                act("callcenter", f"$1@{t.sip_domain}"),
                act("hangup", "NORMAL_CLEARING"),
            ),
        ),
    ]
    dial = [cond("destination_number", r"^cc-callback-dial$", *to_caller, break_="on-false")]
    if t.seats:
        exts = alternation([seat.extension for seat in t.seats])
        dial.append(
            cond(
                f"${{{NUMBER_VARIABLE}}}",
                f"^({exts})$",
                act("set", "call_timeout=30"),
                act("bridge", f"user/$1@{t.sip_domain}"),
                act("hangup", "${originate_disposition}"),
                break_="on-true",
            )
        )
    if t.trunks:
        trunks = "|".join(names.trunk_dial(t, tr) for tr in sorted(t.trunks, key=lambda x: x.name))
        caller = f"effective_caller_id_number={t.caller_id.number}" if t.caller_id.number else None
        dial.append(
            cond(
                f"${{{NUMBER_VARIABLE}}}",
                r"^(\+?[0-9]{3,20})$",
                *sets("call_timeout=30", caller),
                act("bridge", trunks),
                act("hangup", "${originate_disposition}"),
                break_="on-true",
            )
        )
    dial.append(cond("destination_number", r"^cc-callback-dial$", act("hangup", "NO_ROUTE_DESTINATION")))
    out.append(ext("callback-dial", *dial))
    return out
