"""A tenant read in part: what a write of a few items reads, so that it costs what it changes.

A tenant's seats (and its numbers) grow into the tens of thousands; its queues, IVRs and trunks
stay few. A one-item write (config/entities.py) therefore reads the tenant whole except for
those two collections, of which it reads only:

- the items it touches (the seat added, changed or removed);
- the numbers that route to what it touches, so that removing a seat a number still routes
  to is refused exactly as with the whole tenant read;

and, of the seats it did not read, asks the database what the rules need (validate.Unread):
how many there are (the seat limit), their skills (a queue nobody can serve), and which of the
extensions the tenant's targets name exist. Uniqueness needs nothing more: the items not read
are unique among themselves (the database's unique keys), and a touched key is read.

The write path (config/write.py) reads the current state in the same part (Edit.only), so the
diff, the rows written and the undo of a refused deploy cover exactly the items read.
"""

from __future__ import annotations

import re
from typing import Iterable

from sqlalchemy import func
from sqlmodel import Session, select

from ccctl import model as m
from ccctl.config import spec as s
from ccctl.config.validate import Unread

PARTIAL = ("seats", "numbers")
"""The collections a write reads in part; the others are always read whole."""

Only = dict[str, frozenset[str]]
"""{collection: the keys read of it}, for the collections of PARTIAL."""

_REFS = {"seats": ("seat:", "voicemail:"), "queues": ("queue:",), "ivrs": ("ivr:",)}
_SEAT_REF = re.compile(r"(?:seat|voicemail):([1-9][0-9]{1,7})")


def just(collection: str, keys: Iterable[str] = ()) -> Only:
    """Read KEYS of COLLECTION (when it is read in part) and nothing of the other partial ones."""
    keys = frozenset(keys)
    return {kind: keys if kind == collection else frozenset() for kind in PARTIAL}


def touching(session: Session, tenant: str, collection: str, keys: Iterable[str]) -> Only:
    """What a change of KEYS in COLLECTION of TENANT reads: those items, and the numbers that
    route to them (every other item that can name them, in queues and IVRs, is read whole)."""
    keys = frozenset(keys)
    only = just(collection, keys)
    routed = select(m.Number.number).join(m.Tenant, m.Number.tenant_id == m.Tenant.id).where(m.Tenant.name == tenant)
    if collection == "trunks":
        # without a trunk, an external target is dangling
        routed = routed.where(m.Number.target.like("external:%"))
    elif collection in _REFS:
        routed = routed.where(m.Number.target.in_([p + k for p in _REFS[collection] for k in keys]))
    else:
        return only
    return {**only, "numbers": only["numbers"] | frozenset(session.exec(routed).all())}


def unread(session: Session, t: s.Tenant, only: Only, stored: Iterable[s.Campaign] = ()) -> Unread:
    """What the rules need of the seats of T's tenant that a part ONLY leaves out (T: the
    tenant as the write wants it, read in that part; STORED: its campaigns in the database,
    whose targets are checked with T's)."""
    if "seats" not in only:
        return Unread()
    tenant_id = select(m.Tenant.id).where(m.Tenant.name == t.name).scalar_subquery()
    rest = (m.Seat.tenant_id == tenant_id) & m.Seat.extension.not_in(list(only["seats"]))
    count = session.exec(select(func.count()).select_from(m.Seat).where(rest)).one()
    skills: frozenset[str] = frozenset()
    if t.queues:
        skills = frozenset(
            session.exec(
                select(m.SeatSkill.skill).distinct().join(m.Seat, m.SeatSkill.seat_id == m.Seat.id).where(rest)
            ).all()
        )
    named = _named_extensions(t) | {hit.group(1) for c in stored if c.target and (hit := _SEAT_REF.fullmatch(c.target))}
    named -= {x.extension for x in t.seats}
    found: frozenset[str] = frozenset()
    if named:
        found = frozenset(session.exec(select(m.Seat.extension).where(rest, m.Seat.extension.in_(sorted(named)))).all())
    return Unread(seats=count, skills=skills, extensions=found)


def _named_extensions(t: s.Tenant) -> set[str]:
    """Every extension a target of T names, wherever it is (any string of the tenant but its
    seats that reads seat:EXT or voicemail:EXT: looking up one too many costs nothing)."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, str):
            hit = _SEAT_REF.fullmatch(value)
            if hit:
                found.add(hit.group(1))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(t.model_dump(exclude={"seats", "customers"}))
    return found


def taken(session: Session, desired: list[s.Tenant], exclude: Iterable[str]) -> dict[str, dict[str, str]]:
    """store.taken_elsewhere, asked only about the numbers and domains DESIRED holds (the only
    ones validate.check_site looks up): for a write of a few items, not every number of the box."""
    exclude = list(exclude)
    numbers = sorted({n.number for t in desired for n in t.numbers})
    domains = sorted({t.sip_domain for t in desired})
    out: dict[str, dict[str, str]] = {"numbers": {}, "domains": {}}
    if numbers:
        out["numbers"] = dict(
            session.exec(
                select(m.Number.number, m.Tenant.name)
                .join(m.Tenant, m.Number.tenant_id == m.Tenant.id)
                .where(m.Tenant.name.not_in(exclude), m.Number.number.in_(numbers))
            ).all()
        )
    # a tenant without a domain of its own has NAME.cc.local
    defaults = [d.removesuffix(".cc.local") for d in domains if d.endswith(".cc.local")]
    rows = session.exec(
        select(m.Tenant.name, m.Tenant.domain).where(
            m.Tenant.name.not_in(exclude),
            m.Tenant.domain.in_(domains) | (m.Tenant.domain.is_(None) & m.Tenant.name.in_(defaults)),
        )
    ).all()
    out["domains"] = {s.sip_domain(t, d): t for t, d in rows}
    return out
