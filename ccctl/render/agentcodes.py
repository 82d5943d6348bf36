"""The agent's feature codes, dialled from a seat's phone: *22 log in, *23 log out, *24 [+ reason]
on break, *25 ready, *26 end wrap-up now, *9 + code the wrap-up code of the last call
(ccctl/config/codes.py). Each asks mod_callcenter (callcenter_config, expanded in the dialplan)
about the calling seat's own agent, sets it, and says so; where the code does not apply, it
says why. The agent is the caller's authenticated user in this tenant's domain, so a seat of
another tenant (whose calls never reach this context) can change nothing here.

A break reason and a wrap-up code also go out as a CUSTOM event (AGENT_EVENT) the daemon
records: the reason in the agent's status history, the code on the agent's last call row."""

from __future__ import annotations

import re

from ccctl.config import codes
from ccctl.config import spec as s
from ccctl.media import prompts
from ccctl.render import disposition
from ccctl.render.dsl import act, alternation, cond, ext

AGENT_EVENT = codes.AGENT_EVENT

LOGGED_IN = r"^(?:Available|Available \(On Demand\)|On Break)$"


def _cc(command: str) -> str:
    return f"${{callcenter_config({command})}}"


def _say(t: s.Tenant, kind: str) -> list:
    return [
        act("answer"),
        act("sleep", "300"),
        act("playback", prompts.standard(kind, t.language).ref),
        act("hangup", "NORMAL_CLEARING"),
    ]


def event(action: str, **headers: str) -> object:
    fields = [
        f"Event-Subclass={AGENT_EVENT}",
        "Event-Name=CUSTOM",
        f"CCCTL-Action={action}",
        "CCCTL-Agent=${ccctl_agent}",
        *(f"CCCTL-{k.capitalize()}={v}" for k, v in headers.items()),
    ]
    return act("event", ",".join(fields))


def agent_set(what: str, value: str) -> object:
    return act("set", f"ccctl_agent_result={_cc(f'agent set {what} ${{ccctl_agent}} {value}')}")


def _code(
    t: s.Tenant,
    name: str,
    number: str,
    applies: str,
    actions: list,
    confirm: str,
    refusals: list[tuple[str, str]],
    field: str = "${ccctl_agent_status}",
) -> object:
    """One feature code: who is calling, then what it does where it APPLIES (a regex over
    FIELD), else the first of REFUSALS (regex, prompt) that matches."""
    seats = alternation([seat.extension for seat in t.seats])
    agent = f"$1@{t.sip_domain}"
    return ext(
        f"agent-{name}",
        cond("destination_number", f"^{re.escape(number)}$", break_="on-false"),
        # The caller's authenticated user, one of this tenant's seats.
        cond(
            "${user_name}",
            f"^({seats})$",
            act("set", f"ccctl_target=agent:{name}", inline=True),
            act("set", f"ccctl_agent={agent}", inline=True),
            act("set", f"ccctl_agent_status={_cc(f'agent get status {agent}')}", inline=True),
            act("set", f"ccctl_agent_state={_cc(f'agent get state {agent}')}", inline=True),
            anti=_say(t, "agent_not_agent"),
        ),
        cond(field, applies, *actions, *_say(t, confirm), break_="on-true"),
        *[cond(field, regex, *_say(t, prompt), break_="on-true") for regex, prompt in refusals],
    )


def agent_code_extensions(t: s.Tenant) -> list:
    if not t.seats:
        return []
    c = codes.AGENT
    # What the agent's last call left due: a wrap-up code (HOLD) or nothing.
    held = f"${{hash(select/{disposition.HELD_REALM}/${{ccctl_agent}})}}" if disposition.any_required(t) else None
    last_queue = f"${{hash(select/{disposition.LAST_QUEUE_REALM}/${{ccctl_agent}})}}"

    def available() -> list:  # fresh elements each time: an lxml element has one parent
        return [agent_set("status", "Available"), agent_set("state", "Waiting")]

    out = [
        _code(t, "login", c["login"], "^Logged Out$", available(), "agent_login", [(".*", "agent_logged_in")]),
        _code(
            t,
            "logout",
            c["logout"],
            LOGGED_IN,
            [agent_set("status", "'Logged Out'")],
            "agent_logout",
            [(".*", "agent_not_logged_in")],
        ),
    ]
    for code, reason in [(None, t.pause_reasons.get(t.default_pause_reason or "")), *t.pause_reasons.items()]:
        on_break = [agent_set("status", "'On Break'"), *([event("break", reason=reason)] if reason else [])]
        out.append(
            _code(
                t,
                f"break-{code}" if code else "break",
                c["break"] + (code or ""),
                LOGGED_IN,
                on_break,
                "agent_break",
                [(".*", "agent_not_logged_in")],
            )
        )
    out.append(
        ext(
            "agent-break-unknown",
            cond("destination_number", f"^{re.escape(c['break'])}[0-9]+$", *_say(t, "agent_unknown_code")),
        )
    )
    out += [
        _code(
            t,
            "ready",
            c["ready"],
            "^On Break$",
            available(),
            "agent_ready",
            [("^Logged Out$", "agent_not_logged_in"), (".*", "agent_not_on_break")],
        ),
        # Wrap-up: an Available, Waiting agent whose wrap_up_time since its last call (or a
        # ready_time) is still ahead; both go to 0 (the next answered call restores the first,
        # ccctl/render/callcenter.py). One held for a wrap-up code (ccctl/render/disposition.py)
        # is released by a code only.
        _code(
            t,
            "wrapup",
            c["wrapup"],
            r"^Available[^:]*:Waiting(?::0?)?$" if held else r"^Available[^:]*:Waiting$",
            [agent_set("ready_time", "0"), agent_set("wrap_up_time", "0")],
            "agent_wrapup",
            [
                ("^Logged Out:", "agent_not_logged_in"),
                *([(":[1-9][0-9]*$", "agent_code_required")] if held else []),
                (".*", "agent_not_in_wrapup"),
            ],
            field="${ccctl_agent_status}:${ccctl_agent_state}" + (f":{held}" if held else ""),
        ),
    ]
    for code, name in t.dispositions.items():
        release = (
            [agent_set("ready_time", "0"), act("hash", f"delete/{disposition.HELD_REALM}/${{ccctl_agent}}")]
            if held
            else []
        )
        # Where queues narrow the codes: the queue of the agent's last call must take this one.
        taking = disposition.queues_taking(t, code)
        out.append(
            _code(
                t,
                f"disposition-{code}",
                codes.DISPOSITION + code,
                ".*" if taking is None else f"^(?:{alternation(taking)})?$",
                [event("disposition", code=code, name=name), *release],
                "agent_disposition",
                [] if taking is None else [(".*", "agent_unknown_code")],
                **({} if taking is None else {"field": last_queue}),
            )
        )
    if t.dispositions:
        out.append(
            ext(
                "agent-disposition-unknown",
                cond(
                    "destination_number",
                    f"^{re.escape(codes.DISPOSITION)}[0-9]{{1,2}}$",
                    *_say(t, "agent_unknown_code"),
                ),
            )
        )
    return out
