"""The wrap-up code keyed during the call: *9, then the code, then # (or the code's second
digit). Nothing of it reaches the other party, and the code goes on this call's row.

*9 is a DTMF meta key bound on the call's channel (the one that ran the tenant's setup, whose
uuid names the call row) and listening to the seat's leg, as *4/*5 are; it runs
CALL_EXTENSION on the seat's leg itself (the other leg of an inbound call, this leg of a call
the seat makes), named with the call's uuid. There a short tone asks for the code and
play_and_get_digits collects it: the digits go to the seat's own leg, never across the bridge.
KEYED_EXTENSION + code then checks it against the tenant's codes and the queue's (the agent
leg's cc_queue): a known code is set on the call's channel (ccctl_wrapup_code, which the
call row reads at hangup), fired as the AGENT_EVENT the daemon records (with the call's uuid,
not the agent's last call), releases an agent held for a code (ccctl/render/disposition.py)
and is confirmed to the seat; any other is refused aloud, and nothing changes."""

from __future__ import annotations

import re

from ccctl.config import codes
from ccctl.config import spec as s
from ccctl.media import prompts
from ccctl.render import disposition, names
from ccctl.render.agentcodes import agent_set, event
from ccctl.render.dsl import act, alternation, cond, dest, ext

PREFIX = "cc-code-"
CALL_EXTENSION = PREFIX + "call-"
"""+ the call's uuid: run on the seat's leg by *9 during a call."""
KEYED_EXTENSION = PREFIX + "keyed-"
"""+ the digits keyed: the code's check."""
CODE_VAR = "ccctl_wrapup_code"
"""On the call's channel: the code keyed during the call (ccctl/daemon/assemble.py reads it)."""
ASK = "tone_stream://%(150,0,880)"
"""The short tone that asks the seat for the code."""
TIMEOUT_MS, DIGIT_TIMEOUT_MS = 5000, 3000


def in_call_bind_actions(t: s.Tenant, leg: str) -> list:
    """*9 listening to LEG, run on that leg (b: the seat is the other leg of an inbound call)."""
    key = codes.DISPOSITION[1:]
    return [
        act("bind_meta_app", f"{key} {leg} {leg} execute_extension::{CALL_EXTENSION}${{uuid}} XML {names.context(t)}")
    ]


def in_call_binds(t: s.Tenant) -> object:
    """Once per call (in the setup extension; a DID's call gets it in `public`): *9 on the
    seat's leg, run on that leg."""
    return cond(
        "${ccctl_direction}",
        "^inbound$",
        *in_call_bind_actions(t, "b"),
        anti=in_call_bind_actions(t, "a"),
        break_="never",
    )


def not_on_the_seat_leg() -> object:
    """The setup extension's first condition: the seat's leg of an inbound call never ran
    setup (it is no call of its own: no limit, no binds) and must not when it keys a code."""
    return cond("destination_number", f"^{re.escape(PREFIX)}", break_="on-true")


def _say(t: s.Tenant, kind: str) -> object:
    # The seat may key on through the prompt: no digit of the next code is eaten by it.
    return act("playback", prompts.standard(kind, t.language).ref)


def _bridged() -> object:
    """Only a leg in a bridge runs these: dialled as a number they match nothing here."""
    return cond("${bridge_to}", "^.+$", break_="on-false")


def in_call_extensions(t: s.Tenant) -> list:
    if not t.dispositions:
        return []
    out = [
        ext(
            "code-in-call",
            _bridged(),
            cond(
                "destination_number",
                f"^{re.escape(CALL_EXTENSION)}([0-9a-f-]{{36}})$",
                act("set", "ccctl_code_call=$1"),
                break_="on-false",
            ),
            # The seat's agent: the queue's agent on its leg of a queue call, the seat dialled
            # on a call to it, the caller's own seat on a call it makes.
            cond("${user_name}", "^.+$", act("set", "ccctl_agent=${user_name}@${domain_name}"), break_="never"),
            cond("${dialed_user}", "^.+$", act("set", "ccctl_agent=${dialed_user}@${dialed_domain}"), break_="never"),
            cond("${cc_agent}", "^.+$", act("set", "ccctl_agent=${cc_agent}"), break_="never"),
            cond(
                None,
                None,
                act("unset", "ccctl_code_keyed"),
                act("set", "playback_terminators=none"),
                act(
                    "play_and_get_digits",
                    f"1 2 1 {TIMEOUT_MS} # {ASK} silence_stream://100 ccctl_code_keyed ^[0-9]+$ {DIGIT_TIMEOUT_MS}",
                ),
                act("execute_extension", f"{KEYED_EXTENSION}${{ccctl_code_keyed}} XML {names.context(t)}"),
            ),
        )
    ]
    release = disposition.any_required(t)
    for code, name in t.dispositions.items():
        accept = [
            act("set", f"ccctl_code_set=${{uuid_setvar(${{ccctl_code_call}} {CODE_VAR} {code})}}"),
            event("disposition", code=code, name=name, call="${ccctl_code_call}"),
            *(
                [agent_set("ready_time", "0"), act("hash", f"delete/{disposition.HELD_REALM}/${{ccctl_agent}}")]
                if release
                else []
            ),
            _say(t, "agent_disposition"),
        ]
        taking = disposition.queues_taking(t, code)
        check = (
            cond(None, None, *accept)
            if taking is None
            # A queue call whose queue does not take this code: refused (any other call takes it).
            else cond("${cc_queue}", f"^(?:{alternation(taking)})?$", *accept, anti=[_say(t, "agent_unknown_code")])
        )
        out.append(
            ext(
                f"code-keyed-{code}",
                _bridged(),
                cond("destination_number", dest(KEYED_EXTENSION + code), break_="on-false"),
                check,
            )
        )
    out.append(
        ext(
            "code-keyed-unknown",
            _bridged(),
            cond("destination_number", f"^{re.escape(KEYED_EXTENSION)}[0-9]*$", _say(t, "agent_unknown_code")),
        )
    )
    return out
