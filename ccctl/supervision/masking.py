"""Masking a seat's call recording from the library (`ccctl agent mask|unmask`), as *4 / *5 do
from the phone: the same dialplan extension runs on the recorded channel (uuid_broadcast), so
the file holds silence from now until unmasked, the parties keep hearing each other, and the
daemon records the span (ccctl/render/masking.py, ccctl/recordings/masks.py). The audit row is
written here, with the supervisor as its actor; the daemon writes those of the seat's keys."""

from __future__ import annotations

from ccctl.app import Services
from ccctl.config import codes
from ccctl.config.entities import get_tenant
from ccctl.errors import Conflict, NotFound
from ccctl.freeswitch.connect import event_socket
from ccctl.render import names
from ccctl.render.masking import MASK_EXTENSION, RECORDING_BUG
from ccctl.supervision import audit, monitor


def _seat_channels(esl, t, extension: str) -> list[str]:
    """The seat's live call legs: the ones FreeSWITCH sent to it (presence is the seat) and the
    ones it made (the caller authenticated as the seat, in the tenant's context)."""
    channels, _ = monitor._live(esl)
    aor = names.agent_id(t, extension)
    out = []
    for c in sorted(channels, key=lambda c: -int(c.get("created_epoch") or 0)):
        if c.get("callstate") in ("DOWN", "HANGUP"):
            continue
        if c.get("presence_id") == aor:
            out.append(c["uuid"])
        elif c.get("context") == names.context(t):
            user = esl.api(f"uuid_getvar {c['uuid']} user_name", check=False).strip()
            domain = esl.api(f"uuid_getvar {c['uuid']} domain_name", check=False).strip()
            if (user, domain) == (extension, t.sip_domain):
                out.append(c["uuid"])
    return out


def _recorded_channel(esl, t, extension: str) -> str:
    """The channel that records the seat's call: the one that ran the tenant's dialplan (the
    caller's), the seat's own leg when it made the call, the other leg when it took it."""
    _, partner = monitor._live(esl)
    for seat in _seat_channels(esl, t, extension):
        for uuid in (seat, partner.get(seat)):
            if uuid and esl.api(f"uuid_getvar {uuid} ccctl_setup", check=False).strip() == "true":
                return uuid
    raise NotFound(f"seat {t.name}/{extension} has no call in progress")


def set_mask(services: Services, tenant: str, extension: str, on: bool, *, actor: str | None = None) -> dict:
    """Mask (ON) or unmask the recording of the call the seat is on; returns {tenant,
    extension, call, masked}. Audited like every supervisor action, ok or failed."""
    t = get_tenant(services, tenant)
    if not any(seat.extension == extension for seat in t.seats):
        raise NotFound(f"seat {tenant}/{extension} not found")
    action = "mask" if on else "unmask"
    call = None
    try:
        if t.recording.mode == "none":
            raise Conflict(f"{tenant} records no calls (recording mode none): nothing to {action}")
        with event_socket(services) as esl:
            call = _recorded_channel(esl, t, extension)
            if RECORDING_BUG not in esl.api(f"uuid_buglist {call}", check=False):
                raise Conflict(f"the call of {tenant}/{extension} is not being recorded: nothing to {action}")
            # The daemon audits a mask from the phone; this one is audited here, with its actor.
            esl.api(f"uuid_setvar {call} {codes.MASKED_BY} {codes.MASKED_BY_LIBRARY}")
            esl.api(f"uuid_broadcast {call} execute_extension::{MASK_EXTENSION.format(action)} aleg")
    except Exception as exc:
        audit.record(
            services,
            tenant=tenant,
            action=f"recording.{action}",
            result="refused" if isinstance(exc, (Conflict, NotFound)) else "failed",
            actor=actor,
            subject=extension,
            call=call,
            detail=str(exc),
        )
        raise
    audit.record(
        services, tenant=tenant, action=f"recording.{action}", result="ok", actor=actor, subject=extension, call=call
    )
    return {"tenant": tenant, "extension": extension, "call": call, "masked": on}
