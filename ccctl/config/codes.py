"""The codes a seat dials from its phone (feature codes), in one place: the dialplan renders
them (ccctl/render/agentcodes.py, dialplan.py) and the one validation refuses a tenant whose
break reasons or wrap-up codes would make two of them the same number."""

from __future__ import annotations

from ccctl.config import spec as s

AGENT = {"login": "*22", "logout": "*23", "break": "*24", "ready": "*25", "wrapup": "*26"}
"""*22 log in, *23 log out, *24 [+ reason] on break, *25 ready, *26 end wrap-up now."""
DISPOSITION = "*9"
"""*9 + code: the wrap-up code of the call the agent just had. During a call, the same keys
(*9, then the code, then # or the code's second digit) put the code on that call; a meta key
bound on the call, so none of them reaches the other party (ccctl/render/incall.py)."""
ECHO = "*9196"
AGENT_EVENT = "ccctl::agent"
"""Event-Subclass of the CUSTOM event a break reason or wrap-up code fires (headers
CCCTL-Action: break or disposition, CCCTL-Agent, CCCTL-Reason, CCCTL-Code; mask or unmask with
CCCTL-Call and what names the seat, see ccctl/render/masking.py); the daemon records it."""
MASK = {"mask": "4", "unmask": "5"}
"""In a call, *4 masks its recording from now (the file holds silence; the parties still hear
each other) and *5 resumes it: DTMF meta keys bound on the recorded channel, as *2/*3 of
on-demand recording are, so the digits never reach the other party."""
MASK_HEADERS = {
    "Call": "${uuid}",
    "Tenant": "${ccctl_tenant}",
    "Direction": "${ccctl_direction}",
    "Queue-Agent": "${cc_agent}",
    "Target": "${ccctl_target}",
    "User": "${user_name}",
    "By": "${ccctl_mask_by}",
}
"""What the daemon names the seat by (ccctl/daemon/assemble.py mask_seat): the queue's agent or the seat
dialled on an inbound call, the caller's own seat otherwise; By: set (MASKED_BY_LIBRARY) when
`ccctl agent mask` ran it, which audits itself, else the daemon audits the seat's keys."""
MASKED_BY = "ccctl_mask_by"
MASKED_BY_LIBRARY = "library"
SUPERVISOR = ("*33", "*34", "*35")
"""+ extension: listen, whisper, barge."""


def dialled(t: s.Tenant) -> list[tuple[str, str]]:
    """(number dialled, what it is) for every feature code of T."""
    out = [(code, f"feature code {code} ({what})") for what, code in AGENT.items()]
    out += [(AGENT["break"] + k, f"break reason {k} ({v})") for k, v in t.pause_reasons.items()]
    out += [(DISPOSITION + k, f"wrap-up code {k} ({v})") for k, v in t.dispositions.items()]
    out.append((ECHO, "the echo test " + ECHO))
    out += [
        (code + seat.extension, f"supervisor code {code}{seat.extension}") for code in SUPERVISOR for seat in t.seats
    ]
    out += [(seat.extension, f"seat {seat.extension}") for seat in t.seats]
    return out
