"""Dialplan: a 'public' context that knows only DIDs, and one context per tenant that knows
only that tenant's seats, queues, IVRs and trunks. Nothing in a tenant's context names
another tenant, which is what keeps tenants apart."""

from __future__ import annotations

import re

from ccctl.config import spec as s
from ccctl.media import prompts
from ccctl.render import names
from ccctl.render.agentcodes import agent_code_extensions
from ccctl.render.callback import callback_extensions
from ccctl.render.disposition import queue_hold
from ccctl.render.dsl import act, alternation, cond, dest, ext, sets
from ccctl.render.incall import in_call_bind_actions, in_call_binds, in_call_extensions, not_on_the_seat_leg
from ccctl.render.masking import mask_bind_actions, mask_binds, mask_extensions
from ccctl.render.recording import hooks_where_recorded as _hooks
from ccctl.render.recording import recording_failure_hooks
from ccctl.render.survey import after_queue, survey_extensions
from ccctl.render.xml import el, include

_WDAY = {"sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7}


ON_DEMAND_CODES = {"2": "record_session", "3": "stop_record_session"}
"""For a tenant whose recording mode is on_demand: during a call, the seat presses *2 to start
recording it and *3 to stop (DTMF meta keys bound on the caller's channel, which records, as
every other mode does, to the file named by the call's uuid)."""


def _on_demand_binds(t: s.Tenant, leg: str) -> list:
    return [
        act("bind_meta_app", f"{key} {leg} a {app}::{names.recording_path(t)}") for key, app in ON_DEMAND_CODES.items()
    ]


def _on_demand(t: s.Tenant) -> object:
    """The seat is the other leg of an inbound call, and this leg of a call it makes. (A DID's
    call gets its binds in `public`, with the rest of its setup: setup_extras.)"""
    return cond(
        "${ccctl_direction}", "^inbound$", *_on_demand_binds(t, "b"), anti=_on_demand_binds(t, "a"), break_="never"
    )


def setup_assignments(t: s.Tenant, *first: str | None) -> list[str]:
    """The variables a call of this tenant needs once, whichever way it entered: FIRST (a DID's
    own) and the tenant's. Each has a feature behind it. What every call of every tenant needs
    (hangup after bridge, continue on a failed bridge, which variables reach the other leg) is
    a global in vars.xml instead, at no per-call cost."""
    hours = any(ivr.hours is not None or ivr.holidays for ivr in t.ivrs)
    assignments = [
        *first,
        "ccctl_setup=true",  # transfers re-enter the context: once only
        f"ccctl_tenant={t.name}",  # reporting; exported to the other leg
        f"domain_name={t.sip_domain}",  # as a seat's own calls have it (directory)
        f"eavesdrop_group={t.name}",  # supervisors of this tenant only
        f"timezone={t.timezone}" if hours else None,  # business hours and holidays are in the tenant's zone
        "ccctl_record=true" if t.recording.mode == "all" else None,
        # The cap counts the call until it hangs up: mod_hash otherwise releases a channel's
        # count on its next transfer (CS_ROUTING), which a DID's call (counted in `public`)
        # makes at once, and an IVR's or a queue's call makes later.
        "limit_ignore_transfer=true" if t.call_limit else None,
    ]
    return list(dict.fromkeys(a for a in assignments if a))


SEATLESS = ("echo", "hangup", "voicemail")
"""Targets whose call never reaches a seat: a DID to one binds none of the seat's keys."""


def setup_extras(t: s.Tenant, *, did: bool = False, target: str = "") -> list:
    """After the variables: the failure hooks (on_demand), for a DID's (inbound) call the seat's
    keys (on-demand *2/*3, masking *4/*5, an in-call code's *9; the tenant's setup binds them
    for its own calls), and the tenant's cap (a DID's call: _did_cap, as the hunt passes)."""
    dialplan_context = names.context(t)
    actions = []
    # Each bind is an application run (~1 M instructions with its events): none on a DID's
    # call that no seat will ever answer.
    keys = did and target.partition(":")[0] not in SEATLESS
    if t.recording.mode == "on_demand":
        # A seat's *2 may start a recording on any call of this tenant: all of them carry the hooks.
        actions += recording_failure_hooks()
        if keys:
            actions += _on_demand_binds(t, "b")
    if t.call_limit and not did:
        # The tenant's cap. Counted once per call: mod_hash ignores a second increment by the same channel.
        actions.append(
            act("limit", f"hash {names.CALLS_LIMIT_REALM} {t.name} {t.call_limit} cc-over-cap XML {dialplan_context}")
        )
    if keys and t.recording.mode != "none":
        actions += mask_bind_actions(t, "b")  # *4 / *5 on the seat's leg
    if keys and t.dispositions:
        actions += in_call_bind_actions(t, "b")  # *9 + code during the call
    return actions


def setup_actions(t: s.Tenant) -> list:
    return [*sets(*setup_assignments(t)), *setup_extras(t)]


_SETVAR_SAFE = re.compile(r"^[A-Za-z0-9_]+=[^;\s'\"\\$]*$")
"""A `name=value` uuid_setvar_multi carries as it is (it splits on `;`, strips quotes)."""


def _set_while_hunting(assignments: list[str], *actions) -> list:
    """Conditions that set ASSIGNMENTS and then run ACTIONS: a condition whose field calls
    uuid_setvar_multi (expanded once, as the hunt reaches it) sets them all without running an
    application, and so without the three events carrying every channel variable (and the
    core-database update) that a multiset fires: on a DID's short call that was about 1 M
    instructions, 7% of what a bare FreeSWITCH spends on the whole call (bench/callcost.py).
    A value it cannot carry falls back to multiset."""
    if assignments and all(_SETVAR_SAFE.match(a) for a in assignments):
        api = f"${{uuid_setvar_multi(${{uuid}} {';'.join(assignments)})}}"
        # break on-false: a channel the API could not set (it cannot fail for a live call)
        # goes no further than `unallocated`, rather than on without its tenant.
        return [cond(api, r"^\+OK", *actions, break_="on-false")]
    return [cond(None, None, *sets(*assignments), *actions)]


def _did_cap(t: s.Tenant) -> list:
    """The tenant's cap on a DID's call, taken as the hunt passes: the uuid_limit API in a
    condition's field does what the `limit` application does (mod_hash counts the channel
    until it hangs up) without an application run, about 0.9 M instructions a call less
    (bench/callcost.py). Under the cap mod_hash sets limit_usage_REALM_TENANT, which the
    second condition finds. Over it, nothing is set: the anti-action sends the call to
    cc-over-cap (503) and the DID's target is never reached (break on-false)."""
    if not t.call_limit:
        return []
    over = f"cc-over-cap XML {names.context(t)}"
    return [
        cond(
            f"${{uuid_limit(${{uuid}} hash {names.CALLS_LIMIT_REALM} {t.name} {t.call_limit} {over})}}"
            f"${{limit_usage_{names.CALLS_LIMIT_REALM}_{t.name}}}",
            r"^\+OK[1-9][0-9]*$",
            break_="on-false",
            anti=[act("transfer", over)],
        )
    ]


def _setup(t: s.Tenant) -> object:
    """Once per call that did not come through a DID (whose extension ran the same actions in
    `public`, and set ccctl_setup): a seat's own call, an originate into the context."""
    return ext(
        "setup",
        *([not_on_the_seat_leg()] if t.dispositions else []),
        cond("${ccctl_setup}", "^$", *setup_actions(t)),
        cond("${ccctl_direction}", "^$", act("set", "ccctl_direction=internal", inline=True), break_="never"),
        *([_on_demand(t)] if t.recording.mode == "on_demand" else []),
        *([mask_binds(t)] if t.recording.mode != "none" else []),
        *([in_call_binds(t)] if t.dispositions else []),
        cont=True,
    )


def _record_on_bridge(t: s.Tenant) -> str:
    """Record a bridged call on this (the caller's) channel once the bridge is up: the channel
    that carries the failure hooks, and no early answer (record_session pre-answers a channel;
    by the time of the bridge it is answered)."""
    return f"execute_on_pre_bridge=record_session {names.recording_path(t)}"


def _record_condition(t: s.Tenant) -> object:
    return cond("${ccctl_record}", "^true$", *sets(_record_on_bridge(t)), *_hooks(t), break_="never")


def _seat_body(t: s.Tenant, seat: str, field: str | None = None, expr: str | None = None) -> list:
    """Ring SEAT (an extension, or `$1` captured by FIELD matching EXPR in the same condition,
    where the actions can see it), voicemail if it does not answer."""
    return [
        _record_condition(t),
        cond(
            field,
            expr,
            # api_on_answer: where a supervisor's *33EXT finds the seat's call once it is
            # answered (an API run on answer, not an application).
            *sets(
                f"ccctl_target=seat:{seat}",
                "call_timeout=30",
                f"api_on_answer=hash insert/{names.spymap(t)}/{seat}/${{uuid}}",
            ),
            act("bridge", f"user/{seat}@{t.sip_domain}"),
            act("transfer", f"cc-vm-{seat} XML {names.context(t)}"),
        ),
    ]


def _voicemail_body(t: s.Tenant, seat: str, field: str | None = None, expr: str | None = None) -> list:
    return [
        cond(
            field,
            expr,
            act("answer"),
            act("set", f"ccctl_target=voicemail:{seat}"),
            *_hooks(t),
            act("playback", prompts.standard("voicemail", t.language).ref),
            act("playback", "tone_stream://%(500,0,800)"),
            act(
                "record",
                f"{names.recording_dir(t)}/voicemail/{seat}/${{strftime(%Y-%m-%d-%H%M%S)}}-${{uuid}}.wav 180 200 3",
            ),
            act("hangup", "NORMAL_CLEARING"),
        )
    ]


def _seats(t: s.Tenant) -> list:
    if not t.seats:
        return []
    exts = alternation([seat.extension for seat in t.seats])
    expr = f"^(?:cc-seat-)?({exts})$"
    return [
        ext(
            "seats",
            cond("destination_number", expr, break_="on-false"),
            *_seat_body(t, "$1", "destination_number", expr),
        ),
        ext("voicemail", *_voicemail_body(t, "$1", "destination_number", f"^cc-vm-({exts})$")),
    ]


SUPERVISOR_CODES = {
    "33": ("listen", []),
    "34": ("whisper", ["eavesdrop_whisper_aleg=true"]),
    "35": ("barge", ["eavesdrop_whisper_aleg=true", "eavesdrop_whisper_bleg=true"]),
}
"""*33EXT listen, *34EXT whisper to the seat, *35EXT barge in (three-way). While listening,
DTMF 1/2/3 switch modes as in FreeSWITCH's eavesdrop. The leg eavesdropped is the one the spy
map holds, the caller's (api_on_answer of the seats extension): what FreeSWITCH mixes into
what that leg reads (whisper_aleg) goes on to the seat; barge mixes both ways (whisper_bleg
too; eavesdrop_bridge_* only choose what the supervisor hears)."""


def _supervisor(t: s.Tenant) -> list:
    if not t.seats:
        return []
    exts = alternation([seat.extension for seat in t.seats])
    out = []
    for code, (mode, extra) in SUPERVISOR_CODES.items():
        out.append(
            ext(
                f"supervisor-{mode}",
                cond("destination_number", f"^\\*{code}({exts})$", break_="on-false"),
                # One condition over both, so that $1 (the seat) is captured where the actions are.
                cond(
                    "${ccctl_supervisor}:${destination_number}",
                    f"^true:\\*{code}({exts})$",
                    act("answer"),
                    act("set", f"ccctl_target=supervisor:{mode}:$1"),
                    # Only channels of this tenant can be joined, whatever uuid the map holds.
                    act("set", f"eavesdrop_require_group={t.name}"),
                    act("set", "eavesdrop_enable_dtmf=true"),
                    *[act("set", v) for v in extra],
                    act("eavesdrop", f"${{hash(select/{names.spymap(t)}/$1)}}"),
                    act("hangup", "NORMAL_CLEARING"),
                    anti=[act("respond", "403 Not a supervisor")],
                ),
            )
        )
    return out


def _external(t: s.Tenant) -> list:
    if not t.trunks:
        return []
    record = _record_on_bridge(t) if t.recording.mode in ("all", "outbound") else None
    dial = "|".join(names.trunk_dial(t, tr) for tr in sorted(t.trunks, key=lambda x: x.name))
    caller = f"effective_caller_id_number={t.caller_id.number}" if t.caller_id.number else None
    name = f"effective_caller_id_name={t.caller_id.name}" if t.caller_id.name else None
    expr = r"^(?:0|cc-ext-)(\+?[0-9]{3,20})$"
    return [
        ext(
            "external",
            cond("destination_number", expr, break_="on-false"),
            cond(
                "${ccctl_direction}", "^internal$", act("set", "ccctl_direction=outbound", inline=True), break_="never"
            ),
            cond(
                "destination_number",
                expr,
                *sets("ccctl_target=external:$1", caller, name, record),
                *(_hooks(t) if record else []),
                act("bridge", dial),
                act("hangup", "${originate_disposition}"),
            ),
        )
    ]


def _queue_body(t: s.Tenant, q: s.Queue) -> list:
    """Into the queue; on leaving it, to its exit extension (survey, no-agent target, overflow)."""
    dialplan_context = names.context(t)
    ann = prompts.announcement(t, q)
    base = f"cc-queue-{q.name}"
    assignments = [
        f"ccctl_queue={q.name}",
        f"ccctl_target=queue:{q.name}",
        # The caller's leg goes on in the dialplan when the agent hangs up: to the survey.
        "hangup_after_bridge=false" if q.survey else None,
        f"cc_exit_keys={q.callback.key}" if q.callback else None,
        queue_hold(t, q),  # whether the agent must key a wrap-up code after this call
    ]
    enter = [
        # mod_callcenter records the caller's channel (record-template, callcenter.py)
        *(_hooks(t) if t.recording.mode in ("all", "inbound") else []),
        act("answer"),
        act("playback", ann.ref) if ann else None,
        act("callcenter", names.queue_id(t, q)),
        act("transfer", f"{base}-exit XML {dialplan_context}"),
    ]
    return _set_while_hunting([a for a in assignments if a], *[a for a in enter if a is not None])


def _queue(t: s.Tenant, q: s.Queue) -> list:
    base = f"cc-queue-{q.name}"
    return [
        ext(f"queue-{q.name}", cond("destination_number", dest(base), break_="on-false"), *_queue_body(t, q)),
        ext(
            f"queue-{q.name}-exit",
            cond("destination_number", dest(f"{base}-exit"), break_="on-false"),
            *after_queue(t, q),
            cond(
                "${cc_cancel_reason}",
                "^NO_AGENT_TIMEOUT$",
                act("transfer", names.transfer(t, q.no_agent.target)),
                break_="on-true",
            ),
            cond("${cc_cancel_reason}", "^TIMEOUT$", act("transfer", names.transfer(t, q.overflow)), break_="on-true"),
            cond("destination_number", dest(f"{base}-exit"), act("hangup", "NORMAL_CLEARING")),
        ),
    ]


def _date_attrs(holiday: str) -> dict:
    parts = [int(p) for p in holiday.split("-")]
    if len(parts) == 3:
        return {"year": str(parts[0]), "mon": str(parts[1]), "mday": str(parts[2])}
    return {"mon": str(parts[0]), "mday": str(parts[1])}


def _ivr_body(t: s.Tenant, ivr: s.Ivr) -> list:
    """The menu when open, else its closed treatment: one condition per holiday and per span
    of opening hours, in that order, each breaking the hunt when its date or time matches
    (break on-true), and the closed treatment last for when none did."""

    # Fresh elements for every condition: an lxml element has exactly one parent.
    def closed_actions():
        if ivr.closed == "hangup":
            return [
                act("answer"),
                act("playback", prompts.standard("closed", t.language).ref),
                act("hangup", "NORMAL_CLEARING"),
            ]
        return [act("transfer", names.transfer(t, ivr.closed))]

    def open_actions():
        return [
            act("set", f"ccctl_ivr={ivr.name}", inline=True),
            act("answer"),
            act("sleep", "300"),  # media settles before the greeting, so its first syllable is heard
            act("ivr", names.ivr_id(t, ivr)),
            act("transfer", names.transfer(t, ivr.on_failure)),
        ]

    out = [
        cond(
            None,
            None,
            act("set", f"ccctl_closed=holiday {holiday}"),
            *closed_actions(),
            break_="on-true",
            **_date_attrs(holiday),
        )
        for holiday in ivr.holidays
    ]
    if ivr.hours is None:
        return [*out, cond(None, None, *open_actions())]
    groups: dict[str, list[int]] = {}
    for day, span in ivr.hours.items():
        if span != "closed":
            groups.setdefault(span, []).append(_WDAY[day])
    for span, days in sorted(groups.items()):
        out.append(
            cond(
                None,
                None,
                *open_actions(),
                break_="on-true",
                wday=",".join(map(str, sorted(days))),
                time__of__day=span,
            )
        )
    return [*out, cond(None, None, act("set", "ccctl_closed=hours"), *closed_actions())]


def _ivr(t: s.Tenant, ivr: s.Ivr) -> list:
    base = f"cc-ivr-{ivr.name}"
    return [ext(f"ivr-{ivr.name}", cond("destination_number", dest(base), break_="on-false"), *_ivr_body(t, ivr))]


def _echo_body() -> list:
    return _set_while_hunting(["ccctl_target=echo"], act("answer"), act("echo"))


def _hangup_body() -> list:
    return [cond(None, None, act("hangup", "NORMAL_CLEARING"))]


def target_body(t: s.Tenant, target: str) -> list | None:
    """The conditions that run TARGET's actions, as the tenant context's extension for it does
    (the same functions build both): what a DID's extension runs in `public` instead of a
    transfer into the tenant's context. None for the targets a DID still transfers to (survey,
    external: rare for a DID, and their extensions read the context's own state)."""
    kind, _, ref = target.partition(":")
    if kind == "echo":
        return _echo_body()
    if kind == "hangup":
        return _hangup_body()
    if kind == "queue":
        q = next((q for q in t.queues if q.name == ref), None)
        return _queue_body(t, q) if q else None
    if kind == "ivr":
        ivr = next((i for i in t.ivrs if i.name == ref), None)
        return _ivr_body(t, ivr) if ivr else None
    if kind == "seat":
        return _seat_body(t, ref)
    if kind == "voicemail":
        return _voicemail_body(t, ref)
    return None


def tenant_context(t: s.Tenant) -> object:
    exts = [_setup(t)]
    exts.append(
        ext(
            "over-cap",
            cond(
                "destination_number",
                "^cc-over-cap$",
                act("set", "ccctl_refused=call_limit"),
                act("respond", "503 Tenant call limit reached"),
            ),
        )
    )
    exts.append(ext("hangup", cond("destination_number", "^cc-hangup$", break_="on-false"), *_hangup_body()))
    # A line test: remote agents and carriers hear their own audio back (seats dial *9196).
    exts.append(
        ext(
            "echo",
            cond("destination_number", r"^(?:cc-echo|\*9196)$", break_="on-false"),
            *_echo_body(),
        )
    )
    # What a DID or a queue/IVR transfer reaches (all `cc-` names, which no seat number, star
    # code or dialled number matches) comes before the seats, supervisor and agent codes: a
    # call that enters through `public` is hunted past the fewest regular expressions (each
    # one compiled anew per call, the seat alternations the largest).
    for q in t.queues:
        exts += _queue(t, q)
    for ivr in t.ivrs:
        exts += _ivr(t, ivr)
    exts += survey_extensions(t)
    exts += callback_extensions(t)
    exts += _seats(t)
    exts += _supervisor(t)
    exts += agent_code_extensions(t)
    if t.recording.mode != "none":
        exts += mask_extensions(t)
    exts += in_call_extensions(t)
    exts += _own_numbers(t)
    exts += _external(t)
    exts.append(_unallocated())
    return include(el("context", {"name": names.context(t)}, exts))


def _own_numbers(t: s.Tenant) -> list:
    """A seat dialing one of its tenant's own numbers reaches that number's target, as a caller
    from outside does (the setup wizard's test call: 4001 from seat 1001). Before the trunk's
    pattern: the tenant's own number never leaves the box. A seat's extension still wins."""
    return [
        ext(
            f"number-{n.number}",
            cond("destination_number", dest(n.number), act("transfer", names.transfer(t, n.target))),
        )
        for n in t.numbers
    ]


def did_extension(t: s.Tenant, n: s.Number) -> object:
    """The extension of T's number N wherever calls from outside land (`public`, and a span
    carrying T's trunk: span_context): it runs the tenant's setup (variables, cap, the seat's
    keys) and then its target's own actions right there (target_body), without the transfer
    into the tenant's context that cost a short call about a fifth of its instructions
    (bench/callcost.py). Isolation holds as it did: the extension names only its own tenant,
    every transfer the call makes later names the tenant's context, and force_transfer_context
    sends one that names none (a transfer without a context) there too, never back to where
    it landed. ccctl_entry tells the call record which destination the call entered without
    a transfer."""
    record = t.recording.mode in ("all", "inbound")
    body = target_body(t, n.target)
    inline = [f"force_transfer_context={names.context(t)}", f"ccctl_entry={names.destination(n.target)}"]
    return ext(
        f"did-{n.number}",
        cond("destination_number", dest(n.number), break_="on-false"),
        # The tenant's setup here, the variables with the DID's own: the tenant
        # context's setup then finds ccctl_setup and runs nothing.
        *_set_while_hunting(
            setup_assignments(
                t,
                "ccctl_direction=inbound",
                f"ccctl_did={n.number}",
                "ccctl_record=true" if record else None,
                *(inline if body else []),
            ),
            *setup_extras(t, did=True, target=n.target),
        ),
        *_did_cap(t),
        # Its target here, or one run elsewhere: into the tenant's own context.
        *(body or [cond(None, None, act("transfer", names.transfer(t, n.target)))]),
    )


def _unallocated() -> object:
    return ext("unallocated", cond("destination_number", "^.*$", act("hangup", "UNALLOCATED_NUMBER")))


def public_context(tenants: list[s.Tenant]) -> object:
    """One extension per DID of every tenant (did_extension); any other number is unallocated."""
    exts = [did_extension(t, n) for t in tenants for n in t.numbers]
    return include(el("context", {"name": names.PUBLIC_CONTEXT}, [*exts, _unallocated()]))


def span_context(t: s.Tenant) -> object:
    """Where a span carrying T's tdm trunk delivers its calls: T's own DIDs, by the same
    extensions as in `public`, and nothing else. A line rented by one tenant must not reach
    another tenant's numbers, as `public` (every tenant's) would let it."""
    exts = [did_extension(t, n) for n in t.numbers]
    return include(el("context", {"name": names.span_context(t)}, [*exts, _unallocated()]))
