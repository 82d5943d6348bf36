"""One directory domain per tenant. Passwords leave the database only as SIP digest A1
hashes, so the rendered tree never holds a usable plain-text secret."""

from __future__ import annotations

import hashlib

from ccctl.config import spec as s
from ccctl.render import names, templates

DIAL_STRING = (
    "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
    "${sofia_contact(*/${dialed_user}@${dialed_domain})}"
)


def edge_dial_string(edge: str) -> str:
    """On a fleet node the seats are registered at the edge, not here: a call to a seat goes to
    the edge (Route: the edge), which looks the seat up in its location table."""
    return (
        "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
        # FreeSWITCH cuts fs_path at the first ';' or '>' and sends the request there as to an
        # outbound proxy: a bare URI, no brackets or parameters.
        f"sofia/internal/${{dialed_user}}@${{dialed_domain}};fs_path=sip:{edge}"
    )


def a1_hash(user: str, domain: str, password: str) -> str:
    return hashlib.md5(f"{user}:{domain}:{password}".encode()).hexdigest()


def tenant_vars(t: s.Tenant) -> list[tuple[str, str]]:
    return [
        ("user_context", names.context(t)),
        ("ccctl_tenant", t.name),
        ("domain_name", t.sip_domain),
        ("eavesdrop_group", t.name),
        ("timezone", t.timezone),
    ]


def domain_xml(t: s.Tenant, edge: str | None = None) -> bytes:
    domain = t.sip_domain
    users = [
        (
            seat.extension,
            a1_hash(seat.extension, domain, seat.password or ""),
            seat.name,
            "true" if seat.remote else "false",
            "true" if seat.supervisor else "false",
        )
        for seat in t.seats
    ]
    return templates.render(
        "directory.xml.j2",
        domain=domain,
        dial_string=edge_dial_string(edge) if edge else DIAL_STRING,
        variables=tenant_vars(t),
        users=users,
    )
