"""Names shared by the rendered files: contexts, queue and agent ids, gateway names,
and the internal destinations targets turn into."""

from __future__ import annotations

from ccctl.config import spec as s

PUBLIC_CONTEXT = "public"
"""Where calls from outside land (SIP trunks, and spans that carry no tenant's trunk): every DID."""

FXO_CONTEXT = "fxo-lines"
"""Where an FXO line's call lands (it carries no number): the port's did, through `public`."""

RECORDING_FAILURES_REALM = "ccctl_recording_failures_"
"""mod_db realm prefix (+ tenant name) whose keys are the uuids of calls whose recording failed."""

CALLS_LIMIT_REALM = "ccctl_calls"
"""mod_hash limit realm counting each tenant's calls (resource: the tenant's name): the
dialplan's call cap, and what the dialer asks to stay under it."""


def context(t: s.Tenant) -> str:
    return t.name


def span_context(t: s.Tenant | str) -> str:
    """Where calls land that come in over a span carrying T's tdm trunk: T's own DIDs only
    (dialplan.span_context). The dot keeps it apart from every tenant's context: a tenant's
    name is a slug, which has none."""
    return f"tdm.{t if isinstance(t, str) else t.name}"


def in_context(t: s.Tenant, channel: dict) -> bool:
    """Is CHANNEL (a row of `show channels`) running T's dialplan? In T's context, or in
    `public` or T's span context at one of T's numbers: a DID's extension runs its target
    there, with no transfer into the tenant's context (dialplan.did_extension)."""
    where = channel.get("context")
    if where == context(t):
        return True
    return where in (PUBLIC_CONTEXT, span_context(t)) and any(n.number == channel.get("dest") for n in t.numbers)


def queue_id(t: s.Tenant, q: s.Queue | str) -> str:
    return f"{q if isinstance(q, str) else q.name}@{t.sip_domain}"


def agent_id(t: s.Tenant, seat: s.Seat | str) -> str:
    return f"{seat if isinstance(seat, str) else seat.extension}@{t.sip_domain}"


def ivr_id(t: s.Tenant, ivr: s.Ivr | str) -> str:
    return f"{ivr if isinstance(ivr, str) else ivr.name}@{t.sip_domain}"


def spymap(t: s.Tenant) -> str:
    """The mod_hash realm mapping a seat's extension to its current call, one per tenant."""
    return f"{t.sip_domain}-spymap"


def gateway(t: s.Tenant, trunk: s.Trunk | str) -> str:
    return f"{t.name}-{trunk if isinstance(trunk, str) else trunk.name}"


def tdm_group(group: int) -> str:
    """The FreeTDM group of a span group (what a tdm trunk dials). Not a bare number:
    FreeTDM reads a number in a dial string as a span id."""
    return f"grp{group}"


def destination(target: str) -> str:
    """The destination_number inside the tenant's context that a target transfers to."""
    kind, _, ref = target.partition(":")
    return {
        "hangup": "cc-hangup",
        "echo": "cc-echo",
        "survey": "cc-survey",  # the satisfaction question (ccctl/render/survey.py), every tenant has it
        "queue": f"cc-queue-{ref}",
        "ivr": f"cc-ivr-{ref}",
        "seat": f"cc-seat-{ref}",
        "voicemail": f"cc-vm-{ref}",
        "external": f"cc-ext-{ref}",
    }[kind]


def transfer(t: s.Tenant, target: str) -> str:
    return f"{destination(target)} XML {context(t)}"


def recording_dir(t: s.Tenant) -> str:
    return f"$${{recordings_dir}}/{t.name}"


def recording_path(t: s.Tenant) -> str:
    ext = t.recording.format
    return f"{recording_dir(t)}/${{strftime(%Y-%m-%d)}}/${{uuid}}.{ext}"


TDM_EXPORT = r"[bridge_export_vars=freetdm_span_name\,freetdm_chan_number]"
"""Per-leg variables of a tdm trunk's leg: once bridged, the span and channel mod_freetdm gave
the outgoing leg are copied to the caller's (the seat's) channel, whose call row then names
the trunk and span it went out over, as an incoming call's row does. The escaped comma stays
inside the value (FreeSWITCH splits a leg's variables at a bare one)."""


def trunk_dial(t: s.Tenant, tr: s.Trunk) -> str:
    if tr.type == "sip":
        return f"sofia/gateway/{gateway(t, tr)}/$1"
    return f"{TDM_EXPORT}freetdm/{tdm_group(tr.span_group)}/a/$1"
