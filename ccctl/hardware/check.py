"""Settings a voice card cannot carry, each refused with one line naming the card and the
span or port: more spans or ports than the card has, PRI on an analog port, R2 on a T1,
E1 framing on a T1, a span shared by two tenants' trunks, two spans as clock master; and, on
the box itself (check_present), a card that is not there or lacks its firmware."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from ccctl.config.validate import Problem
from ccctl.hardware import profiles
from ccctl.hardware.spec import Hardware

SCOPE = "hardware"
_E1 = {"framing": ("ccs", "cas"), "coding": ("hdb3", "ami")}
_T1 = {"framing": ("esf", "d4"), "coding": ("b8zs", "ami")}
_ANALOG_SIG = ("loop_start", "kewl_start")


def _dupes(values: Iterable) -> list:
    return sorted(k for k, n in Counter(values).items() if n > 1)


class _Problems(list):
    def err(self, obj: str, msg: str) -> None:
        self.append(Problem("error", SCOPE, obj, msg))

    def warn(self, obj: str, msg: str) -> None:
        self.append(Problem("warning", SCOPE, obj, msg))


Members = dict[int, list[tuple[str, str]]]
"""span group -> [(where, port type)] of the spans and ports in it"""


def check_hardware(hw: Hardware, trunks: Iterable[tuple[str, str, int]] = ()) -> list[Problem]:
    """Problems of HW; TRUNKS are (tenant, trunk, span_group) of every tdm trunk on the box."""
    out = _Problems()
    for name in _dupes(c.name for c in hw.cards):
        out.err(f"card {name}", "defined twice")
    for loc in _dupes(c.location for c in hw.cards if c.location):
        out.err(f"location {loc}", "two cards at the same location")
    known = profiles.cards() if hw.cards else {}
    members: Members = defaultdict(list)
    for card in hw.cards:
        _check_card(out, card, known.get(card.profile), members)
    masters = [f"card {c.name} span {sp.span}" for c in hw.cards for sp in c.spans if sp.clock == 1]
    if len(masters) > 1:
        out.err(
            masters[1],
            f"clock priority 1 is already {masters[0]}'s: two spans as master make a clock source loop "
            "(give one priority 2, or 0 for never)",
        )
    _check_groups(out, trunks, members)
    return list(out)


def check_present(hw: Hardware, found) -> list[Problem]:
    """Cards of HW this box does not have, or whose firmware is missing, by `detect`'s FOUND
    (a Detection): a card with a location must be there with its profile; one without, some
    detected card of its profile must be. Virtual cards (DAHDI's dynamic spans) are always there."""
    out = _Problems()
    known = profiles.cards()
    by_location = {c.location: c for c in found.cards}
    for card in hw.cards:
        fam = known.get(card.profile, (None, None))[0]
        if fam is None or fam.virtual or not (card.spans or card.ports):
            continue
        where = f"card {card.name}"
        first = f"{where} span {card.spans[0].span}" if card.spans else f"{where} port {card.ports[0].port}"
        if card.location:
            hit = by_location.get(card.location)
            if hit is None:
                out.err(first, f"no card at {card.location} on this box (see ccctl hardware detect)")
                continue
            if hit.profile != card.profile:
                out.err(where, f"the card at {card.location} is {hit.profile or 'unknown'}, not {card.profile}")
                continue
        else:
            hit = next((c for c in found.cards if c.profile == card.profile), None)
            if hit is None:
                out.err(first, f"no {card.profile} card on this box (see ccctl hardware detect)")
                continue
        if hit.firmware_missing:
            out.err(where, f"firmware {hit.firmware_missing[0]} is missing (see ccctl hardware detect)")
    return list(out)


def _check_card(out: _Problems, card, found, members: Members) -> None:
    c = f"card {card.name}"
    if found is None:
        out.err(c, f"unknown profile {card.profile!r} (see ccctl hardware list)")
        return
    fam, prof = found
    if (prof.module or fam.module) is None:
        out.warn(c, f"{prof.name} has no driver in Debian's DAHDI ({prof.note or 'vendor driver needed'})")
    if not card.location and (card.spans or card.ports) and not fam.virtual:
        out.warn(c, "no location: assigned-spans.conf cannot pin its spans (see ccctl hardware detect)")
    for n in _dupes(s.span for s in card.spans):
        out.err(f"{c} span {n}", "defined twice")
    for n in _dupes(p.port for p in card.ports):
        out.err(f"{c} port {n}", "defined twice")
    if card.spans and not prof.digital:
        out.err(f"{c} span {card.spans[0].span}", f"{prof.name} is an analog card: configure ports, not spans")
    if card.ports and not ({"fxs", "fxo"} & set(prof.port_types)):
        out.err(f"{c} port {card.ports[0].port}", f"{prof.name} is a digital (E1/T1) card: configure spans, not ports")
    for sp in card.spans:
        where = f"{c} span {sp.span}"
        members[sp.group].append((where, sp.type))
        if prof.digital:
            _check_span(out, where, sp, prof)
    for port in card.ports:
        where = f"{c} port {port.port}"
        members[port.group].append((where, port.type))
        if not prof.digital or {"fxs", "fxo"} & set(prof.port_types):
            _check_port(out, where, port, prof)


def _check_span(out: _Problems, where: str, sp, prof) -> None:
    if prof.spans and sp.span > prof.spans:
        out.err(where, f"{prof.name} has {prof.spans} span{'s' if prof.spans > 1 else ''}")
    if sp.type not in prof.port_types:
        out.err(where, f"{prof.name} has no {sp.type.upper()} spans")
    rules = _E1 if sp.type == "e1" else _T1
    kind = sp.type.upper()
    for fld in ("framing", "coding"):
        value = getattr(sp, fld)
        if value not in rules[fld]:
            out.err(where, f"{fld} {value} is not for {kind}; {kind} takes {' or '.join(rules[fld])}")
    if sp.type == "t1" and sp.crc4:
        out.err(where, "crc4 is for E1 spans; this span is T1")
    _check_signalling(out, where, sp)
    if sp.echo_canceller == "hardware" and not prof.echo_canceller.hardware:
        out.err(where, f"{prof.name} has no hardware echo canceller; use a software one (mg2, oslec, ...)")


def _check_signalling(out: _Problems, where: str, sp) -> None:
    if sp.signalling in _ANALOG_SIG:
        out.err(where, f"{sp.signalling} is analog port signalling; a span takes pri_cpe, pri_net or r2")
    elif sp.signalling == "r2":
        if sp.type != "e1":
            out.err(where, "R2 needs an E1 span; this span is T1")
        elif sp.framing != "cas":
            out.err(where, f"R2 signals in CAS: framing must be cas, not {sp.framing}")
        if sp.switch:
            out.err(where, "switch is for PRI; this span signals R2")
    else:
        if sp.type == "e1" and sp.framing != "ccs":
            out.err(where, f"PRI needs CCS framing on E1, not {sp.framing}")
        if sp.r2:
            out.err(where, "r2 settings are for R2 spans; this span signals PRI")


def _check_port(out: _Problems, where: str, port, prof) -> None:
    if prof.ports and port.port > prof.ports:
        out.err(where, f"{prof.name} has {prof.ports} ports")
    if port.type not in prof.port_types:
        out.err(where, f"{prof.name} has no {port.type.upper()} ports")
    if port.signalling not in _ANALOG_SIG:
        what = "PRI" if port.signalling.startswith("pri") else "R2"
        out.err(
            where,
            f"{what} needs a digital E1/T1 span; port {port.port} is an {port.type.upper()} port "
            "(use loop_start or kewl_start)",
        )
    if port.did and port.type != "fxo":
        out.err(where, f"did {port.did}: only an FXO port (a line in) takes calls for a number")
    if port.echo_canceller == "hardware" and not prof.echo_canceller.hardware:
        out.err(where, f"{prof.name} has no hardware echo canceller; use a software one (mg2, oslec, ...)")


def _check_groups(out: _Problems, trunks: Iterable[tuple[str, str, int]], members: Members) -> None:
    """A span group serves one tenant, and a trunk dials out on FXO ports or spans only."""
    tenants_of: dict[int, set[str]] = defaultdict(set)
    trunk_of: dict[int, list[str]] = defaultdict(list)
    for tenant, trunk, group in trunks:
        tenants_of[group].add(tenant)
        trunk_of[group].append(f"{tenant}/{trunk}")
    for group, owners in sorted(tenants_of.items()):
        if not members.get(group):
            out.warn(f"span group {group}", f"trunk {trunk_of[group][0]} uses it, but no span or port is in it")
            continue
        if len(owners) > 1:
            where = members[group][0][0]
            out.err(
                where,
                f"span group {group} would serve two tenants ({', '.join(sorted(owners))}); "
                "a span belongs to one tenant",
            )
        for where, kind in members[group]:
            if kind == "fxs":
                out.err(
                    where,
                    f"is an FXS port (it feeds a phone) in span group {group}, which trunk "
                    f"{trunk_of[group][0]} dials out on; trunks use FXO ports or E1/T1 spans",
                )
