"""Pausing a call's recording for sensitive data (PCI): *4 masks it from now, *5 resumes
(ccctl/config/codes.py MASK). FreeSWITCH's record_session_mask keeps the recording running and
writes silence in place of the audio (switch_ivr_async.c, SMBF_MASK), so the file keeps its
length and the parties keep hearing each other.

The keys are DTMF meta keys bound on the recorded channel (the caller's, as every recording of
ours) and listen to the seat's leg: the other leg of an inbound call, this leg of a call the
seat makes (as on-demand recording's *2/*3). Each runs one extension, MASK_EXTENSION, which
masks and fires AGENT_EVENT with the call and what names the seat; `ccctl agent mask` runs the
same extension on the call (uuid_broadcast), so the phone and the library act alike and the
daemon records both (an agent row of kind 'mask' or 'unmask' whose value is the call's uuid)."""

from __future__ import annotations

from ccctl.config import codes
from ccctl.config import spec as s
from ccctl.render import names
from ccctl.render.dsl import act, cond, dest, ext

MASK_EXTENSION = "cc-record-{}"
"""cc-record-mask / cc-record-unmask in the tenant's context."""
RECORDING_BUG = "session_record"
"""What uuid_buglist lists for a channel whose record_session is running..."""
RECORDING_TARGET = r"<function>session_record</function>\s*<target>([^<]+)</target>"
"""...and the file it writes (switch_core_media_bug_enumerate's XML), which names the recording
to mask."""


def mask_bind_actions(t: s.Tenant, leg: str) -> list:
    """The two keys, listening to LEG (b: the seat is the other leg of an inbound call)."""
    return [
        act("bind_meta_app", f"{key} {leg} a execute_extension::{MASK_EXTENSION.format(what)} XML {names.context(t)}")
        for what, key in codes.MASK.items()
    ]


def mask_binds(t: s.Tenant) -> object:
    """Once per call (in the setup extension; a DID's call gets them in `public`): the two keys
    on the seat's leg."""
    return cond(
        "${ccctl_direction}", "^inbound$", *mask_bind_actions(t, "b"), anti=mask_bind_actions(t, "a"), break_="never"
    )


def mask_extensions(t: s.Tenant) -> list:
    """Mask or unmask the recording of this channel. Only a bridged call runs them (bridge_to
    is set while a bridge is up): dialled as a number they match nothing here. The event (the
    span the daemon records) goes out only where a recording runs."""
    out = []
    for what in codes.MASK:
        fields = [
            f"Event-Subclass={codes.AGENT_EVENT}",
            "Event-Name=CUSTOM",
            f"CCCTL-Action={what}",
            *(f"CCCTL-{k}={v}" for k, v in codes.MASK_HEADERS.items()),
        ]
        out.append(
            ext(
                f"record-{what}",
                cond("${bridge_to}", "^.+$", break_="on-false"),
                cond("destination_number", dest(MASK_EXTENSION.format(what)), break_="on-false"),
                # Only a call being recorded (on demand: after *2) has a span to mask or resume.
                cond(
                    "${uuid_buglist(${uuid})}",
                    RECORDING_TARGET,
                    # The file as record_session was given it (its day folder may be yesterday's).
                    act(f"record_session_{what}", "$1"),
                    act("event", ",".join(fields)),
                    # Only the run it was set for (ccctl/supervision/masking.py): a key after it is the seat's.
                    act("unset", codes.MASKED_BY),
                    # An anti-action ends the hunt here too: the key run on a live call must
                    # never fall through to the context's last extension (unallocated: hangup).
                    anti=[act("log", f"INFO ccctl: *{codes.MASK[what]}: no recording to {what}")],
                ),
            )
        )
    return out
