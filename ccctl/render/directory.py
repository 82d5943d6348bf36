"""One directory domain per tenant. Passwords leave the database only as SIP digest A1
hashes, so the rendered tree never holds a usable plain-text secret."""

from __future__ import annotations

import hashlib

from ..site import spec as s
from . import names
from .xml import el, include, params, variable

DIAL_STRING = (
    "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
    "${sofia_contact(*/${dialed_user}@${dialed_domain})}"
)


def a1_hash(user: str, domain: str, password: str) -> str:
    return hashlib.md5(f"{user}:{domain}:{password}".encode()).hexdigest()


def tenant_vars(t: s.Tenant) -> list:
    return [
        variable("user_context", names.context(t)),
        variable("ccctl_tenant", t.name),
        variable("domain_name", t.sip_domain),
        variable("eavesdrop_group", t.name),
        variable("timezone", t.timezone),
    ]


def _user(t: s.Tenant, seat: s.Seat) -> object:
    domain = t.sip_domain
    return el(
        "user", {"id": seat.extension},
        params("params", {"a1-hash": a1_hash(seat.extension, domain, seat.password or "")}),
        el("variables", None,
           variable("effective_caller_id_name", seat.name),
           variable("effective_caller_id_number", seat.extension),
           variable("ccctl_seat", seat.extension),
           variable("ccctl_remote", "true" if seat.remote else "false")),
    )


def domain_xml(t: s.Tenant) -> object:
    return include(
        el("domain", {"name": t.sip_domain},
           params("params", {"dial-string": DIAL_STRING}),
           el("variables", None, tenant_vars(t)),
           el("groups", None, el("group", {"name": "seats"},
              el("users", None, [_user(t, seat) for seat in t.seats])))),
    )
